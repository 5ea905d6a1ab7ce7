//! `Conv1D`: a 1-D convolution over sequences `(steps, channels)`, computed
//! as im2col + the matmul core.

use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::init::Initializers;
#[cfg(feature = "std")]
use crate::layer::machinery::train::{activation_backward, forward_keeping_z, Backprop, Tape};
use crate::layer::machinery::{kernel_and_bias_layer, passes_over_steps};
use crate::layer::machinery::{Built, FromInput, LayerOp, WeightShapes, Weights};
use crate::layer::window::{window_steps, Geometry};
use crate::layer::{BiasArray, DenseElement};
use crate::shape::{Const, Dyn, Padding, Sizes, StaticDim, Valid, WindowOutput};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// The Conv1D spec: `Conv1D<FILTERS, KERNEL, Activation, Padding, STRIDE>`
/// (Keras defaults: linear, `Valid`, stride 1). The input channels come from
/// the layer before; the output length is computed by the compiler.
///
/// ```
/// use corten::prelude::*;
/// use corten::sequential;
/// let model = sequential![Input<100, 8>, Conv1D<16, 5, Relu>];
/// assert_eq!(model.output_shape().to_string(), "(None, 96, 16)");
/// assert_eq!(model.param_count(), 5 * 8 * 16 + 16);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Conv1D<
    const FILTERS: usize,
    const KERNEL: usize,
    A: Activation = Linear,
    P: Padding = Valid,
    const STRIDE: usize = 1,
> {
    activation: A,
    initializers: Initializers,
    /// Keras's `use_bias=False`.
    no_bias: bool,
    padding: PhantomData<P>,
}

impl<const FILTERS: usize, const KERNEL: usize, A: Activation, P: Padding, const STRIDE: usize>
    Conv1D<FILTERS, KERNEL, A, P, STRIDE>
{
    /// A Conv1D layer over weights in Keras's layout `(kernel, channels,
    /// filters)`, in any storage, with `C` input channels; an error when a
    /// length does not fit.
    ///
    /// ```
    /// use corten::layer::Conv1D;
    /// use corten::shape::Const;
    /// use corten::{sequential, Tensor};
    /// // Differences of neighbours: kernel [-1, 1].
    /// let conv = Conv1D::<1, 2>::from_data::<Const<1>, f32, _, _>(vec![-1.0, 1.0], vec![0.0]).unwrap();
    /// let model = sequential![Input<4, 1>, (conv)];
    /// let y = model.predict(&Tensor::from_array([[[1.0f32], [4.0], [9.0], [16.0]]])).unwrap();
    /// assert_eq!(y.as_slice(), &[3.0, 5.0, 7.0]);
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn from_data<C: StaticDim, E: Element, K: Data<E>, B: Data<E>>(
        kernel: K,
        bias: B,
    ) -> Result<Built<Self, (FromInput, C), E, (K, B)>, Error> {
        Built::from_parts(Self::default(), (kernel, bias))
    }

    /// A Conv1D layer with the given weights in Keras's layout, nested
    /// arrays or references to them (`&'static` weights in flash, read in
    /// place; `const`, for a model built at compile time): kernel `[[[E;
    /// FILTERS]; channels]; KERNEL]`, bias `[E; FILTERS]`. Its input
    /// channels are the kernel's; a wrong size does not compile.
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::{sequential, Tensor};
    /// static KERNEL: [[[f32; 1]; 1]; 2] = [[[-1.0]], [[1.0]]];
    /// let model = sequential![Input<4, 1>, Conv1D::<1, 2>::from_weights(&KERNEL, [0.0f32])];
    /// let y = model.predict(&Tensor::from_array([[[1.0f32], [4.0], [9.0], [16.0]]]))?;
    /// assert_eq!(y.as_slice(), &[3.0, 5.0, 7.0]);
    /// # Ok::<(), corten::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub const fn from_weights<KA, B>(
        kernel: KA,
        bias: B,
    ) -> Built<Self, (FromInput, KA::Channels), KA::Element, (KA, B)>
    where
        KA: Conv1DKernelArray<KERNEL, FILTERS>,
        B: BiasArray<FILTERS, KA::Element>,
    {
        Built::new_unchecked(Self::new(), (kernel, bias))
    }
}

