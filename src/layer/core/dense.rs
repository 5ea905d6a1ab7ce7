//! `Dense`: `activation(dot(x, W) + b)`, with `W` of shape `(input, units)` as
//! in Keras.

use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::init::Initializers;
use crate::layer::machinery::kernel_and_bias_layer;
#[cfg(feature = "std")]
use crate::layer::machinery::train::{
    activation_backward, forward_keeping_z, sum_rows, Backprop, Tape,
};
use crate::layer::machinery::{Built, LayerOp, WeightShapes, Weights};
use crate::layer::{activate_in_place, DenseElement};
#[cfg(feature = "std")]
use crate::shape::unmasked;
use crate::shape::{unmask, with_mask, Const, Dyn, Features, Masked, Sizes, StaticDim};
use crate::tensor::Data;
use crate::Element;

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
///
/// Other initializers (Keras's `kernel_initializer`, `bias_initializer`),
/// checked where they are given:
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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dense<const UNITS: usize, A: Activation = Linear> {
    activation: A,
    initializers: Initializers,
    /// Keras's `use_bias=False`.
    no_bias: bool,
}

/// A Dense layer with its weights in storage `K` (kernel, `(input, units)`
/// row-major) and `B` (bias), over inputs `In`.
pub type DenseWith<const UNITS: usize, A, In, E, K, B> = Built<Dense<UNITS, A>, In, E, (K, B)>;

/// Keras's defaults: the activation's default parameters, glorot_uniform
/// kernel, zero bias.
impl<const UNITS: usize, A: Activation> Default for Dense<UNITS, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const UNITS: usize, A: Activation> Dense<UNITS, A> {
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
    pub const fn from_weights<K, B>(
        kernel: K,
        bias: B,
    ) -> DenseWith<UNITS, A, (K::Input,), K::Element, K, B>
    where
        K: KernelArray<UNITS>,
        B: BiasArray<UNITS, K::Element>,
    {
        Self::new().with_weights(kernel, bias)
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
    pub const fn with_weights<K, B>(
        self,
        kernel: K,
        bias: B,
    ) -> DenseWith<UNITS, A, (K::Input,), K::Element, K, B>
    where
        K: KernelArray<UNITS>,
        B: BiasArray<UNITS, K::Element>,
    {
        Built::new_unchecked(self, (kernel, bias))
    }

    /// A Dense layer over weights in any storage (a `Vec`, or `&'static` data in
    /// flash), with `I` inputs; an error when a length does not fit or a
    /// value is NaN or infinite.
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
    ) -> Result<DenseWith<UNITS, A, (I,), E, K, B>, Error> {
        Built::from_parts(Self::default(), (kernel, bias))
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

/// A kernel borrowed in place (`&'static` weights in flash).
#[diagnostic::do_not_recommend]
impl<E: Element, const INPUT: usize, const UNITS: usize> KernelArray<UNITS>
    for &[[E; UNITS]; INPUT]
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

#[diagnostic::do_not_recommend]
impl<E: Element, const ROWS: usize, const COLUMNS: usize> Matrix for &[[E; COLUMNS]; ROWS] {
    type Element = E;
    type Input = Const<ROWS>;
}

/// A bias given as an array for a layer of `UNITS` units (or filters): `[E; UNITS]`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Dense layer of {UNITS} units needs a bias `[{E}; {UNITS}]`, but this bias is `{Self}`",
    label = "the bias must hold one value per unit"
)]
pub trait BiasArray<const UNITS: usize, E: Element>: Data<E> {}

impl<E: Element, const UNITS: usize> BiasArray<UNITS, E> for [E; UNITS] {}

/// A bias borrowed in place (`&'static` weights in flash).
#[diagnostic::do_not_recommend]
impl<E: Element, const UNITS: usize> BiasArray<UNITS, E> for &[E; UNITS] {}

