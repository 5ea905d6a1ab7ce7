//! The compact kernel: `C (+)= Σ_s A_s · B_s` as three plain loops, one sum
//! per element of C kept in a register. It is what bare-metal targets
//! (`target_os = "none"`: microcontrollers, where flash is scarce and there is
//! no cache for the streaming kernels to plan around) run for every product:
//! a few hundred bytes of code instead of the streaming kernel's variants
//! (69 KB of them at `opt-level = "s"`), no choice of pass by the weights'
//! address (the same speed wherever they sit in flash), and no table of
//! function pointers. Elsewhere it is the product of strided operands when
//! there is no allocator for packing buffers.

use super::{Gemm, Segments};

/// `C (+)= Σ_s A_s · B_s` over the operands `g` and `seg` describe, each
/// element of C summed in order: `C`'s old value (when accumulating), then
/// segment by segment, depth by depth.
///
/// The caller has checked (`Gemm::check`) that every element the sizes,
/// strides and segments address lies inside `g.a`, `g.b` and `c`.
pub(super) fn gemm(g: Gemm<'_>, seg: Segments, c: &mut [f32]) {
    gemm_from(g, seg, &[], c)
}

/// [`gemm`], each sum of column `j` started at `bias[j]` when `bias` is
/// not empty (it then holds `g.n` values) and the product does not
/// accumulate: `C = bias + A · B` in one pass over C.
pub(super) fn gemm_from(g: Gemm<'_>, seg: Segments, bias: &[f32], c: &mut [f32]) {
    if g.m == 0 || g.n == 0 {
        return;
    }
    let start = |j: usize| if bias.is_empty() { 0.0 } else { bias[j] };
    let (a, b, c) = (g.a.as_ptr(), g.b.as_ptr(), c.as_mut_ptr());
    for i in 0..g.m {
        for j in 0..g.n {
            // SAFETY: the caller checked the extents: C's element `(i, j)` is
            // `i · ldc + j` with `i < m`, `j < n`; A's `(i, p)` of segment `s`
            // is `s · a_step + i · rsa + p · csa` and B's `(p, j)` is
            // `s · b_step + p · rsb + j · csb`, for `s < count`, `p < k`: each
            // inside its slice, so no offset overflows either.
            unsafe {
                let cij = c.add(i * g.ldc + j);
                let mut sum = if g.accumulate { *cij } else { start(j) };
                for s in 0..seg.count {
                    let a_row = a.add(s * seg.a_step + i * g.rsa);
                    let b_col = b.add(s * seg.b_step + j * g.csb);
                    for p in 0..g.k {
                        sum += *a_row.add(p * g.csa) * *b_col.add(p * g.rsb);
                    }
                }
                *cij = sum;
            }
        }
    }
}
