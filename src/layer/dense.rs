//! `Dense`: `activation(dot(x, W) + b)`, with `W` of shape `(input, units)` as
//! in Keras.

use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::shape::{Const, SameFeatures, Shape, StaticDim};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// The Dense layer spec as a model names it: `Dense<UNITS, Activation>`. Its
/// input size is taken from the layer before it when the model is built, and
/// its weights are drawn from Keras's defaults (glorot_uniform kernel, zero
/// bias) — or given with [`Dense::from_weights`].
///
/// ```
/// use corten::activation::Relu;
/// use corten::layer::Dense;
/// use corten::sequential;
/// let model = sequential![Input<784>, Dense<128, Relu>, Dense<10>];
/// assert_eq!(model.param_count(), 784 * 128 + 128 + 128 * 10 + 10);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dense<const UNITS: usize, A: Activation = Linear> {
    activation: A,
    initializers: crate::init::Initializers,
}

impl<const UNITS: usize, A: Activation> Dense<UNITS, A> {
    /// The spec with the activation's default parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The spec with a configured activation (e.g. `LeakyRelu { negative_slope: 0.1 }`).
    pub fn with_activation(activation: A) -> Self {
        Dense {
            activation,
            initializers: Default::default(),
        }
    }

    /// This spec with other kernel and bias initializers (Keras's
    /// `kernel_initializer`, `bias_initializer`); an error when one's
    /// parameters are invalid ([`Initializer::check`](crate::init::Initializer::check)).
    ///
    /// ```
    /// use corten::init::Initializer;
    /// use corten::layer::Dense;
    /// use corten::sequential;
    /// let he = Dense::<4>::new().with_initializers(Initializer::HeNormal, Initializer::Constant(0.1))?;
    /// let mut model = sequential![Input<3>, (he)];
    /// assert_eq!(model.get_weights()[1], [0.1f32; 4]);
    /// assert!(Dense::<4>::new().with_initializers(Initializer::HeNormal, Initializer::Constant(f64::NAN)).is_err());
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn with_initializers(
        mut self,
        kernel: crate::init::Initializer,
        bias: crate::init::Initializer,
    ) -> Result<Self, Error> {
        self.initializers = crate::init::Initializers::new(kernel, bias)?;
        Ok(self)
    }

    /// A Dense layer with the given weights, as Keras's `weights=(W, b)`: the
    /// kernel is `[[E; UNITS]; INPUT]` (shape `(input, units)`), the bias
    /// `[E; UNITS]`. Both are stored inline; a wrong size does not compile.
    ///
    /// ```
    /// use corten::layer::Dense;
    /// let w = [[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// let dense = Dense::<3>::from_weights(w, [0.0; 3]);
    /// assert_eq!(dense.kernel(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// ```
    pub fn from_weights<K, B>(
        kernel: K,
        bias: B,
    ) -> DenseLayer<<K as Matrix>::Input, Const<UNITS>, A, <K as Matrix>::Element, K, B>
    where
        K: KernelArray<UNITS>,
        B: BiasArray<UNITS, <K as Matrix>::Element>,
    {
        Self::default().with_weights(kernel, bias)
    }

    /// This spec (with its configured activation) with the given weights; see
    /// [`Dense::from_weights`].
    ///
    /// ```
    /// use corten::activation::LeakyRelu;
    /// use corten::layer::{Dense, Layer};
    /// let dense = Dense::<1, LeakyRelu>::with_activation(LeakyRelu { negative_slope: 0.5 })
    ///     .with_weights([[1.0f32]], [0.0]);
    /// let mut y = [0.0f32];
    /// dense.forward_slices(&[-2.0], &mut y, 1, &mut []);
    /// assert_eq!(y, [-1.0]);
    /// ```
    pub fn with_weights<K, B>(
        self,
        kernel: K,
        bias: B,
    ) -> DenseLayer<<K as Matrix>::Input, Const<UNITS>, A, <K as Matrix>::Element, K, B>
    where
        K: KernelArray<UNITS>,
        B: BiasArray<UNITS, <K as Matrix>::Element>,
    {
        DenseLayer::new_unchecked(kernel, bias, self.activation)
    }

    /// A Dense layer over weights in any storage (a `Vec`, or `&'static` data in
    /// flash), with `input` inputs; an error when a length does not fit.
    ///
    /// ```
    /// use corten::layer::Dense;
    /// use corten::shape::Const;
    /// static KERNEL: [f32; 6] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// static BIAS: [f32; 3] = [0.0; 3];
    /// let dense = Dense::<3>::from_data::<Const<2>, f32, _, _>(&KERNEL[..], &BIAS[..]).unwrap();
    /// let err = Dense::<3>::from_data::<Const<4>, f32, _, _>(&KERNEL[..], &BIAS[..]).unwrap_err();
    /// assert_eq!(err.to_string(), "Dense kernel: shape (4, 3) needs 12 elements but 6 were given");
    /// ```
    pub fn from_data<I: StaticDim, E: Element, K: Data<E>, B: Data<E>>(
        kernel: K,
        bias: B,
    ) -> Result<DenseLayer<I, Const<UNITS>, A, E, K, B>, Error> {
        DenseLayer::from_parts(kernel, bias, A::default())
    }
}

