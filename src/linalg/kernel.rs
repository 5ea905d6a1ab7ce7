//! The matmul kernels: one body written once (the `kernels!` macro), then
//! instantiated per instruction set with that ISA's vector type and
//! operations, each function compiled under its `#[target_feature]`.
//!
//! Two kernels per ISA:
//! - `micro`: an `MR × NR` register tile over packed panels of A and B (the
//!   blocked path for large shapes);
//! - `small`: `m ≤ 8` rows of C over unpacked, row-major B, streaming each
//!   element of B from memory exactly once (batch-1 and small-batch inference).

use super::Segments;

/// Calls `small_pass::<R, W, false, PART>` for the run-time pass width `w`
/// (1 to 8 vectors: wider only for one row, see `row_widths!`); `PART` when
/// its last vector is part full.
macro_rules! small_widths {
    ($w:expr, $r:ident, $part:expr, $($arg:expr),*) => {
        match ($w, $part) {
            (1, false) => small_pass::<$r, 1, false, false>($($arg),*),
            (2, false) => small_pass::<$r, 2, false, false>($($arg),*),
            (3, false) => small_pass::<$r, 3, false, false>($($arg),*),
            (4, false) => small_pass::<$r, 4, false, false>($($arg),*),
            (5, false) => small_pass::<$r, 5, false, false>($($arg),*),
            (6, false) => small_pass::<$r, 6, false, false>($($arg),*),
            (7, false) => small_pass::<$r, 7, false, false>($($arg),*),
            (8, false) => small_pass::<$r, 8, false, false>($($arg),*),
            (1, true) => small_pass::<$r, 1, false, true>($($arg),*),
            (2, true) => small_pass::<$r, 2, false, true>($($arg),*),
            (3, true) => small_pass::<$r, 3, false, true>($($arg),*),
            (4, true) => small_pass::<$r, 4, false, true>($($arg),*),
            (5, true) => small_pass::<$r, 5, false, true>($($arg),*),
            (6, true) => small_pass::<$r, 6, false, true>($($arg),*),
            (7, true) => small_pass::<$r, 7, false, true>($($arg),*),
            (8, true) => small_pass::<$r, 8, false, true>($($arg),*),
            (w, _) => unreachable!("no small-m pass is {w} vectors wide"),
        }
    };
}

/// Calls `row_pass::<W, HEAD, PART>` for one row's pass of `w` vectors (1 to
/// 9), `HEAD` when its first vector is part full, `PART` its last.
macro_rules! row_widths {
    ($w:expr, $head:expr, $part:expr, $($arg:expr),*) => {
        row_widths!(@ ($w, $head, $part), ($($arg),*), [1 2 3 4 5 6 7 8 9])
    };
    (@ $key:expr, $args:tt, [$($n:literal)*]) => {
        match $key {
            $(
                ($n, false, false) => row_widths!(@call $n, false, false, $args),
                ($n, true, false) => row_widths!(@call $n, true, false, $args),
                ($n, false, true) => row_widths!(@call $n, false, true, $args),
                ($n, true, true) => row_widths!(@call $n, true, true, $args),
            )*
            (w, _, _) => unreachable!("no one-row pass is {w} vectors wide"),
        }
    };
    (@call $n:literal, $h:literal, $p:literal, ($($arg:expr),*)) => {
        row_pass::<$n, $h, $p>($($arg),*)
    };
}

/// Calls `wrapped_pass::<W>` for `w` (0 to 7) body vectors.
macro_rules! wrapped_widths {
    ($w:expr, $($arg:expr),*) => {
        match $w {
            0 => wrapped_pass::<0>($($arg),*),
            1 => wrapped_pass::<1>($($arg),*),
            2 => wrapped_pass::<2>($($arg),*),
            3 => wrapped_pass::<3>($($arg),*),
            4 => wrapped_pass::<4>($($arg),*),
            5 => wrapped_pass::<5>($($arg),*),
            6 => wrapped_pass::<6>($($arg),*),
            7 => wrapped_pass::<7>($($arg),*),
            w => unreachable!("no wrapped pass has {w} body vectors"),
        }
    };
}

