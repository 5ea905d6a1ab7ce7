//! The matrix products layers run on: [`DenseElement`], `f32` on the matmul
//! core and `f64` in plain loops, used by `Dense` and the convolutions.

use crate::Element;

/// Elements a Dense layer supports: `f32` (on the matmul core) and `f64`.
pub trait DenseElement: Element {
    /// `y = x · kernel + bias` for `batch` rows of `inputs` values.
    #[doc(hidden)]
    fn dense_forward(
        x: &[Self],
        kernel: &[Self],
        bias: &[Self],
        y: &mut [Self],
        batch: usize,
        inputs: usize,
    );

    /// `y (+)= x · kernel` over row-strided operands (a column block of a
    /// wider kernel and output, or windows of an image read in place).
    #[doc(hidden)]
    fn matmul_strided(p: StridedProduct, x: &[Self], kernel: &[Self], y: &mut [Self]);

    /// `y (+)= Σ_s x_s · kernel_s` over `seg.count` products, `x_s` and
    /// `kernel_s` starting `s · seg.a_step` and `s · seg.b_step` further on
    /// (the kernel rows of a convolution in one product).
    #[doc(hidden)]
    fn matmul_segmented(
        p: StridedProduct,
        seg: crate::linalg::Segments,
        x: &[Self],
        kernel: &[Self],
        y: &mut [Self],
    ) {
        for s in 0..seg.count {
            let part = StridedProduct {
                accumulate: p.accumulate || s > 0,
                ..p
            };
            Self::matmul_strided(part, &x[s * seg.a_step..], &kernel[s * seg.b_step..], y);
        }
        if seg.count == 0 && !p.accumulate {
            for i in 0..p.rows {
                y[i * p.ldy..i * p.ldy + p.units].fill(Self::ZERO);
            }
        }
    }

    /// `c = aᵀ·b` for `a` (k × m) and `b` (k × n), row-major.
    #[doc(hidden)]
    fn matmul_at_b(k: usize, m: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);

    /// `c = a·bᵀ` for `a` (m × k) and `b` (n × k), row-major.
    #[doc(hidden)]
    fn matmul_a_bt(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);

    /// `C (+)= A · B` over operands of any strides ([`Product`]): a
    /// transposed operand is a swap of its strides.
    #[doc(hidden)]
    fn product(p: Product<'_, Self>, c: &mut [Self]);
}

/// A product `C (+)= A · B` of any strides: element `(i, q)` of `A` is
/// `a[i·rsa + q·csa]`, element `(q, j)` of `B` is `b[q·rsb + j·csb]`,
/// element `(i, j)` of `C` is `c[i·ldc + j]`, for `i < m`, `q < k`, `j < n`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Product<'a, E> {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub a: &'a [E],
    pub rsa: usize,
    pub csa: usize,
    pub b: &'a [E],
    pub rsb: usize,
    pub csb: usize,
    pub ldc: usize,
    pub accumulate: bool,
}

/// The sizes and row strides of a [`DenseElement::matmul_strided`] product:
/// `y[i, j] (+)= Σ_q x[i·lda + q] · kernel[q·ldk + j]` for `i < rows`,
/// `q < inputs`, `j < units`, into `y[i·ldy + j]`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct StridedProduct {
    pub rows: usize,
    pub inputs: usize,
    pub units: usize,
    pub lda: usize,
    pub ldk: usize,
    pub ldy: usize,
    pub accumulate: bool,
}

impl DenseElement for f32 {
    fn product(p: Product<'_, f32>, c: &mut [f32]) {
        crate::linalg::Gemm {
            m: p.m,
            k: p.k,
            n: p.n,
            a: p.a,
            rsa: p.rsa,
            csa: p.csa,
            b: p.b,
            rsb: p.rsb,
            csb: p.csb,
            ldc: p.ldc,
            accumulate: p.accumulate,
        }
        .run(c);
    }

    fn matmul_segmented(
        p: StridedProduct,
        seg: crate::linalg::Segments,
        x: &[f32],
        kernel: &[f32],
        y: &mut [f32],
    ) {
        let g = crate::linalg::Gemm {
            m: p.rows,
            k: p.inputs,
            n: p.units,
            a: x,
            rsa: p.lda,
            csa: 1,
            b: kernel,
            rsb: p.ldk,
            csb: 1,
            ldc: p.ldy,
            accumulate: p.accumulate,
        };
        g.run_segmented(seg, y);
    }

