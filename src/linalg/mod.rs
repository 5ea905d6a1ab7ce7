//! The matrix product at the heart of Dense, convolution and training.
//!
//! [`matmul`] and its variants run on hand-written kernels: AVX-512F and
//! AVX2+FMA on x86_64, NEON on aarch64 (chosen at run time, see [`Isa`]), and
//! a portable kernel for every other target. Shapes with few rows (`m ≤ 8`: batch-1 and
//! small-batch inference) take a path that streams `B` exactly once; larger
//! ones are packed into cache-sized blocks and computed by register tiles.
//! With `std`, large products can use several threads ([`set_threads`]).

mod compact;
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

/// `C = A · B + bias`, the bias (`n` values) added to every row, shapes as
/// in [`matmul`]: a Dense layer's forward pass. On bare-metal targets in one
/// pass over C, each sum started at its bias.
///
/// # Panics
/// As [`matmul`], and when `bias` does not hold `n` values.
///
/// ```
/// let mut c = [0.0f32; 2];
/// corten::linalg::matmul_bias(1, 1, 2, &[2.0], &[3.0, 4.0], &[0.5, -1.0], &mut c);
/// assert_eq!(c, [6.5, 7.0]);
/// ```
pub fn matmul_bias(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    bias: &[f32],
    c: &mut [f32],
) {
    check_exact("bias", bias.len(), 1, n);
    if cfg!(target_os = "none") {
        let (a, b) = ((a, Layout::RowMajor), (b, Layout::RowMajor));
        let g = checked_contiguous((m, k, n), a, b, c.len(), false);
        return compact::gemm_from(g, Segments::ONE, bias, c);
    }
    matmul(m, k, n, a, b, c);
    for row in c.chunks_exact_mut(n.max(1)) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
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
    /// ```
    /// use corten::linalg::{Gemm, Isa};
    /// let g = Gemm { m: 1, k: 2, n: 1, a: &[1.0, 2.0], rsa: 2, csa: 1, b: &[3.0, 4.0], rsb: 1, csb: 1, ldc: 1, accumulate: false };
    /// let mut c = [0.0f32];
    /// g.run_with(Isa::Portable, &mut c); // every CPU runs the portable kernels
    /// assert_eq!(c, [11.0]);
    /// ```
    ///
    /// # Panics
    /// When this CPU cannot run `isa`, or as [`Gemm::run`].
    pub fn run_with(self, isa: Isa, c: &mut [f32]) {
        self.check(isa, Segments::ONE, c);
        gemm_unchecked(isa, self, c)
    }

    /// `C (+)= Σ_s A_s · B_s` over `seg.count` products, where `A_s` and
    /// `B_s` are this product's A and B started `s · seg.a_step` and
    /// `s · seg.b_step` elements further on. With row-major B that stays in
    /// L2 the sum is taken in registers: one pass over C.
    ///
    /// # Panics
    /// As [`Gemm::run`], for every segment's operands.
    ///
    /// ```
    /// use corten::linalg::{Gemm, Segments};
    /// // [1 2] · [10; 20] + [2 3] · [30; 40], both A rows read from a = [1, 2, 3]:
    /// let a = [1.0f32, 2.0, 3.0];
    /// let b = [10.0f32, 20.0, 30.0, 40.0];
    /// let g = Gemm { m: 1, k: 2, n: 1, a: &a, rsa: 2, csa: 1, b: &b, rsb: 1, csb: 1, ldc: 1, accumulate: false };
    /// let mut c = [0.0f32];
    /// g.run_segmented(Segments { count: 2, a_step: 1, b_step: 2 }, &mut c);
    /// assert_eq!(c, [1.0 * 10.0 + 2.0 * 20.0 + 2.0 * 30.0 + 3.0 * 40.0]);
    /// ```
    pub fn run_segmented(self, seg: Segments, c: &mut [f32]) {
        self.run_segmented_with(Isa::current(), seg, c)
    }

    /// [`Gemm::run_segmented`] on the kernels of `isa`.
    ///
    /// ```
    /// use corten::linalg::{Gemm, Isa, Segments};
    /// let g = Gemm { m: 1, k: 1, n: 1, a: &[2.0, 3.0], rsa: 1, csa: 1, b: &[5.0, 7.0], rsb: 1, csb: 1, ldc: 1, accumulate: false };
    /// let mut c = [0.0f32];
    /// g.run_segmented_with(Isa::Portable, Segments { count: 2, a_step: 1, b_step: 1 }, &mut c);
    /// assert_eq!(c, [2.0 * 5.0 + 3.0 * 7.0]);
    /// ```
    pub fn run_segmented_with(self, isa: Isa, seg: Segments, c: &mut [f32]) {
        self.check(isa, seg, c);
        segmented_unchecked(isa, self, seg, c)
    }

    /// Panics, naming the slice, unless every element the product reads or
    /// writes lies inside its slice and the CPU runs `isa`. Every size is
    /// computed with overflow checks: sizes and strides whose extent does not
    /// fit in `usize` are rejected, whatever the build's overflow setting.
    fn check(&self, isa: Isa, seg: Segments, c: &[f32]) {
        assert!(
            isa.is_available(),
            "the {} kernels cannot run on this CPU",
            isa.name()
        );
        if self.m == 0 || self.n == 0 {
            return;
        }
        assert!(
            self.n <= self.ldc,
            "matmul: ldc {} is less than n {}",
            self.ldc,
            self.n
        );
        check_extent("c", c.len(), self.m, self.n, self.ldc, 1);
        if self.k == 0 || seg.count == 0 {
            return;
        }
        // The last segment reads furthest into `a` and `b`.
        let last = seg.count - 1;
        let rest = |name: &str, len: usize, step: usize| {
            last.checked_mul(step)
                .and_then(|start| len.checked_sub(start))
                .unwrap_or_else(|| panic!("matmul: segment {last} starts past the end of `{name}`"))
        };
        let (a, b) = (
            rest("a", self.a.len(), seg.a_step),
            rest("b", self.b.len(), seg.b_step),
        );
        check_extent("a", a, self.m, self.k, self.rsa, self.csa);
        check_extent("b", b, self.k, self.n, self.rsb, self.csb);
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
    let g = checked_contiguous((m, k, n), (a, a_layout), (b, b_layout), c.len(), accumulate);
    gemm_unchecked(Isa::current(), g, c);
}

/// The product [`contiguous`] runs, once every length is checked against
/// `m`, `k`, `n` (`c_len` being C's).
#[inline]
fn checked_contiguous<'a>(
    (m, k, n): (usize, usize, usize),
    (a, a_layout): (&'a [f32], Layout),
    (b, b_layout): (&'a [f32], Layout),
    c_len: usize,
    accumulate: bool,
) -> Gemm<'a> {
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
    check_exact("c", c_len, m, n);
    Gemm {
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
    }
}

fn check_exact(name: &str, len: usize, rows: usize, cols: usize) {
    let needed = rows.checked_mul(cols).unwrap_or_else(|| {
        panic!("matmul: a {rows}×{cols} `{name}` has more elements than fit in usize")
    });
    assert!(
        len == needed,
        "matmul: `{name}` has {len} elements but a {rows}×{cols} matrix needs {needed}"
    );
}

/// The number of elements a `rows × cols` matrix with strides `(rs, cs)`
/// spans (from its first element to its last, inclusive), or `None` when
/// that does not fit in `usize`. `rows` and `cols` are at least 1.
fn extent(rows: usize, cols: usize, rs: usize, cs: usize) -> Option<usize> {
    (rows - 1)
        .checked_mul(rs)?
        .checked_add((cols - 1).checked_mul(cs)?)?
        .checked_add(1)
}

fn check_extent(name: &str, len: usize, rows: usize, cols: usize, rs: usize, cs: usize) {
    let needed = extent(rows, cols, rs, cs).unwrap_or_else(|| {
        panic!("matmul: a {rows}×{cols} `{name}` with strides ({rs}, {cs}) spans more elements than fit in usize")
    });
    assert!(
        len >= needed,
        "matmul: `{name}` has {len} elements but a {rows}×{cols} matrix with strides ({rs}, {cs}) needs {needed}"
    );
}

/// Rows of `m` at or below which the streaming small-m kernel runs in one
/// pass over B.
const SMALL_M: usize = 8;
/// A row-major B of at most this many elements (it stays in L2) may be
/// streamed once per chunk of rows instead of being packed.
const CHUNKED_B_MAX: usize = if cfg!(miri) {
    // Small enough that miri's tiny test shapes reach the blocked path too.
    16
} else {
    128 * 1024
};

/// Whether streaming a row-major B that stays in L2 once per chunk of rows
/// beats packing it for the blocked path (measured on the CI machine with
/// `cargo bench --bench matmul -- --shape MxKxN`, both paths forced in one
/// process): the streaming kernel prefetches B's rows, so it wins up to 64
/// rows whatever B's size (32×784×128: 85 against 72 GFLOP/s, 64×256×256: 89
/// against 85, 24×512×128: 94 against 76), and up to about 160 rows when B is
/// small (128³ streams faster, 192×128×128 packs faster), since the cost of
/// packing is shared by fewer flops. Not when B's rows are a multiple of 2 KB
/// apart: a column of B then falls in two sets of the L1 cache, and the lines
/// evict each other (64×128×512: 71 streamed against 81 packed).
fn streams_faster(m: usize, b_elements: usize, ldb: usize) -> bool {
    // Under miri, `CHUNKED_B_MAX` alone splits the tiny test shapes.
    cfg!(miri)
        || m < 24
        || (b_elements < 32 * 1024 && m < 160)
        || (m <= 64 && !ldb.is_multiple_of(512))
}

/// How [`Gemm::run_segmented`] repeats a product: `count` products summed,
/// the `s`-th reading A from `s · a_step` elements further on and B from
/// `s · b_step` further on (the kernel rows of a convolution over a padded
/// image: one product instead of one per kernel row).
///
/// ```
/// use corten::linalg::{Gemm, Segments};
/// // Σ over 3 segments of a = [1], b = [s + 1]: 1 + 2 + 3.
/// let (a, b) = ([1.0f32; 3], [1.0f32, 2.0, 3.0]);
/// let g = Gemm { m: 1, k: 1, n: 1, a: &a, rsa: 1, csa: 1, b: &b, rsb: 1, csb: 1, ldc: 1, accumulate: false };
/// let mut c = [0.0f32];
/// g.run_segmented(Segments { count: 3, a_step: 1, b_step: 1 }, &mut c);
/// assert_eq!(c, [6.0]);
/// assert_eq!(Segments::ONE.count, 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segments {
    /// Products summed (at least 1 to compute anything).
    pub count: usize,
    /// Elements between the starts of consecutive A operands.
    pub a_step: usize,
    /// Elements between the starts of consecutive B operands.
    pub b_step: usize,
}