/// What a Dense layer takes: vectors `(features,)`, or sequences `(steps,
/// features)` (Keras's Dense on a sequence: the same kernel at every step),
/// masked or not (a masked sequence stays masked).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Dense layer takes vectors `(features,)` or sequences `(steps, features)`, not inputs of shape `{Self}`",
    label = "this layer does not fit the output of the layer before it",
    note = "to give an image to a Dense layer, put `Flatten` before it"
)]
pub trait DenseInput: Features {
    /// The last axis, which the kernel multiplies.
    type Last: StaticDim;
    /// The output shape for `UNITS` units.
    type Output<const UNITS: usize>: Features;
    /// Rows of the last axis per sample.
    const ROWS: usize;
    /// Whether each row is followed by its mask value.
    const MASKED: bool = false;
}

impl<I: StaticDim> DenseInput for (I,) {
    type Last = I;
    type Output<const UNITS: usize> = (Const<UNITS>,);
    const ROWS: usize = 1;
}

impl<T: StaticDim, I: StaticDim> DenseInput for (T, I) {
    type Last = I;
    type Output<const UNITS: usize> = (T, Const<UNITS>);
    const ROWS: usize = T::SIZE;
}

impl<T: StaticDim, I: StaticDim> DenseInput for (T, Masked<I>) {
    type Last = I;
    type Output<const UNITS: usize> = (T, Masked<Const<UNITS>>);
    const ROWS: usize = T::SIZE;
    const MASKED: bool = true;
}

/// Sequences of run-time length: one row per step.
#[diagnostic::do_not_recommend]
impl<I: StaticDim> DenseInput for (Dyn, I) {
    type Last = I;
    type Output<const UNITS: usize> = (Dyn, Const<UNITS>);
    const ROWS: usize = 1;
}

#[diagnostic::do_not_recommend]
impl<I: StaticDim> DenseInput for (Dyn, Masked<I>) {
    type Last = I;
    type Output<const UNITS: usize> = (Dyn, Masked<Const<UNITS>>);
    const ROWS: usize = 1;
    const MASKED: bool = true;
}

/// The weights depend on the input's last axis only.
impl<S: DenseInput, const UNITS: usize, A: Activation> WeightShapes<S> for Dense<UNITS, A> {
    fn weight_shape(index: usize) -> Sizes {
        match index {
            0 => Sizes::of([S::Last::SIZE, UNITS]),
            _ => Sizes::of([UNITS]),
        }
    }
}

impl<S: DenseInput, const UNITS: usize, A: Activation, E: DenseElement> LayerOp<S, E>
    for Dense<UNITS, A>
{
    type Output = S::Output<UNITS>;
    /// A masked sequence's values and mask apart, and the output's values.
    const SCRATCH_PER_SAMPLE: usize = match S::MASKED {
        true => S::ROWS * (S::Last::SIZE + 1 + UNITS),
        false => 0,
    };

    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        let rows = batch * S::ROWS;
        if S::MASKED {
            let (values, rest) = scratch.split_at_mut(rows * S::Last::SIZE);
            let (mask, rest) = rest.split_at_mut(rows);
            let out = &mut rest[..rows * UNITS];
            unmask(x, S::Last::SIZE, values, mask);
            <Self as LayerOp<(S::Last,), E>>::forward(self, w, values, out, rows, &mut []);
            return with_mask(out, mask, UNITS, y);
        }
        crate::layer::products::dense_rows(x, w.at(0), w.at(1), y, rows, S::Last::SIZE, UNITS);
        activate_in_place(&self.activation, y, UNITS);
    }

    #[cfg(feature = "std")]
    fn forward_train<W: Weights<E>>(
        &self,
        w: &mut W,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut Tape<E>,
        _rng: &mut crate::random::Rng,
    ) {
        let rows = batch * S::ROWS;
        if S::MASKED {
            let (values, mask) = unmasked(x, S::Last::SIZE, rows);
            let mut out = alloc::vec![E::ZERO; rows * UNITS];
            forward_keeping_z(tape, &mut out, 0, (&self.activation, UNITS), |z, _| {
                crate::layer::products::dense_rows(
                    &values,
                    w.at(0),
                    w.at(1),
                    z,
                    rows,
                    S::Last::SIZE,
                    UNITS,
                )
            });
            return with_mask(&out, &mask, UNITS, y);
        }
        forward_keeping_z(tape, y, 0, (&self.activation, UNITS), |z, _| {
            crate::layer::products::dense_rows(x, w.at(0), w.at(1), z, rows, S::Last::SIZE, UNITS)
        });
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        let (rows, inputs) = (pass.batch * S::ROWS, S::Last::SIZE);
        if !S::MASKED {
            return self.backward_rows(w, pass, rows, inputs, tape, grads);
        }
        // The same pass on the values apart; the mask gets no gradient.
        let (x, mask) = unmasked(pass.x, inputs, rows);
        let (y, _) = unmasked(pass.y, UNITS, rows);
        let (mut dy, _) = unmasked(pass.dy, UNITS, rows);
        let mut dx = alloc::vec![E::ZERO; if pass.dx.is_some() { rows * inputs } else { 0 }];
        let values = Backprop {
            x: &x,
            y: &y,
            dy: &mut dy,
            dx: pass.dx.is_some().then_some(&mut dx[..]),
            batch: pass.batch,
            steps: 1,
        };
        self.backward_rows(w, values, rows, inputs, tape, grads);
        if let Some(out) = pass.dx {
            with_mask(&dx, &alloc::vec![E::ZERO; mask.len()], inputs, out);
        }
    }
}