/// A kernel given as a nested array for a Dense layer of `UNITS` units:
/// `[[E; UNITS]; INPUT]`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Dense layer of {UNITS} units needs a kernel `[[_; {UNITS}]; inputs]` of shape (inputs, {UNITS}), but this kernel is `{Self}`",
    label = "each kernel row must hold one weight per unit"
)]
pub trait KernelArray<const UNITS: usize>: Matrix {}

impl<E: Element, const INPUT: usize, const UNITS: usize> KernelArray<UNITS>
    for [[E; UNITS]; INPUT]
{
}

/// Any nested array `[[E; COLUMNS]; ROWS]`, whatever its width: the types a
/// Dense layer built from it has even when the width is wrong, so that a
/// wrong kernel is one error (from [`KernelArray`]), not two.
pub trait Matrix: Data<Self::Element> {
    /// The element type.
    type Element: Element;
    /// The number of rows (a kernel's inputs).
    type Input: StaticDim;
}

impl<E: Element, const ROWS: usize, const COLUMNS: usize> Matrix for [[E; COLUMNS]; ROWS] {
    type Element = E;
    type Input = Const<ROWS>;
}

/// A bias given as an array for a Dense layer of `UNITS` units: `[E; UNITS]`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Dense layer of {UNITS} units needs a bias `[{E}; {UNITS}]`, but this bias is `{Self}`",
    label = "the bias must hold one value per unit"
)]
pub trait BiasArray<const UNITS: usize, E: Element>: Data<E> {}

impl<E: Element, const UNITS: usize> BiasArray<UNITS, E> for [E; UNITS] {}

/// A built Dense layer: `I` inputs, `O` units, weights in storage `K`
/// (kernel, `(I, O)` row-major) and `B` (bias).
#[derive(Clone, PartialEq)]
pub struct DenseLayer<I, O, A, E, K, B> {
    kernel: K,
    bias: B,
    activation: A,
    name: LayerName,
    dims: PhantomData<(I, O, E)>,
}

impl<I: StaticDim, O: StaticDim, A: Activation, E: Element, K: Data<E>, B: Data<E>>
    DenseLayer<I, O, A, E, K, B>
{
    fn new_unchecked(kernel: K, bias: B, activation: A) -> Self {
        DenseLayer {
            kernel,
            bias,
            activation,
            name: LayerName {
                base: "dense",
                index: 0,
            },
            dims: PhantomData,
        }
    }

    /// A layer from a kernel and a bias of any storage; an error when a length
    /// does not fit `I × O` or `O`.
    pub fn from_parts(kernel: K, bias: B, activation: A) -> Result<Self, Error> {
        crate::error::check_weight("Dense kernel", [I::SIZE, O::SIZE], kernel.as_slice())?;
        crate::error::check_weight("Dense bias", [O::SIZE], bias.as_slice())?;
        Ok(Self::new_unchecked(kernel, bias, activation))
    }

    /// The kernel `W`, shape `(input, units)`, row-major.
    pub fn kernel(&self) -> &[E] {
        self.kernel.as_slice()
    }

    /// The bias `b`.
    pub fn bias(&self) -> &[E] {
        self.bias.as_slice()
    }

    /// The activation.
    pub fn activation(&self) -> A {
        self.activation
    }
}

impl<I, O, A: Activation, E, K, B> core::fmt::Debug for DenseLayer<I, O, A, E, K, B>
where
    I: StaticDim,
    O: StaticDim,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Dense<{}, {}>({}, {})",
            I::SIZE,
            O::SIZE,
            self.name,
            A::NAME
        )
    }
}

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
        crate::linalg::matmul(batch, inputs, bias.len(), x, kernel, y);
        add_bias(y, bias);
    }
}

impl DenseElement for f64 {
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

fn add_bias<E: Element>(y: &mut [E], bias: &[E]) {
    if bias.is_empty() {
        return;
    }
    for row in y.chunks_exact_mut(bias.len()) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

impl<I, O, A, E, K, B> Layer<E> for DenseLayer<I, O, A, E, K, B>
where
    I: StaticDim,
    O: StaticDim,
    A: Activation,
    E: DenseElement,
    K: Data<E>,
    B: Data<E>,
{
    type Input = (I,);
    type Output = (O,);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        E::dense_forward(
            x,
            self.kernel.as_slice(),
            self.bias.as_slice(),
            y,
            batch,
            I::SIZE,
        );
        super::activate_in_place(&self.activation, y, O::SIZE);
    }

    fn param_count(&self) -> usize {
        I::SIZE * O::SIZE + O::SIZE
    }

    /// Keeps the pre-activations `z = x·W + b` for the backward pass.
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [super::Tape<E>],
        _rng: &mut crate::random::Rng,
    ) {
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        super::forward_keeping_z(&mut tape[0], y, 0, (&self.activation, O::SIZE), |z, _| {
            E::dense_forward(x, kernel, bias, z, batch, I::SIZE)
        });
    }