impl Segments {
    /// A single product.
    pub const ONE: Segments = Segments {
        count: 1,
        a_step: 0,
        b_step: 0,
    };
}

/// The product, with every slice already checked against the sizes and strides.
fn gemm_unchecked(isa: Isa, g: Gemm<'_>, c: &mut [f32]) {
    segmented_unchecked(isa, g, Segments::ONE, c)
}

/// The sum of `seg.count` products, with every slice already checked.
fn segmented_unchecked(isa: Isa, g: Gemm<'_>, seg: Segments, c: &mut [f32]) {
    // Bare metal: one compact kernel for every product (see `compact`).
    if cfg!(target_os = "none") {
        return compact::gemm(g, seg, c);
    }
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
    if seg.count == 0 {
        return gemm_unchecked(isa, Gemm { k: 0, ..g }, c);
    }
    let kernels = Kernels::of(isa);
    // Saturating: only a heuristic, and k may be huge when B's strides are 0.
    let b_elements = g.k.saturating_mul(seg.count).saturating_mul(g.n);
    // Sums of segments stream whenever B stays in L2: the sum is kept in
    // registers, one pass over C instead of one per segment.
    let in_l2 = b_elements <= CHUNKED_B_MAX;
    let stream = g.m <= SMALL_M
        || cfg!(not(feature = "alloc"))
        || (in_l2 && (seg.count > 1 || streams_faster(g.m, b_elements, g.rsb)));
    if seg.count > 1 && (g.csb != 1 || !stream) {
        // Only the streaming kernel sums segments itself: one product each.
        for s in 0..seg.count {
            let part = Gemm {
                a: &g.a[s * seg.a_step..],
                b: &g.b[s * seg.b_step..],
                accumulate: g.accumulate || s > 0,
                ..g
            };
            gemm_unchecked(isa, part, c);
        }
        return;
    }
    #[cfg(feature = "alloc")]
    if g.csb != 1 && stream && in_l2 {
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
    if g.csb == 1 && stream {
        // Few rows, or a B that stays in L2: stream B once per chunk of rows
        // instead of packing it (packing costs more than it saves here).
        let chunk = if g.m <= SMALL_M {
            g.m
        } else {
            kernels.chunk_rows
        };
        let mut i0 = 0;
        while i0 < g.m {
            // The rows left in chunks as even as they can be (32 rows: 6, 6,
            // 5, 5, 5, 5, not 6, 6, 6, 6, 6, 2: a chunk of few rows reads all
            // of B for little work).
            let left = g.m - i0;
            let rows = left.div_ceil(left.div_ceil(chunk));
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
                    seg,
                )
            };
            i0 += rows;
        }
        return;
    }
    blocked::gemm(kernels, g, c);
}

#[cfg(feature = "alloc")]
mod blocked;

#[cfg(not(feature = "alloc"))]
mod blocked {
    //! Without an allocator there are no packing buffers: the compact kernel
    //! over the strided operands (row-major B never gets here; it streams
    //! through the small-m kernel in chunks of rows).
    use super::{compact, Gemm, Kernels, Segments};

    pub(super) fn gemm(_kernels: Kernels, g: Gemm<'_>, c: &mut [f32]) {
        compact::gemm(g, Segments::ONE, c)
    }
}

#[cfg(feature = "std")]
mod threads;
#[cfg(feature = "std")]
pub use threads::{set_threads, threads};

#[cfg(test)]
mod tests;
