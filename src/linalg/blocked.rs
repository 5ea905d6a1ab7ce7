//! The blocked path for large products: `B` is packed into cache-sized
//! panels (zero-padded to whole register tiles), `A` read in place when it is
//! row-major (packed otherwise), then the register-tile kernel runs over them.

use super::{Gemm, Kernels};
use alloc::vec::Vec;

/// Depth of a packed block: a `KC × NR` panel of B fills about L1 (tuned on
/// the CI machine: 512 beat 256 and 384 at 512³ and 1024³).
const KC: usize = 512;
/// Depth of a packed block for a single thread over many rows: C is loaded
/// and stored once per depth block, and the B panel streams from L2 well
/// enough. Measured in one process: 1024³ +1–2 %, 600×700×300 +1–2 %, but
/// 32×784×128 and 64×784×128 1–3 % slower and two threads slower (each packs
/// its own, twice larger, B block), so only from `KC_LARGE_MIN_ROWS` rows on
/// one thread.
const KC_LARGE: usize = 1024;
/// Rows from which a single thread takes `KC_LARGE`.
const KC_LARGE_MIN_ROWS: usize = 256;
/// Register tiles per block of A (an `MC × KC` block stays in L2). Measured
/// in one process at 1024³ (A read in place, rows 4 KiB apart): 4–6 tiles
/// 91–94 GFLOP/s, 16 tiles 90–92; no difference at 256³ and 512³.
const MC_TILES: usize = 6;
/// Width of a packed block of B (it stays in L3).
const NC: usize = 4096;
/// Multiply-adds from which splitting over threads pays for the spawns.
#[cfg(feature = "std")]
const PARALLEL_MIN: usize = 1 << 22;

pub(super) fn gemm(kernels: Kernels, g: Gemm<'_>, c: &mut [f32]) {
    #[cfg(feature = "std")]
    {
        let threads = super::threads::threads();
        if threads > 1
            && g.m.saturating_mul(g.n).saturating_mul(g.k) >= PARALLEL_MIN
            && g.m >= 2 * kernels.mr
        {
            return parallel(kernels, g, c, threads);
        }
    }
    let depth = if g.m >= KC_LARGE_MIN_ROWS {
        KC_LARGE
    } else {
        KC
    };
    with_buffers(|a_pack, b_pack| serial(kernels, g, c, a_pack, b_pack, depth));
}

/// Splits the rows of C over `threads` scoped threads, in whole register tiles.
#[cfg(feature = "std")]
fn parallel(kernels: Kernels, g: Gemm<'_>, c: &mut [f32], threads: usize) {
    let tiles = g.m.div_ceil(kernels.mr);
    let per_thread = tiles.div_ceil(threads) * kernels.mr;
    std::thread::scope(|scope| {
        let mut rest = c;
        let mut i0 = 0;
        while i0 < g.m {
            let rows = per_thread.min(g.m - i0);
            let take = if i0 + rows < g.m {
                rows * g.ldc
            } else {
                rest.len()
            };
            let (part, tail) = rest.split_at_mut(take);
            rest = tail;
            let part_g = Gemm {
                m: rows,
                a: &g.a[i0 * g.rsa..],
                ..g
            };
            scope.spawn(move || {
                with_buffers(|a_pack, b_pack| serial(kernels, part_g, part, a_pack, b_pack, KC))
            });
            i0 += rows;
        }
    });
}

#[cfg(feature = "std")]
fn with_buffers<R>(f: impl FnOnce(&mut Vec<f32>, &mut Vec<f32>) -> R) -> R {
    use core::cell::RefCell;
    std::thread_local! {
        // Packing buffers, kept per thread so steady-state calls allocate nothing.
        static BUFFERS: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    }
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffers) => {
            let (a, b) = &mut *buffers;
            f(a, b)
        }
        // Re-entered on this thread (not done by corten itself): use fresh buffers.
        Err(_) => f(&mut Vec::new(), &mut Vec::new()),
    })
}

#[cfg(not(feature = "std"))]
fn with_buffers<R>(f: impl FnOnce(&mut Vec<f32>, &mut Vec<f32>) -> R) -> R {
    f(&mut Vec::new(), &mut Vec::new())
}