impl<const UNITS: usize, A: Activation> Dense<UNITS, A> {
    /// The backward pass over `rows` rows of `inputs` values each.
    #[cfg(feature = "std")]
    fn backward_rows<E: DenseElement, W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        rows: usize,
        inputs: usize,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        let dz = pass.dy;
        activation_backward(&self.activation, &tape.cache, pass.y, dz, UNITS);
        let (d_kernel, d_bias) = grads.split_at_mut(inputs * UNITS);
        E::matmul_at_b(rows, inputs, UNITS, pass.x, dz, d_kernel);
        sum_rows(dz, d_bias);
        if let Some(dx) = pass.dx {
            E::matmul_a_bt(rows, UNITS, inputs, dz, w.at(0), dx);
        }
    }
}

kernel_and_bias_layer!("Dense", "dense", "kernel", "sequential![Input<4>, Dense<3>.without_bias()]", [const UNITS: usize, A: Activation] Dense<UNITS, A>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Relu, Softmax};
    use crate::layer::Layer;

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
        // 1e-13, not 1e-15: `exp` may differ by a few ulps between libms (and
        // Miri adds such errors on purpose); an f32 detour would be ~1e-8 off.
        assert!((y[0] - a.exp() / (a.exp() + b.exp())).abs() < 1e-13);
        assert!((y[0] + y[1] - 1.0).abs() < 1e-13);
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

    /// Every step of a sequence through one kernel, masked or not; a
    /// masked sequence keeps its mask.
    #[test]
    fn sequences_masked_or_not_match_finite_differences_and_the_rows_alone() {
        use crate::layer::Layer;
        check::gradients(
            &check::build::<(N<3>, N<4>), _>(Dense::<2, Softmax>::new()),
            2,
            None,
        );
        type Masked = (N<3>, crate::shape::Masked<N<2>>);
        let masked = check::build::<Masked, _>(Dense::<2, Softmax>::new());
        check::gradients(&masked, 2, None);
        // The oracle: each step alone through the same weights.
        let x = [0.5, -1.0, 1.0, 2.0, 0.25, 0.0, -0.5, 1.5, 1.0];
        let mut y = [f64::NAN; 9];
        masked.forward_slices(&x, &mut y, 1, &mut [0.0; 15]);
        let vector = Dense::<2, Softmax>::from_data::<N<2>, f64, _, _>(
            masked.weight(0).to_vec(),
            masked.weight(1).to_vec(),
        )
        .unwrap();
        for (step, out) in x.chunks(3).zip(y.chunks(3)) {
            let mut want = [0.0; 2];
            vector.forward_slices(&step[..2], &mut want, 1, &mut []);
            // (Within 1e-12: Miri lets `exp` differ by a few ulps.)
            for (o, w) in out[..2].iter().zip(want) {
                assert!((o - w).abs() < 1e-12, "{o} vs {w}");
            }
            assert_eq!(out[2], step[2], "the mask is kept");
        }
    }
}
