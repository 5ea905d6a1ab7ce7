//! The matrix product at the heart of Dense, convolution and training.

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
    check_len("a", a.len(), m, k);
    check_len("b", b.len(), k, n);
    check_len("c", c.len(), m, n);
    if n == 0 {
        return;
    }
    if k == 0 {
        c.fill(0.0);
        return;
    }
    for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
        c_row.fill(0.0);
        for (&a_ip, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            for (c_j, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_j += a_ip * b_pj;
            }
        }
    }
}

fn check_len(name: &str, len: usize, rows: usize, cols: usize) {
    assert!(
        len == rows * cols,
        "matmul: `{name}` has {len} elements but a {rows}×{cols} matrix needs {}",
        rows * cols
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle(m: usize, k: usize, n: usize, a: &[f32], b: &[f32]) -> [f32; 64] {
        let mut c = [0.0f32; 64];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                for p in 0..k {
                    s += a[i * k + p] as f64 * b[p * n + j] as f64;
                }
                c[i * n + j] = s as f32;
            }
        }
        c
    }

    #[test]
    fn matches_scalar_oracle_on_edge_shapes() {
        let data: [f32; 128] = core::array::from_fn(|i| ((i * 7919) % 17) as f32 * 0.25 - 2.0);
        for (m, k, n) in [
            (1, 1, 1),
            (3, 5, 2),
            (4, 0, 3),
            (0, 3, 4),
            (2, 7, 1),
            (8, 8, 8),
            (1, 13, 4),
        ] {
            let mut c = [f32::NAN; 64];
            matmul(
                m,
                k,
                n,
                &data[..m * k],
                &data[3..3 + k * n],
                &mut c[..m * n],
            );
            let want = oracle(m, k, n, &data[..m * k], &data[3..3 + k * n]);
            for i in 0..m * n {
                assert!(
                    (c[i] - want[i]).abs() <= 1e-5 * want[i].abs().max(1.0),
                    "{m}x{k}x{n} at {i}"
                );
            }
        }
    }

    #[test]
    #[should_panic(expected = "`b` has 5 elements but a 2×3 matrix needs 6")]
    fn wrong_length_panics_with_both_lengths() {
        matmul(1, 2, 3, &[0.0; 2], &[0.0; 5], &mut [0.0; 3]);
    }
}