/// Generates a module of kernels for one ISA. `vec` is the vector type and
/// `lanes` its f32 count; `v_small` gives, for m = 1..=8, how many vectors wide
/// a column block of the small-m kernel is.
macro_rules! kernels {
    (
        $(#[$feature:meta])*
        mod $name:ident {
            lanes: $lanes:expr,
            mr: $mr:expr,
            nv: $nv:expr,
            v_small: [$v1:expr, $v2:expr, $v3:expr, $v4:expr, $v5:expr, $v6:expr, $v7:expr, $v8:expr],
            vec: $vec:ty,
            zero: $zero:expr,
            load: $load:path,
            store: $store:path,
            splat: $splat:path,
            fma: $fma:path,
            add: $add:path,
            load_partial: $load_partial:path,
            store_partial: $store_partial:path,
            prefetch: $prefetch:path,
            chunk_rows: $chunk:expr $(,)?
        }
    ) => {
        pub(super) mod $name {
            /// Rows of the register tile.
            pub const MR: usize = $mr;
            /// Columns of the register tile.
            pub const NR: usize = $nv * $lanes;
            /// Floats in a 64-byte cache line.
            const LINE: usize = 64 / core::mem::size_of::<f32>();
            /// Vectors in a cache line (at least 1).
            const VECTORS_PER_LINE: usize = if $lanes >= LINE { 1 } else { LINE / $lanes };
            /// Rows per pass of the small-m kernel when `m > 8`.
            pub const CHUNK_ROWS: usize = $chunk;

            /// `C[..rows, ..cols] (+)= A · B_panel` over `kc`, where element
            /// `(i, p)` of A is `a[i * rsa + p * csa]` (a packed panel: `rsa = 1`,
            /// `csa = MR`; a row-major A read in place: `rsa` its row stride,
            /// `csa = 1`).
            ///
            /// # Safety
            /// `a` addresses the `rows × kc` matrix those strides describe; `b`
            /// holds `kc * NR` readable floats; `c` addresses `1 ≤ rows ≤ MR`
            /// rows of `cols ≤ NR` writable floats, `ldc` apart; the CPU
            /// supports this module's ISA.
            $(#[$feature])*
            #[allow(clippy::too_many_arguments)]
            pub unsafe fn micro(
                kc: usize,
                a: *const f32,
                rsa: usize,
                csa: usize,
                b: *const f32,
                c: *mut f32,
                ldc: usize,
                rows: usize,
                cols: usize,
                accumulate: bool,
            ) {
                // SAFETY: the caller guarantees what `# Safety` says; every pointer below
                // stays inside it: A rows `i.min(rows - 1) < rows` at `p * csa` for
                // `p < kc`; B at `p * NR + v * lanes < kc * NR`; C at `i * ldc + j` for
                // `i < rows`, `j < cols` (full-vector stores only when `rows == MR` and
                // `cols == NR`), or in the local `tile`.
                unsafe {
                    // Rows past `rows` repeat the last one; their sums are dropped.
                    let a_rows: [*const f32; MR] = core::array::from_fn(|i| a.add(i.min(rows - 1) * rsa));
                    // Ask for C's tile now so that its cache misses (C is often
                    // far out of cache) overlap the products instead of stalling
                    // the stores at the end.
                    for i in 0..rows {
                        $prefetch(c.add(i * ldc));
                        $prefetch(c.add(i * ldc + cols - 1));
                    }
                    let mut acc: [[$vec; $nv]; $mr] = [[$zero; $nv]; $mr];
                    for p in 0..kc {
                        let bp = b.add(p * NR);
                        let offset = p * csa;
                        let mut bv: [$vec; $nv] = [$zero; $nv];
                        for v in 0..$nv {
                            bv[v] = $load(bp.add(v * $lanes));
                        }
                        for i in 0..MR {
                            let ai = $splat(*a_rows[i].add(offset));
                            for v in 0..$nv {
                                acc[i][v] = $fma(ai, bv[v], acc[i][v]);
                            }
                        }
                    }
                    if rows == MR && cols == NR {
                        for i in 0..MR {
                            for v in 0..$nv {
                                let cp = c.add(i * ldc + v * $lanes);
                                let r = if accumulate { $add(acc[i][v], $load(cp)) } else { acc[i][v] };
                                $store(cp, r);
                            }
                        }
                    } else {
                        let mut tile = [0.0f32; $mr * $nv * $lanes];
                        for i in 0..MR {
                            for v in 0..$nv {
                                $store(tile.as_mut_ptr().add(i * NR + v * $lanes), acc[i][v]);
                            }
                        }
                        for i in 0..rows {
                            for j in 0..cols {
                                let cp = c.add(i * ldc + j);
                                let t = tile[i * NR + j];
                                *cp = if accumulate { *cp + t } else { t };
                            }
                        }
                    }
                }
            }

            /// `C (+)= Σ_s A_s · B_s` for `m ≤ 8` rows over `seg.count`
            /// segments: `A_s` is `m × k` with strides `(rsa, csa)` starting
            /// `s · seg.a_step` elements after `a`, `B_s` is `k × n` row-major
            /// with row stride `ldb` starting `s · seg.b_step` after `b`; C is
            /// `m × n` with row stride `ldc`. Each element of B is read once.
            ///
            /// # Safety
            /// The pointers address the matrices those sizes, strides and
            /// segments describe; `1 ≤ m ≤ 8`; the CPU supports this module's ISA.
            $(#[$feature])*
            #[allow(clippy::too_many_arguments)]
            pub unsafe fn small(
                m: usize,
                k: usize,
                n: usize,
                a: *const f32,
                rsa: usize,
                csa: usize,
                b: *const f32,
                ldb: usize,
                c: *mut f32,
                ldc: usize,
                accumulate: bool,
                seg: super::Segments,
            ) {
                // SAFETY: the caller's contract (`# Safety`) is the one each pass
                // below needs; `m` is matched to 1..=8.
                unsafe {
                    let ahead = super::prefetch_rows(m, k, n, seg.count).saturating_mul(ldb);
                    let s = Strides { k, n, rsa, csa, ldb, ldc, accumulate, seg, ahead };
                    match m {
                        1 => small_row::<{ $v1 }>(&s, a, b, c),
                        2 => small_rows::<2, { $v2 }>(&s, a, b, c),
                        3 => small_rows::<3, { $v3 }>(&s, a, b, c),
                        4 => small_rows::<4, { $v4 }>(&s, a, b, c),
                        5 => small_rows::<5, { $v5 }>(&s, a, b, c),
                        6 => small_rows::<6, { $v6 }>(&s, a, b, c),
                        7 => small_rows::<7, { $v7 }>(&s, a, b, c),
                        8 => small_rows::<8, { $v8 }>(&s, a, b, c),
                        _ => unreachable!("small-m kernel called with m = {m}"),
                    }
                }
            }

            struct Strides {
                k: usize,
                n: usize,
                rsa: usize,
                csa: usize,
                ldb: usize,
                ldc: usize,
                accumulate: bool,
                seg: super::Segments,
                /// Elements of B ahead of the row being read that each row
                /// asks for (0: no prefetching).
                ahead: usize,
            }

            /// The columns in passes of `V` vectors; the last pass takes the
            /// rest, its last vector part full if `n` is not a multiple of
            /// the lanes (one pass, not one per leftover vector: 1×300×60 ran
            /// 3.5× faster).
            $(#[$feature])*
            unsafe fn small_rows<const R: usize, const V: usize>(s: &Strides, a: *const f32, b: *const f32, c: *mut f32) {
                // SAFETY: as `small`'s contract; each pass covers columns `j..j + V·lanes`
                // (the last `j..n`) of B and C, inside the `n` columns the contract covers.
                unsafe {
                    let lanes = $lanes;
                    let mut j = 0;
                    while j + V * lanes <= s.n {
                        small_pass::<R, V, false, false>(s, a, b.add(j), c.add(j), lanes, lanes);
                        j += V * lanes;
                    }
                    if j < s.n {
                        let w = (s.n - j).div_ceil(lanes);
                        let last = s.n - j - (w - 1) * lanes;
                        small_widths!(w, R, last < lanes, s, a, b.add(j), c.add(j), lanes, last);
                    }
                }
            }

            /// One row (batch 1, bound by reading B): the columns in as few
            /// passes of at most `V` vectors as there must be, sharing the
            /// vectors evenly. When every row of B starts at the same offset
            /// within a vector (`ldb` a multiple of the lanes), the first
            /// vector takes only the columns up to the next vector boundary so
            /// that no other load straddles two cache lines: a large
            /// `Vec<f32>` from the system allocator starts 16 bytes into a
            /// line (measured in one process with B 16 bytes in: 1×128×64
            /// 50 → 60 GFLOP/s, 1×256×256 32 → 37, 1×512×1000 27 → 31,
            /// 1×784×128 31 → 33; unchanged when B starts on a line). When
            /// the rows also share their offset within a cache line, each
            /// pass but the last ends on a line (one vector more or less), so
            /// that no line is read from L2 by two passes (B 16 bytes in:
            /// 1×784×128 35 → 37, 1×256×256 38 → 41, 1×128×256 39 → 43,
            /// 1×1024×512 30 → 35). A contiguous B beyond L1 whose rows are
            /// whole lines but start inside one goes to `wrapped_row`.
            $(#[$feature])*
            unsafe fn small_row<const V: usize>(s: &Strides, a: *const f32, b: *const f32, c: *mut f32) {
                // SAFETY: as `small`'s contract; each pass covers columns `j..j + cols`
                // with `j + cols ≤ n`, inside the `n` columns the contract covers.
                unsafe {
                    let lanes = $lanes;
                    // B's start in floats from address 0, for its offsets within
                    // a vector and within a cache line.
                    let start = b as usize / core::mem::size_of::<f32>();
                    let line_offset = start % LINE;
                    if line_offset != 0
                        && s.ahead > 0
                        && s.n == s.ldb
                        && s.n % LINE == 0
                        && s.k >= 2
                        && s.seg.count == 1
                    {
                        return wrapped_row::<V>(s, a, b, c, line_offset);
                    }
                    let offset = start % lanes;
                    // With one-vector passes a head would be a pass of its own.
                    let head = if V >= 2 && offset != 0 && s.ldb % lanes == 0 && s.n > lanes - offset {
                        lanes - offset
                    } else {
                        0
                    };
                    let (mut j, mut left) = (0, usize::from(head > 0) + (s.n - head).div_ceil(lanes));
                    let mut passes = left.div_ceil(V);
                    let split_on_lines = lanes < LINE && s.ldb % LINE == 0;
                    while left > 0 {
                        // What is left, shared evenly (no run-time division when
                        // one pass holds it all).
                        let mut w = if passes == 1 { left } else { left.div_ceil(passes) };
                        let first = if j == 0 && head > 0 { head } else { lanes };
                        if split_on_lines && passes > 1 {
                            // End the pass on a cache line, so that no line is
                            // read by two passes (each pass reads it from L2).
                            let past = (start + j + first + (w - 1) * lanes) % LINE / lanes;
                            if past > 0 {
                                let grow = VECTORS_PER_LINE - past;
                                if w + grow <= V && w + grow < left {
                                    w += grow;
                                } else if w > past && (left - w + past).div_ceil(V) < passes {
                                    w -= past;
                                }
                            }
                        }
                        let cols = (first + (w - 1) * lanes).min(s.n - j);
                        let last = if w == 1 { cols } else { cols - first - (w - 2) * lanes };
                        let (b, c) = (b.add(j), c.add(j));
                        row_widths!(w, first < lanes, last < lanes, s, a, b, c, first, last);
                        j += cols;
                        left -= w;
                        passes -= 1;
                    }
                }
            }

            /// One row over a contiguous B whose rows are whole cache lines
            /// long but start `offset` floats into a line, so that each row
            /// shares its first line with the row before and its last with
            /// the row after. Column passes would read each shared line twice
            /// (the first pass for the row's head, the last for the tail
            /// before it); here the first pass reads the shared lines
            /// themselves, line-aligned, for both rows at once, and the
            /// other passes whole lines within the rows: each line is read
            /// from L2 once (measured in one process, B 16 bytes into a line
            /// as a large `Vec` is, against the line-ending column passes:
            /// 1×784×128 39 → 43 GFLOP/s, 1×300×128 43 → 46, 1×256×256
            /// 42 → 44, 1×1024×512 34.6 → 35.7; the same speed as B on a
            /// line). Only when B is beyond L1 (`ahead > 0`): from L1 the
            /// first pass's extra work shows (1×128×64 59 → 50, 1×64×16
            /// 18 → 12).
            $(#[$feature])*
            unsafe fn wrapped_row<const V: usize>(s: &Strides, a: *const f32, b: *const f32, c: *mut f32, offset: usize) {
                // SAFETY: as `small`'s contract, B contiguous (`ldb == n`, a multiple of
                // the line) and `k ≥ 2` (`small_row` checked); the passes cover columns
                // `head + j·lanes..` of whole lines inside each row.
                unsafe {
                    let lanes = $lanes;
                    let head = LINE - offset;
                    let body = (s.n - LINE) / lanes;
                    let first = body.min((V - VECTORS_PER_LINE) / VECTORS_PER_LINE * VECTORS_PER_LINE);
                    wrapped_widths!(first, s, a, b, c, offset);
                    let mut j = first;
                    let mut left = body - first;
                    let per_pass = V / VECTORS_PER_LINE * VECTORS_PER_LINE;
                    let mut passes = left.div_ceil(per_pass);
                    while left > 0 {
                        // Whole lines, shared evenly. Not `small_row` over the
                        // rest: its passes keep their count and may end mid-line
                        // (1×300×272: 8 + 9 + 9 vectors, not 8 + 6 + 6 + 6;
                        // 45 → 43 GFLOP/s through it, measured).
                        let lines = (left / VECTORS_PER_LINE).div_ceil(passes);
                        let w = lines * VECTORS_PER_LINE;
                        let (b, c) = (b.add(head + j * lanes), c.add(head + j * lanes));
                        row_widths!(w, false, false, s, a, b, c, lanes, lanes);
                        j += w;
                        left -= w;
                        passes -= 1;
                    }
                }
            }

            /// The first pass of `wrapped_row`: the line each row shares with
            /// the next (the tail of row `p` and head of row `p + 1` in one
            /// read) and the row's first `W` body vectors. Row 0's head and
            /// row `k - 1`'s tail share their lines with other data; they are
            /// added one by one at the end.
            $(#[$feature])*
            #[inline(never)]
            unsafe fn wrapped_pass<const W: usize>(s: &Strides, a: *const f32, b: *const f32, c: *mut f32, offset: usize) {
                // SAFETY: as `wrapped_row`: with B contiguous, `row.add(ldb - offset)`
                // and the next line lie inside rows `p` and `p + 1 < k` (`p + 1 < k`
                // is tested); A is read at `p · csa` for `p < k`; C at columns `< n`;
                // prefetches use `wrapping_add` and never fault.
                unsafe {
                    let lanes = $lanes;
                    let head = LINE - offset;
                    let mut tails = [$zero; VECTORS_PER_LINE];
                    let mut heads = [$zero; VECTORS_PER_LINE];
                    let mut acc = [$zero; W];
                    let mut a_row = $splat(*a);
                    for p in 0..s.k {
                        let row = b.add(p * s.ldb);
                        if s.ahead > 0 {
                            let ahead = row.wrapping_add(s.ahead);
                            $prefetch(ahead.wrapping_add(s.ldb - offset));
                            for v in (0..W).step_by(VECTORS_PER_LINE) {
                                $prefetch(ahead.wrapping_add(head + v * lanes));
                            }
                        }
                        for v in 0..W {
                            acc[v] = $fma(a_row, $load(row.add(head + v * lanes)), acc[v]);
                        }
                        if p + 1 < s.k {
                            let a_next = $splat(*a.add((p + 1) * s.csa));
                            let shared = row.add(s.ldb - offset);
                            for v in 0..VECTORS_PER_LINE {
                                let bv = $load(shared.add(v * lanes));
                                tails[v] = $fma(a_row, bv, tails[v]);
                                heads[v] = $fma(a_next, bv, heads[v]);
                            }
                            a_row = a_next;
                        }
                    }
                    for v in 0..W {
                        let cp = c.add(head + v * lanes);
                        let r = if s.accumulate { $add(acc[v], $load(cp)) } else { acc[v] };
                        $store(cp, r);
                    }
                    // Lane `i` of the shared lines' sums is column `n - offset + i`
                    // (the tail) for `i < offset`, column `i - offset` (the head)
                    // from there on.
                    let mut tail_sums = [0.0f32; VECTORS_PER_LINE * $lanes];
                    let mut head_sums = [0.0f32; VECTORS_PER_LINE * $lanes];
                    for v in 0..VECTORS_PER_LINE {
                        $store(tail_sums.as_mut_ptr().add(v * lanes), tails[v]);
                        $store(head_sums.as_mut_ptr().add(v * lanes), heads[v]);
                    }
                    let last_row = b.add((s.k - 1) * s.ldb);
                    let (a_first, a_last) = (*a, *a.add((s.k - 1) * s.csa));
                    let put = |j: usize, sum: f32| {
                        let cp = c.add(j);
                        *cp = if s.accumulate { *cp + sum } else { sum };
                    };
                    for i in 0..offset {
                        let j = s.n - offset + i;
                        put(j, tail_sums[i] + a_last * *last_row.add(j));
                    }
                    for i in offset..LINE {
                        let j = i - offset;
                        put(j, head_sums[i] + a_first * *b.add(j));
                    }
                }
            }

            /// A one-row pass, never inlined into `small_row` (inlined, the
            /// same pass ran up to 10 % slower, by code placement alone).
            $(#[$feature])*
            #[inline(never)]
            unsafe fn row_pass<const W: usize, const HEAD: bool, const PART: bool>(
                s: &Strides,
                a: *const f32,
                b: *const f32,
                c: *mut f32,
                first: usize,
                last: usize,
            ) {
                // SAFETY: the same contract as `small_pass`, passed on.
                unsafe {
                    small_pass::<1, W, HEAD, PART>(s, a, b, c, first, last)
                }
            }

            /// One pass over `W` vectors of columns: the first `first` wide
            /// (part full only if `HEAD`), the last `last` wide (part full only
            /// if `PART`), the others full: without those flags the hot loop
            /// has no width test; `R` rows, every segment, the whole depth.
            $(#[$feature])*
            unsafe fn small_pass<const R: usize, const W: usize, const HEAD: bool, const PART: bool>(
                s: &Strides,
                a: *const f32,
                b: *const f32,
                c: *mut f32,
                first: usize,
                last: usize,
            ) {
                // SAFETY: as `small`'s contract for the `W` vectors of columns this pass
                // covers (`start(v) + width(v) ≤` the columns the caller handed over);
                // A at `segment · a_step + i · rsa + p · csa` and B at
                // `segment · b_step + p · ldb + start(v)` for `segment < count`, `i < R`,
                // `p < k`: elements the contract covers; prefetches use
                // `wrapping_add` and never fault.
                unsafe {
                    let lanes = $lanes;
                    let width = |v: usize| {
                        if HEAD && v == 0 {
                            first
                        } else if PART && v == W - 1 {
                            last
                        } else {
                            lanes
                        }
                    };
                    let start = |v: usize| if HEAD && v > 0 { first + (v - 1) * lanes } else { v * lanes };
                    let mut acc: [[$vec; W]; R] = [[$zero; W]; R];
                    for segment in 0..s.seg.count {
                        let (a, b) = (a.add(segment * s.seg.a_step), b.add(segment * s.seg.b_step));
                        for p in 0..s.k {
                            let bp = b.add(p * s.ldb);
                            if s.ahead > 0 {
                                // One hint per cache line of the pass's columns,
                                // `prefetch_rows` rows on (past B's end too: a
                                // hint never faults, hence `wrapping_add`).
                                let ahead = bp.wrapping_add(s.ahead);
                                for v in (0..W).step_by(VECTORS_PER_LINE) {
                                    $prefetch(ahead.wrapping_add(start(v)));
                                }
                                $prefetch(ahead.wrapping_add(start(W - 1) + width(W - 1) - 1));
                            }
                            let mut bv: [$vec; W] = [$zero; W];
                            for v in 0..W {
                                bv[v] = if width(v) == lanes {
                                    $load(bp.add(start(v)))
                                } else {
                                    $load_partial(bp.add(start(v)), width(v))
                                };
                            }
                            for i in 0..R {
                                let ai = $splat(*a.add(i * s.rsa + p * s.csa));
                                for v in 0..W {
                                    acc[i][v] = $fma(ai, bv[v], acc[i][v]);
                                }
                            }
                        }
                    }
                    for i in 0..R {
                        for v in 0..W {
                            let cp = c.add(i * s.ldc + start(v));
                            if width(v) == lanes {
                                let r = if s.accumulate { $add(acc[i][v], $load(cp)) } else { acc[i][v] };
                                $store(cp, r);
                            } else {
                                let r = if s.accumulate { $add(acc[i][v], $load_partial(cp, width(v))) } else { acc[i][v] };
                                $store_partial(cp, r, width(v));
                            }
                        }
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
kernels! {
    #[target_feature(enable = "avx2,fma")]
    mod avx2 {
        lanes: 8,
        mr: 6,
        nv: 2,
        v_small: [9, 6, 4, 2, 2, 2, 1, 1],
        vec: core::arch::x86_64::__m256,
        zero: core::arch::x86_64::_mm256_setzero_ps(),
        load: core::arch::x86_64::_mm256_loadu_ps,
        store: core::arch::x86_64::_mm256_storeu_ps,
        splat: core::arch::x86_64::_mm256_set1_ps,
        fma: core::arch::x86_64::_mm256_fmadd_ps,
        add: core::arch::x86_64::_mm256_add_ps,
        load_partial: super::avx2_partial::load,
        store_partial: super::avx2_partial::store,
        prefetch: super::x86_prefetch::t0,
        chunk_rows: 6,
    }
}

#[cfg(target_arch = "x86_64")]
kernels! {
    #[target_feature(enable = "avx512f")]
    mod avx512 {
        lanes: 16,
        mr: 12,
        nv: 2,
        v_small: [8, 8, 6, 5, 4, 4, 3, 3],
        vec: core::arch::x86_64::__m512,
        zero: core::arch::x86_64::_mm512_setzero_ps(),
        load: core::arch::x86_64::_mm512_loadu_ps,
        store: core::arch::x86_64::_mm512_storeu_ps,
        splat: core::arch::x86_64::_mm512_set1_ps,
        fma: core::arch::x86_64::_mm512_fmadd_ps,
        add: core::arch::x86_64::_mm512_add_ps,
        load_partial: super::avx512_partial::load,
        store_partial: super::avx512_partial::store,
        prefetch: super::x86_prefetch::t0,
        chunk_rows: 6,
    }
}

#[cfg(target_arch = "aarch64")]
kernels! {
    #[target_feature(enable = "neon")]
    mod neon {
        lanes: 4,
        mr: 8,
        nv: 2,
        v_small: [8, 6, 4, 4, 3, 3, 2, 2],
        vec: core::arch::aarch64::float32x4_t,
        zero: core::arch::aarch64::vdupq_n_f32(0.0),
        load: core::arch::aarch64::vld1q_f32,
        store: core::arch::aarch64::vst1q_f32,
        splat: core::arch::aarch64::vdupq_n_f32,
        fma: super::neon_ops::fma,
        add: core::arch::aarch64::vaddq_f32,
        load_partial: super::neon_ops::load_partial,
        store_partial: super::neon_ops::store_partial,
        prefetch: super::no_prefetch,
        chunk_rows: 8,
    }
}

/// NEON helpers with the argument order the kernel body uses.
#[cfg(target_arch = "aarch64")]
mod neon_ops {
    use core::arch::aarch64::*;

    /// `a · b + c`.
    #[inline(always)]
    pub unsafe fn fma(a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // SAFETY: NEON is enabled in every caller (`target_feature`).
        unsafe { vfmaq_f32(c, a, b) }
    }

    /// The first `n < 4` floats at `p`, the other lanes zero.
    ///
    /// # Safety
    /// `p` addresses `n` readable floats.
    #[inline(always)]
    pub unsafe fn load_partial(p: *const f32, n: usize) -> float32x4_t {
        let mut lanes = [0.0f32; 4];
        for (i, lane) in lanes.iter_mut().enumerate().take(n) {
            // SAFETY: i < n, and the caller guarantees n readable floats.
            *lane = unsafe { *p.add(i) };
        }
        // SAFETY: `lanes` holds 4 floats; NEON is enabled in every caller.
        unsafe { vld1q_f32(lanes.as_ptr()) }
    }

    /// Stores the first `n < 4` lanes of `v` at `p`.
    ///
    /// # Safety
    /// `p` addresses `n` writable floats.
    #[inline(always)]
    pub unsafe fn store_partial(p: *mut f32, v: float32x4_t, n: usize) {
        let mut lanes = [0.0f32; 4];
        // SAFETY: `lanes` holds 4 floats; NEON is enabled in every caller.
        unsafe { vst1q_f32(lanes.as_mut_ptr(), v) };
        for (i, &lane) in lanes.iter().enumerate().take(n) {
            // SAFETY: i < n, and the caller guarantees n writable floats.
            unsafe { *p.add(i) = lane };
        }
    }
}

/// Rows of B ahead of the one being read that the small-m kernel asks the
/// cache for (0: none). The hardware prefetchers do not follow B's columns
/// (a few lines per row, rows `ldb` apart), so without hints each row waits
/// on L2. Measured on the CI machine in one process (B 16 bytes into a cache
/// line, as a large `Vec` is, / on a line), hints 4–6 rows ahead against
/// none: 1×784×128 33.7 → 36.2 / 33 → 42 GFLOP/s, 1×256×256 34 → 39 / 36 →
/// 47, 4×784×128 63 → 71 / 75 → 86, 32×784×128 68 → 85 / 82 → 94, 128³
/// 84 → 91 / 93 → 95; 4, 5 or 6 rows differ by less than the noise. Not for
/// short passes or a B that stays near L1, where the hints only take load
/// slots (37×53×29 73 → 63, 64×64×10 47 → 26, 6×100×300 94 → 90), nor for
/// one row over less than 128 KB of B (1×300×60 47 → 45): one row is bound
/// by load slots until B is far out of L1.
fn prefetch_rows(rows: usize, k: usize, n: usize, segments: usize) -> usize {
    let beyond_l1 = if rows == 1 { 32 * 1024 } else { 8 * 1024 };
    if k >= 128 && k.saturating_mul(n).saturating_mul(segments) >= beyond_l1 {
        5
    } else {
        0
    }
}

/// Cache hints on x86_64.
#[cfg(target_arch = "x86_64")]
mod x86_prefetch {
    /// Asks for the cache line holding `p` in every cache level.
    #[inline(always)]
    pub fn t0(p: *const f32) {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint: it never faults, whatever `p` is, and
        // SSE is part of x86_64's baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p as *const i8) }
    }
}

/// Targets without a stable prefetch hint: nothing.
#[inline(always)]
fn no_prefetch(_p: *const f32) {}

/// Masked loads and stores of the first `n < 8` lanes (AVX2).
#[cfg(target_arch = "x86_64")]
mod avx2_partial {
    use core::arch::x86_64::*;

    #[inline(always)]
    fn mask(n: usize) -> __m256i {
        // SAFETY: plain register arithmetic; callers run with AVX2 enabled.
        unsafe {
            _mm256_cmpgt_epi32(
                _mm256_set1_epi32(n as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            )
        }
    }
    /// # Safety
    /// `p` addresses `n` readable floats; the CPU has AVX2.
    #[inline(always)]
    pub unsafe fn load(p: *const f32, n: usize) -> __m256 {
        // SAFETY: masked-off lanes are not accessed.
        unsafe { _mm256_maskload_ps(p, mask(n)) }
    }
    /// # Safety
    /// `p` addresses `n` writable floats; the CPU has AVX2.
    #[inline(always)]
    pub unsafe fn store(p: *mut f32, v: __m256, n: usize) {
        // SAFETY: masked-off lanes are not accessed.
        unsafe { _mm256_maskstore_ps(p, mask(n), v) }
    }
}

/// Masked loads and stores of the first `n < 16` lanes (AVX-512F).
#[cfg(target_arch = "x86_64")]
mod avx512_partial {
    use core::arch::x86_64::*;

    /// # Safety
    /// `p` addresses `n` readable floats; the CPU has AVX-512F.
    #[inline(always)]
    pub unsafe fn load(p: *const f32, n: usize) -> __m512 {
        // SAFETY: masked-off lanes are not accessed.
        unsafe { _mm512_maskz_loadu_ps(((1u32 << n) - 1) as u16, p) }
    }
    /// # Safety
    /// `p` addresses `n` writable floats; the CPU has AVX-512F.
    #[inline(always)]
    pub unsafe fn store(p: *mut f32, v: __m512, n: usize) {
        // SAFETY: masked-off lanes are not accessed.
        unsafe { _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as u16, v) }
    }
}

/// Four f32 lanes in plain Rust: the portable kernels' "vector".
#[derive(Clone, Copy)]
pub(super) struct Lanes4([f32; 4]);

mod lanes4 {
    use super::Lanes4;

    /// # Safety
    /// `p` addresses 4 readable floats.
    #[inline(always)]
    pub unsafe fn load(p: *const f32) -> Lanes4 {
        // SAFETY: the caller guarantees 4 readable floats at `p`.
        Lanes4(unsafe { core::ptr::read_unaligned(p as *const [f32; 4]) })
    }
    /// # Safety
    /// `p` addresses 4 writable floats.
    #[inline(always)]
    pub unsafe fn store(p: *mut f32, v: Lanes4) {
        // SAFETY: the caller guarantees 4 writable floats at `p`.
        unsafe { core::ptr::write_unaligned(p as *mut [f32; 4], v.0) }
    }
    #[inline(always)]
    pub fn splat(x: f32) -> Lanes4 {
        Lanes4([x; 4])
    }
    #[inline(always)]
    pub fn fma(a: Lanes4, b: Lanes4, c: Lanes4) -> Lanes4 {
        Lanes4(core::array::from_fn(|i| a.0[i] * b.0[i] + c.0[i]))
    }
    /// # Safety
    /// `p` addresses `n < 4` readable floats.
    #[inline(always)]
    pub unsafe fn load_partial(p: *const f32, n: usize) -> Lanes4 {
        // SAFETY: only the first `n` floats are read, as the caller guarantees.
        Lanes4(core::array::from_fn(|i| {
            if i < n {
                unsafe { *p.add(i) }
            } else {
                0.0
            }
        }))
    }
    /// # Safety
    /// `p` addresses `n < 4` writable floats.
    #[inline(always)]
    pub unsafe fn store_partial(p: *mut f32, v: Lanes4, n: usize) {
        for (i, &x) in v.0.iter().enumerate().take(n) {
            // SAFETY: i < n, and the caller guarantees n writable floats.
            unsafe { *p.add(i) = x };
        }
    }
    #[inline(always)]
    pub fn add(a: Lanes4, b: Lanes4) -> Lanes4 {
        Lanes4(core::array::from_fn(|i| a.0[i] + b.0[i]))
    }
}

kernels! {
    mod portable {
        lanes: 4,
        mr: 4,
        nv: 2,
        v_small: [4, 4, 2, 2, 1, 1, 1, 1],
        vec: super::Lanes4,
        zero: super::Lanes4([0.0; 4]),
        load: super::lanes4::load,
        store: super::lanes4::store,
        splat: super::lanes4::splat,
        fma: super::lanes4::fma,
        add: super::lanes4::add,
        load_partial: super::lanes4::load_partial,
        store_partial: super::lanes4::store_partial,
        prefetch: super::no_prefetch,
        chunk_rows: 4,
    }
}

use super::isa::Isa;

/// The kernels of one ISA, with its register-tile sizes.
#[derive(Clone, Copy)]
// Without `alloc` only the small-m kernel runs (no packing buffers).
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
pub(super) struct Kernels {
    pub mr: usize,
    pub nr: usize,
    pub chunk_rows: usize,
    #[allow(clippy::type_complexity)]
    pub micro:
        unsafe fn(usize, *const f32, usize, usize, *const f32, *mut f32, usize, usize, usize, bool),
    #[allow(clippy::type_complexity)]
    pub small: unsafe fn(
        usize,
        usize,
        usize,
        *const f32,
        usize,
        usize,
        *const f32,
        usize,
        *mut f32,
        usize,
        bool,
        Segments,
    ),
}

impl Kernels {
    /// The kernels for `isa`; the caller has checked that the CPU supports it.
    pub fn of(isa: Isa) -> Kernels {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => Kernels {
                mr: avx2::MR,
                nr: avx2::NR,
                chunk_rows: avx2::CHUNK_ROWS,
                micro: avx2::micro,
                small: avx2::small,
            },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Kernels {
                mr: avx512::MR,
                nr: avx512::NR,
                chunk_rows: avx512::CHUNK_ROWS,
                micro: avx512::micro,
                small: avx512::small,
            },
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => Kernels {
                mr: neon::MR,
                nr: neon::NR,
                chunk_rows: neon::CHUNK_ROWS,
                micro: neon::micro,
                small: neon::small,
            },
            _ => Kernels {
                mr: portable::MR,
                nr: portable::NR,
                chunk_rows: portable::CHUNK_ROWS,
                micro: portable::micro,
                small: portable::small,
            },
        }
    }
}