    fn matmul_at_b(k: usize, m: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
        crate::linalg::matmul_at_b(m, k, n, a, b, c);
    }

    fn matmul_a_bt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
        crate::linalg::matmul_a_bt(m, k, n, a, b, c);
    }

    fn matmul_strided(p: StridedProduct, x: &[f32], kernel: &[f32], y: &mut [f32]) {
        Self::matmul_segmented(p, crate::linalg::Segments::ONE, x, kernel, y);
    }

    fn dense_forward(
        x: &[f32],
        kernel: &[f32],
        bias: &[f32],
        y: &mut [f32],
        batch: usize,
        inputs: usize,
    ) {
        crate::linalg::matmul_bias(batch, inputs, bias.len(), x, kernel, bias, y);
    }
}

impl DenseElement for f64 {
    fn product(p: Product<'_, f64>, c: &mut [f64]) {
        for i in 0..p.m {
            for j in 0..p.n {
                let sum: f64 = (0..p.k)
                    .map(|q| p.a[i * p.rsa + q * p.csa] * p.b[q * p.rsb + j * p.csb])
                    .sum();
                let c_ij = &mut c[i * p.ldc + j];
                *c_ij = if p.accumulate { *c_ij + sum } else { sum };
            }
        }
    }

    fn matmul_at_b(k: usize, m: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
        c.fill(0.0);
        for q in 0..k {
            for i in 0..m {
                let a_qi = a[q * m + i];
                for (c_ij, &b_qj) in c[i * n..(i + 1) * n].iter_mut().zip(&b[q * n..(q + 1) * n]) {
                    *c_ij += a_qi * b_qj;
                }
            }
        }
    }

    fn matmul_a_bt(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
        for i in 0..m {
            for j in 0..n {
                let a_row = &a[i * k..(i + 1) * k];
                let b_row = &b[j * k..(j + 1) * k];
                c[i * n + j] = a_row.iter().zip(b_row).map(|(x, y)| x * y).sum();
            }
        }
    }

    fn matmul_strided(p: StridedProduct, x: &[f64], kernel: &[f64], y: &mut [f64]) {
        for i in 0..p.rows {
            let x_row = &x[i * p.lda..i * p.lda + p.inputs];
            let y_row = &mut y[i * p.ldy..i * p.ldy + p.units];
            if !p.accumulate {
                y_row.fill(0.0);
            }
            for (q, &x_q) in x_row.iter().enumerate() {
                for (y_j, &k) in y_row
                    .iter_mut()
                    .zip(&kernel[q * p.ldk..q * p.ldk + p.units])
                {
                    *y_j += x_q * k;
                }
            }
        }
    }

    fn dense_forward(
        x: &[f64],
        kernel: &[f64],
        bias: &[f64],
        y: &mut [f64],
        _batch: usize,
        inputs: usize,
    ) {
        let units = bias.len();
        for (y_row, x_row) in y
            .chunks_exact_mut(units.max(1))
            .zip(x.chunks_exact(inputs.max(1)))
        {
            y_row.copy_from_slice(bias);
            for (&x_p, k_row) in x_row.iter().zip(kernel.chunks_exact(units.max(1))) {
                for (y_j, &k) in y_row.iter_mut().zip(k_row) {
                    *y_j += x_p * k;
                }
            }
        }
    }
}

/// `y = x · kernel (+ bias)` over `rows` rows of `inputs` values into
/// `units` columns; `bias` empty for a layer without one.
pub(crate) fn dense_rows<E: DenseElement>(
    x: &[E],
    kernel: &[E],
    bias: &[E],
    y: &mut [E],
    rows: usize,
    inputs: usize,
    units: usize,
) {
    if !bias.is_empty() {
        return E::dense_forward(x, kernel, bias, y, rows, inputs);
    }
    let p = Product {
        m: rows,
        k: inputs,
        n: units,
        a: x,
        rsa: inputs,
        csa: 1,
        b: kernel,
        rsb: units,
        csb: 1,
        ldc: units,
        accumulate: false,
    };
    E::product(p, y);
}