    /// `dz = activation'(z)·dy`; `dW = xᵀ·dz`, `db = Σ dz`, `dx = dz·Wᵀ`.
    #[cfg(feature = "std")]
    fn backward(&self, pass: super::Backprop<'_, E>, tape: &mut [super::Tape<E>], grads: &mut [E]) {
        let dz = pass.dy;
        super::activation_backward(&self.activation, &tape[0].cache, pass.y, dz, O::SIZE);
        let (d_kernel, d_bias) = grads.split_at_mut(I::SIZE * O::SIZE);
        E::matmul_at_b(pass.batch, I::SIZE, O::SIZE, pass.x, dz, d_kernel);
        super::sum_rows(dz, d_bias);
        if let Some(dx) = pass.dx {
            E::matmul_a_bt(pass.batch, O::SIZE, I::SIZE, dz, self.kernel.as_slice(), dx);
        }
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable("kernel", self.kernel.writable()));
        visit(super::Weight::trainable("bias", self.bias.writable()));
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "Dense",
            output: (O::default(),).sizes(),
            params: self.param_count(),
        })
    }
}

/// A Dense layer whose weights are given fits only inputs of its kernel's
/// input size.
impl<D, I, O, A, E, K, B> BuildLayer<(D,), E> for DenseLayer<I, O, A, E, K, B>
where
    D: StaticDim + SameFeatures<I>,
    I: StaticDim,
    O: StaticDim,
    A: Activation,
    E: DenseElement,
    K: Data<E>,
    B: Data<E>,
{
    type Layer = DenseLayer<D, O, A, E, K, B>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        DenseLayer {
            kernel: self.kernel,
            bias: self.bias,
            activation: self.activation,
            name: ctx.name("dense"),
            dims: PhantomData,
        }
    }
}

/// A Dense spec fits any vector input; its weights are drawn as Keras draws
/// them (glorot_uniform kernel, zero bias, unless
/// [`Dense::with_initializers`] says otherwise) from the model's seeded
/// generator.
#[cfg(feature = "std")]
impl<D, const UNITS: usize, A, E> BuildLayer<(D,), E> for Dense<UNITS, A>
where
    D: StaticDim,
    A: Activation,
    E: DenseElement,
{
    type Layer = DenseLayer<D, Const<UNITS>, A, E, alloc::vec::Vec<E>, alloc::vec::Vec<E>>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let init = self.initializers;
        let kernel = init
            .kernel
            .fill(ctx.rng(), (D::SIZE, UNITS), D::SIZE, UNITS);
        let bias = init.bias.fill(ctx.rng(), (UNITS, UNITS), 1, UNITS);
        DenseLayer {
            kernel,
            bias,
            activation: self.activation,
            name: ctx.name("dense"),
            dims: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Relu, Softmax};

    #[test]
    fn forward_is_activation_of_x_dot_w_plus_b() {
        // Scalar oracle: y_j = relu(sum_p x_p W_pj + b_j).
        let w = [[0.5f32, -1.0, 2.0], [1.5, 0.25, -0.5]];
        let b = [0.1f32, -0.2, 0.3];
        let dense = Dense::<3, Relu>::from_weights(w, b);
        let x = [2.0f32, -1.0, 0.5, 4.0];
        let mut y = [f32::NAN; 6];
        dense.forward_slices(&x, &mut y, 2, &mut []);
        for s in 0..2 {
            for j in 0..3 {
                let z = x[2 * s] * w[0][j] + x[2 * s + 1] * w[1][j] + b[j];
                assert_eq!(y[3 * s + j], z.max(0.0), "sample {s} unit {j}");
            }
        }
    }

    #[test]
    fn f64_path_matches_oracle() {
        let dense = Dense::<2, Softmax>::from_weights([[1.0f64, -1.0]], [0.0, 0.5]);
        let mut y = [f64::NAN; 2];
        dense.forward_slices(&[3.0], &mut y, 1, &mut []);
        let (a, b) = (3.0f64, -2.5f64);
        assert!((y[0] - a.exp() / (a.exp() + b.exp())).abs() < 1e-15);
        assert!((y[0] + y[1] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn from_data_checks_lengths() {
        let err = Dense::<3>::from_data::<Const<2>, f32, _, _>(&[0.0f32; 6][..], &[0.0f32; 2][..])
            .unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                what: "Dense bias",
                shape: crate::shape::Sizes::of([3]),
                expected: 3,
                got: 2
            }
        );
    }
}

#[cfg(all(test, feature = "std"))]
mod gradient_tests {
    use super::*;
    use crate::activation::{Relu, Softmax, Tanh};
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(
            &check::build::<(N<4>,), _>(Dense::<3, Tanh>::new()),
            3,
            None,
        );
        check::gradients(
            &check::build::<(N<5>,), _>(Dense::<4, Softmax>::new()),
            2,
            None,
        );
        check::gradients(
            &check::build::<(N<6>,), _>(Dense::<2, Relu>::new()),
            4,
            None,
        );
    }
}
