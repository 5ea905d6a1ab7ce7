//! The matrix product at the heart of Dense, convolution and training.
//!
//! [`matmul`] and its variants run on hand-written kernels: AVX-512F and
//! AVX2+FMA on x86_64 (chosen at run time, see [`Isa`]), and a portable kernel
//! for every other target. Shapes with few rows (`m ≤ 8`: batch-1 and
//! small-batch inference) take a path that streams `B` exactly once; larger
//! ones are packed into cache-sized blocks and computed by register tiles.
//! With `std`, large products can use several threads ([`set_threads`]).

mod isa;
mod kernel;

pub use isa::Isa;
use kernel::Kernels;

/// `C = A · B` for row-major contiguous `a` (m×k), `b` (k×n) and `c` (m×n);
/// `c` is overwritten.
///
/// # Panics
/// When a slice's length differs from what `m`, `k` and `n` say, with a message
/// naming both lengths (as `std`'s slice methods do).
///
/// ```
/// let a = [1.0f32, 2.0];
/// let b = [1.0f32, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0];
/// let mut c = [f32::NAN; 5];
/// corten::linalg::matmul(1, 2, 5, &a, &b, &mut c);
/// assert_eq!(c, [3.0, 6.0, 9.0, 12.0, 15.0]);
/// ```
pub fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    contiguous(m, k, n, a, Layout::RowMajor, b, Layout::RowMajor, c, false);
}

/// `C += A · B`, shapes as in [`matmul`].
///
/// ```
/// let mut c = [1.0f32, 1.0];
/// corten::linalg::matmul_acc(1, 1, 2, &[2.0], &[3.0, 4.0], &mut c);
/// assert_eq!(c, [7.0, 9.0]);
/// ```
pub fn matmul_acc(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    contiguous(m, k, n, a, Layout::RowMajor, b, Layout::RowMajor, c, true);
}

/// `C = Aᵀ · B` where `a` holds the k×m matrix `A` row-major (so `Aᵀ` is m×k):
/// the weight gradient of a Dense layer, `xᵀ · dy`.
///
/// ```
/// // A = [[1, 2]] (1×2), so Aᵀ = [[1], [2]].
/// let mut c = [0.0f32; 2];
/// corten::linalg::matmul_at_b(2, 1, 1, &[1.0, 2.0], &[10.0], &mut c);
/// assert_eq!(c, [10.0, 20.0]);
/// ```
pub fn matmul_at_b(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    contiguous(
        m,
        k,
        n,
        a,
        Layout::Transposed,
        b,
        Layout::RowMajor,
        c,
        false,
    );
}

/// `C = A · Bᵀ` where `b` holds the n×k matrix `B` row-major: the input
/// gradient of a Dense layer, `dy · Wᵀ`.
///
/// ```
/// let mut c = [0.0f32; 2];
/// corten::linalg::matmul_a_bt(1, 2, 2, &[1.0, 2.0], &[1.0, 1.0, 3.0, 4.0], &mut c);
/// assert_eq!(c, [3.0, 11.0]);
/// ```
pub fn matmul_a_bt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    contiguous(
        m,
        k,
        n,
        a,
        Layout::RowMajor,
        b,
        Layout::Transposed,
        c,
        false,
    );
}

/// A general product `C (+)= A · B` over strided operands: element `(i, p)` of
/// `A` is `a[i * rsa + p * csa]`, element `(p, j)` of `B` is
/// `b[p * rsb + j * csb]`, element `(i, j)` of `C` is `c[i * ldc + j]`.
#[derive(Clone, Copy, Debug)]
pub struct Gemm<'a> {
    /// Rows of `A` and `C`.
    pub m: usize,
    /// Columns of `A`, rows of `B`.
    pub k: usize,
    /// Columns of `B` and `C`.
    pub n: usize,
    /// `A`'s elements.
    pub a: &'a [f32],
    /// `A`'s row stride.
    pub rsa: usize,
    /// `A`'s column stride.
    pub csa: usize,
    /// `B`'s elements.
    pub b: &'a [f32],
    /// `B`'s row stride.
    pub rsb: usize,
    /// `B`'s column stride.
    pub csb: usize,
    /// `C`'s row stride (its columns are contiguous).
    pub ldc: usize,
    /// Add to `C` instead of overwriting it.
    pub accumulate: bool,
}