/// The product on this thread, in depth blocks of at most `depth`.
fn serial(
    kernels: Kernels,
    g: Gemm<'_>,
    c: &mut [f32],
    a_pack: &mut Vec<f32>,
    b_pack: &mut Vec<f32>,
    depth: usize,
) {
    let (mr, nr) = (kernels.mr, kernels.nr);
    let mc_max = MC_TILES * mr;
    let nc_max = NC.min(g.n.div_ceil(nr) * nr);
    // Equal depth blocks (784 → 4 × 196, not 3 × 256 + 16): a thin last block
    // would reload and store all of C for little work.
    let kc_max = g.k.div_ceil(g.k.div_ceil(depth));
    // A row-major A is read in place (the kernel broadcasts its elements one
    // by one, so packing would only copy it); other layouts are packed into
    // MR-tall panels.
    let in_place = g.csa == 1;
    let a_pack: &mut [f32] = if in_place {
        &mut []
    } else {
        cache_aligned(a_pack, kc_max * mc_max)
    };
    let b_pack = cache_aligned(b_pack, kc_max * nc_max);
    for jc in (0..g.n).step_by(NC) {
        let nc = NC.min(g.n - jc);
        for pc in (0..g.k).step_by(kc_max) {
            let kc = kc_max.min(g.k - pc);
            match nr {
                8 => pack_b::<8>(&g, pc, kc, jc, nc, b_pack),
                16 => pack_b::<16>(&g, pc, kc, jc, nc, b_pack),
                32 => pack_b::<32>(&g, pc, kc, jc, nc, b_pack),
                _ => unreachable!("no kernel has NR = {nr}"),
            }
            for ic in (0..g.m).step_by(mc_max) {
                let mc = mc_max.min(g.m - ic);
                if !in_place {
                    pack_a(&g, ic, mc, pc, kc, mr, a_pack);
                }
                for jr in (0..nc).step_by(nr) {
                    let cols = nr.min(nc - jr);
                    let b_panel = &b_pack[(jr / nr) * kc * nr..][..kc * nr];
                    for ir in (0..mc).step_by(mr) {
                        let rows = mr.min(mc - ir);
                        let (a_tile, rsa, csa) = if in_place {
                            let at = (ic + ir) * g.rsa + pc;
                            (&g.a[at..at + (rows - 1) * g.rsa + kc], g.rsa, 1)
                        } else {
                            (&a_pack[(ir / mr) * kc * mr..][..kc * mr], 1, mr)
                        };
                        let c_at = (ic + ir) * g.ldc + jc + jr;
                        let c_tile = &mut c[c_at..c_at + (rows - 1) * g.ldc + cols];
                        // SAFETY: `a_tile` holds `rows` rows of kc floats at
                        // (rsa, csa) and the B panel kc·NR floats (sliced
                        // above); `c_tile` covers `rows` rows of `cols` floats,
                        // ldc apart; the caller checked the CPU supports the ISA.
                        unsafe {
                            (kernels.micro)(
                                kc,
                                a_tile.as_ptr(),
                                rsa,
                                csa,
                                b_panel.as_ptr(),
                                c_tile.as_mut_ptr(),
                                g.ldc,
                                rows,
                                cols,
                                g.accumulate || pc > 0,
                            )
                        };
                    }
                }
            }
        }
    }
}

/// `len` floats of `buffer` starting on a cache line, so that the kernels'
/// vector loads from packed panels never straddle two lines.
fn cache_aligned(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    const LINE: usize = 64 / core::mem::size_of::<f32>();
    buffer.resize(len + LINE, 0.0);
    let offset = buffer.as_ptr().align_offset(64).min(LINE);
    &mut buffer[offset..offset + len]
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` as `NR`-wide panels, each `kc` rows of `NR`
/// contiguous values, zero-padded past column `nc`.
fn pack_b<const NR: usize>(
    g: &Gemm<'_>,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    out: &mut [f32],
) {
    let panel_len = kc * NR;
    let full_panels = nc / NR;
    if g.csb == 1 {
        // Row by row: B is read in order, each row dealt out to the panels
        // (panel by panel, a large B was read a cache line per row, each
        // row in another page: packing took 4 % of 1024³, and row order was
        // 2–7 % faster overall on 1024³, 512³ and 300×500×700).
        for p in 0..kc {
            let src = &g.b[(pc + p) * g.rsb + jc..][..nc];
            for (q, piece) in src.chunks_exact(NR).enumerate() {
                let dst: &mut [f32; NR] = (&mut out[q * panel_len + p * NR..][..NR])
                    .try_into()
                    .expect("NR elements");
                *dst = piece.try_into().expect("chunks of NR");
            }
            let rest = &src[full_panels * NR..];
            if !rest.is_empty() {
                let dst = &mut out[full_panels * panel_len + p * NR..][..NR];
                dst[..rest.len()].copy_from_slice(rest);
                dst[rest.len()..].fill(0.0);
            }
        }
        return;
    }
    for (q, panel) in out
        .chunks_exact_mut(panel_len)
        .take(nc.div_ceil(NR))
        .enumerate()
    {
        let j0 = jc + q * NR;
        let cols = NR.min(jc + nc - j0);
        for (p, row) in panel.chunks_exact_mut(NR).enumerate() {
            let src = (pc + p) * g.rsb + j0 * g.csb;
            for (j, v) in row[..cols].iter_mut().enumerate() {
                *v = g.b[src + j * g.csb];
            }
            row[cols..].fill(0.0);
        }
    }
}

/// Packs `A[ic..ic+mc, pc..pc+kc]` as `MR`-tall panels, each `kc` columns of
/// `MR` contiguous values, zero-padded past row `mc`.
fn pack_a(g: &Gemm<'_>, ic: usize, mc: usize, pc: usize, kc: usize, mr: usize, out: &mut [f32]) {
    for (r, panel) in out
        .chunks_exact_mut(kc * mr)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let i0 = ic + r * mr;
        let rows = mr.min(ic + mc - i0);
        if rows < mr {
            panel.fill(0.0);
        }
        if g.csa == 1 {
            // Row-major A: read each row contiguously, scatter into the panel.
            for i in 0..rows {
                let row = &g.a[(i0 + i) * g.rsa + pc..][..kc];
                for (slot, &v) in panel.iter_mut().skip(i).step_by(mr).zip(row) {
                    *slot = v;
                }
            }
        } else {
            for (p, col) in panel.chunks_exact_mut(mr).enumerate() {
                let src = i0 * g.rsa + (pc + p) * g.csa;
                for (i, v) in col[..rows].iter_mut().enumerate() {
                    *v = g.a[src + i * g.rsa];
                }
            }
        }
    }
}