/// A Conv1D kernel given as a nested array in Keras's layout `(kernel,
/// channels, filters)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Conv1D of {FILTERS} filters with a kernel of {KERNEL} needs a kernel `[[[_; {FILTERS}]; channels]; {KERNEL}]`, but this kernel is `{Self}`",
    label = "Keras's kernel layout is (kernel, input channels, filters)"
)]
pub trait Conv1DKernelArray<const KERNEL: usize, const FILTERS: usize>: Rank3Array {}

impl<E: Element, const K: usize, const C: usize, const F: usize> Conv1DKernelArray<K, F>
    for [[[E; F]; C]; K]
{
}

/// A kernel borrowed in place (`&'static` weights in flash).
#[diagnostic::do_not_recommend]
impl<E: Element, const K: usize, const C: usize, const F: usize> Conv1DKernelArray<K, F>
    for &[[[E; F]; C]; K]
{
}

/// Any nested array `[[[E; C]; B]; A]`: the types a Conv1D built from it
/// has even when a size is wrong, so that a wrong kernel is one error.
pub trait Rank3Array: Data<Self::Element> {
    /// The element type.
    type Element: Element;
    /// The second axis (a kernel's input channels).
    type Channels: StaticDim;
}

impl<E: Element, const A: usize, const B: usize, const C: usize> Rank3Array for [[[E; C]; B]; A] {
    type Element = E;
    type Channels = Const<B>;
}

#[diagnostic::do_not_recommend]
impl<E: Element, const A: usize, const B: usize, const C: usize> Rank3Array for &[[[E; C]; B]; A] {
    type Element = E;
    type Channels = Const<B>;
}

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

/// Keras's layout: `(kernel, channels, filters)`.
impl<
        L,
        C: StaticDim,
        const F: usize,
        const KS: usize,
        A: Activation,
        P: Padding,
        const S: usize,
    > WeightShapes<(L, C)> for Conv1D<F, KS, A, P, S>
{
    fn weight_shape(index: usize) -> Sizes {
        match index {
            0 => Sizes::of([KS, C::SIZE, F]),
            _ => Sizes::of([F]),
        }
    }
}

/// A Conv1D takes any sequence at least as long as its kernel.
impl<L, C, const F: usize, const KS: usize, A, P, const S: usize, E> LayerOp<(L, C), E>
    for Conv1D<F, KS, A, P, S>
where
    L: WindowOutput<Const<KS>, Const<S>, P>,
    C: StaticDim,
    A: Activation,
    P: Padding,
    E: DenseElement,
{
    type Output = (Out<L, KS, S, P>, Const<F>);
    /// The im2col matrix (none on bare metal: the direct convolution).
    const SCRATCH_PER_SAMPLE: usize = match cfg!(target_os = "none") {
        true => 0,
        false => <Out<L, KS, S, P>>::SIZE * KS * C::SIZE,
    };

    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.run(
            Self::over(L::SIZE, C::SIZE),
            (w.at(0), w.at(1)),
            x,
            y,
            batch,
            scratch,
        );
    }

    /// Keeps the pre-activations for the backward pass.
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
        let g = Self::over(L::SIZE, C::SIZE);
        self.run_train(g, (w.at(0), w.at(1)), x, y, batch, tape);
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        self.run_backward(Self::over(L::SIZE, C::SIZE), w.at(0), pass, tape, grads);
    }
}