impl Gemm<'_> {
    /// Runs the product into `c`.
    ///
    /// # Panics
    /// When a slice is too short for the sizes and strides, naming it.
    ///
    /// ```
    /// use corten::linalg::Gemm;
    /// // Column 1 of a 2×3 matrix times a 1×2 row.
    /// let a = [0.0f32, 1.0, 0.0, 0.0, 2.0, 0.0];
    /// let mut c = [0.0f32; 4];
    /// Gemm { m: 2, k: 1, n: 2, a: &a[1..], rsa: 3, csa: 1, b: &[5.0, 6.0], rsb: 2, csb: 1, ldc: 2, accumulate: false }
    ///     .run(&mut c);
    /// assert_eq!(c, [5.0, 6.0, 10.0, 12.0]);
    /// ```
    pub fn run(self, c: &mut [f32]) {
        self.run_with(Isa::current(), c)
    }

    /// Runs the product on the kernels of `isa` (for tests and benchmarks).
    ///
    /// # Panics
    /// When this CPU cannot run `isa`, or as [`Gemm::run`].
    pub fn run_with(self, isa: Isa, c: &mut [f32]) {
        assert!(
            isa.is_available(),
            "the {} kernels cannot run on this CPU",
            isa.name()
        );
        if self.m > 0 && self.n > 0 {
            assert!(
                self.n <= self.ldc,
                "matmul: ldc {} is less than n {}",
                self.ldc,
                self.n
            );
            check_extent("c", c.len(), self.m, self.n, self.ldc, 1);
            if self.k > 0 {
                check_extent("a", self.a.len(), self.m, self.k, self.rsa, self.csa);
                check_extent("b", self.b.len(), self.k, self.n, self.rsb, self.csb);
            }
        }
        gemm_unchecked(isa, self, c)
    }
}

/// How a contiguous operand is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// As the product reads it.
    RowMajor,
    /// Its transpose, row-major.
    Transposed,
}

/// A product of contiguous operands `a` (m×k) and `b` (k×n), either stored
/// transposed, into contiguous `c` (m×n); checks every length first.
#[allow(clippy::too_many_arguments)]
fn contiguous(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_layout: Layout,
    b: &[f32],
    b_layout: Layout,
    c: &mut [f32],
    accumulate: bool,
) {
    let ((a_rows, a_cols), (rsa, csa)) = match a_layout {
        Layout::RowMajor => ((m, k), (k, 1)),
        Layout::Transposed => ((k, m), (1, m)),
    };
    let ((b_rows, b_cols), (rsb, csb)) = match b_layout {
        Layout::RowMajor => ((k, n), (n, 1)),
        Layout::Transposed => ((n, k), (1, k)),
    };
    check_exact("a", a.len(), a_rows, a_cols);
    check_exact("b", b.len(), b_rows, b_cols);
    check_exact("c", c.len(), m, n);
    let g = Gemm {
        m,
        k,
        n,
        a,
        rsa,
        csa,
        b,
        rsb,
        csb,
        ldc: n,
        accumulate,
    };
    gemm_unchecked(Isa::current(), g, c);
}

fn check_exact(name: &str, len: usize, rows: usize, cols: usize) {
    assert!(
        len == rows * cols,
        "matmul: `{name}` has {len} elements but a {rows}×{cols} matrix needs {}",
        rows * cols
    );
}

fn check_extent(name: &str, len: usize, rows: usize, cols: usize, rs: usize, cs: usize) {
    let needed = (rows - 1) * rs + (cols - 1) * cs + 1;
    assert!(
        len >= needed,
        "matmul: `{name}` has {len} elements but a {rows}×{cols} matrix with strides ({rs}, {cs}) needs {needed}"
    );
}