/// Over sequences of run-time length, the output length is computed when
/// the model runs (an error for a sequence shorter than a `Valid` kernel).
impl<C, const F: usize, const KS: usize, A, P, const S: usize, E> LayerOp<(Dyn, C), E>
    for Conv1D<F, KS, A, P, S>
where
    C: StaticDim,
    A: Activation,
    P: Padding,
    E: DenseElement,
{
    type Output = (Dyn, Const<F>);
    /// Per input step (the output has at most as many).
    const SCRATCH_PER_SAMPLE: usize = match cfg!(target_os = "none") {
        true => 0,
        false => KS * C::SIZE,
    };

    fn output_steps(&self, steps: usize) -> Result<usize, Error> {
        window_steps::<P>("Conv1D", steps, KS, S)
    }

    passes_over_steps!((Dyn, C));

    fn forward_steps<W: Weights<E>>(
        &self,
        w: &W,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        scratch: &mut [E],
    ) {
        self.run(
            Self::over(steps, C::SIZE),
            (w.at(0), w.at(1)),
            x,
            y,
            batch,
            scratch,
        );
    }

    #[cfg(feature = "std")]
    fn forward_train_steps<W: Weights<E>>(
        &self,
        w: &mut W,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        tape: &mut Tape<E>,
        _rng: &mut crate::random::Rng,
    ) {
        let g = Self::over(steps, C::SIZE);
        self.run_train(g, (w.at(0), w.at(1)), x, y, batch, tape);
    }

    #[cfg(feature = "std")]
    fn backward_steps<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        let g = Self::over(pass.steps, C::SIZE);
        self.run_backward(g, w.at(0), pass, tape, grads);
    }
}

/// The passes over a geometry, whether the steps are static or not.
impl<const F: usize, const KS: usize, A: Activation, P: Padding, const S: usize>
    Conv1D<F, KS, A, P, S>
{
    /// The windows over sequences of `steps` steps of `channels`.
    fn over(steps: usize, channels: usize) -> Geometry {
        Geometry::row::<P>(steps, channels, KS, S)
    }

    fn run<E: DenseElement>(
        &self,
        g: Geometry,
        (kernel, bias): (&[E], &[E]),
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
    ) {
        g.convolve(x, y, batch, scratch, (kernel, bias, F), &self.activation);
    }

    /// Keeps the pre-activations for the backward pass.
    #[cfg(feature = "std")]
    fn run_train<E: DenseElement>(
        &self,
        g: Geometry,
        (kernel, bias): (&[E], &[E]),
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut Tape<E>,
    ) {
        let scratch = batch * g.out_width * KS * g.channels;
        forward_keeping_z(tape, y, scratch, (&self.activation, F), |z, work| {
            g.convolve(x, z, batch, work, (kernel, bias, F), &Linear)
        });
    }

    #[cfg(feature = "std")]
    fn run_backward<E: DenseElement>(
        &self,
        g: Geometry,
        kernel: &[E],
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        activation_backward(&self.activation, &tape.cache, pass.y, pass.dy, F);
        let (d_kernel, d_bias) = grads.split_at_mut(KS * g.channels * F);
        g.convolve_backward(
            pass.x,
            pass.dy,
            pass.dx,
            pass.batch,
            kernel,
            d_kernel,
            (d_bias, F),
            1,
            &mut tape.scratch,
        );
    }
}

kernel_and_bias_layer!("Conv1D", "conv1d", "kernel", "sequential![Input<10, 2>, Conv1D<4, 3>.without_bias()]", [const F: usize, const KS: usize, A: Activation, P: Padding, const S: usize] Conv1D<F, KS, A, P, S>, padding);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::Sigmoid;
    use crate::layer::train::check;
    use crate::shape::Same;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Seq = (N<7>, N<3>);
        check::gradients(
            &check::build::<Seq, _>(Conv1D::<4, 3, Sigmoid>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Seq, _>(Conv1D::<2, 2, Sigmoid, Same, 2>::default()),
            2,
            None,
        );
    }
}