/// Rows of `m` at or below which the streaming small-m kernel runs in one
/// pass over B.
const SMALL_M: usize = 8;
/// A row-major B of at most this many elements (it stays in L2) is streamed
/// once per chunk of rows instead of being packed.
const CHUNKED_B_MAX: usize = if cfg!(miri) {
    // Small enough that miri's tiny test shapes reach the blocked path too.
    16
} else {
    128 * 1024
};

/// The product, with every slice already checked against the sizes and strides.
fn gemm_unchecked(isa: Isa, g: Gemm<'_>, c: &mut [f32]) {
    if g.m == 0 || g.n == 0 {
        return;
    }
    if g.k == 0 {
        if !g.accumulate {
            for row in c.chunks_mut(g.ldc).take(g.m) {
                row[..g.n].fill(0.0);
            }
        }
        return;
    }
    let kernels = Kernels::of(isa);
    let chunked = g.k * g.n <= CHUNKED_B_MAX;
    #[cfg(feature = "alloc")]
    if g.csb != 1 && chunked {
        // A strided B (a transposed weight matrix in backprop) that fits in
        // L2: one contiguous copy, then the streaming path. The packed path
        // costs far more for the small products of training steps.
        let mut rows = alloc::vec![0.0f32; g.k * g.n];
        for (p, row) in rows.chunks_exact_mut(g.n).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = g.b[p * g.rsb + j * g.csb];
            }
        }
        let contiguous_b = Gemm {
            b: &rows,
            rsb: g.n,
            csb: 1,
            ..g
        };
        return gemm_unchecked(isa, contiguous_b, c);
    }
    if g.csb == 1 && (g.m <= SMALL_M || chunked || cfg!(not(feature = "alloc"))) {
        // Few rows, or a B that stays in L2: stream B once per chunk of rows
        // instead of packing it (packing costs more than it saves here).
        let chunk = if g.m <= SMALL_M {
            g.m
        } else {
            kernels.chunk_rows
        };
        for i0 in (0..g.m).step_by(chunk) {
            let rows = chunk.min(g.m - i0);
            // SAFETY: the public entry points checked that `a`, `b` and `c`
            // cover every element the sizes and strides address; rows
            // i0..i0+rows lie inside them, `rows ≤ 8`, and the CPU supports
            // `isa`.
            unsafe {
                (kernels.small)(
                    rows,
                    g.k,
                    g.n,
                    g.a.as_ptr().add(i0 * g.rsa),
                    g.rsa,
                    g.csa,
                    g.b.as_ptr(),
                    g.rsb,
                    c.as_mut_ptr().add(i0 * g.ldc),
                    g.ldc,
                    g.accumulate,
                )
            };
        }
        return;
    }
    blocked::gemm(kernels, g, c);
}

#[cfg(feature = "alloc")]
mod blocked;

#[cfg(not(feature = "alloc"))]
mod blocked {
    //! Without an allocator there are no packing buffers: a plain loop over the
    //! strided operands (row-major B never gets here; it streams through the
    //! small-m kernel in chunks of rows).
    use super::{Gemm, Kernels};

    pub(super) fn gemm(_kernels: Kernels, g: Gemm<'_>, c: &mut [f32]) {
        for i in 0..g.m {
            for j in 0..g.n {
                let mut sum = 0.0f32;
                for p in 0..g.k {
                    sum += g.a[i * g.rsa + p * g.csa] * g.b[p * g.rsb + j * g.csb];
                }
                let cij = &mut c[i * g.ldc + j];
                *cij = if g.accumulate { *cij + sum } else { sum };
            }
        }
    }
}

#[cfg(feature = "std")]
mod threads;
#[cfg(feature = "std")]
pub use threads::{set_threads, threads};

#[cfg(test)]
mod tests;
