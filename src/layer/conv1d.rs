//! `Conv1D`: a 1-D convolution over sequences `(steps, channels)`, computed
//! as im2col + the matmul core.

use super::conv2d::SameChannels;
use super::dense::DenseElement;
use super::window::Geometry;
use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::shape::{Const, Padding, Shape, StaticDim, Valid, WindowOutput};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// The Conv1D spec: `Conv1D<FILTERS, KERNEL, Activation, Padding, STRIDE>`
/// (Keras defaults: linear, `Valid`, stride 1). The input channels come from
/// the layer before; the output length is computed by the compiler.
///
/// ```
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
    initializers: crate::init::Initializers,
    padding: PhantomData<P>,
}

impl<const FILTERS: usize, const KERNEL: usize, A: Activation, P: Padding, const STRIDE: usize>
    Conv1D<FILTERS, KERNEL, A, P, STRIDE>
{
    /// The spec with a configured activation.
    pub fn with_activation(activation: A) -> Self {
        Conv1D {
            activation,
            initializers: Default::default(),
            padding: PhantomData,
        }
    }

    /// This spec with other kernel and bias initializers (Keras's
    /// `kernel_initializer`, `bias_initializer`); an error when one's parameters
    /// are invalid ([`Initializer::check`](crate::init::Initializer::check)).
    pub fn with_initializers(
        mut self,
        kernel: crate::init::Initializer,
        bias: crate::init::Initializer,
    ) -> Result<Self, Error> {
        self.initializers = crate::init::Initializers::new(kernel, bias)?;
        Ok(self)
    }

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
    pub fn from_data<C: StaticDim, E: Element, K: Data<E>, B: Data<E>>(
        kernel: K,
        bias: B,
    ) -> Result<Conv1DLayer<FILTERS, KERNEL, STRIDE, C, P, A, E, K, B>, Error> {
        crate::error::check_weight(
            "Conv1D kernel",
            [KERNEL, C::SIZE, FILTERS],
            kernel.as_slice(),
        )?;
        crate::error::check_weight("Conv1D bias", [FILTERS], bias.as_slice())?;
        let name = LayerName {
            base: "conv1d",
            index: 0,
        };
        Ok(Conv1DLayer {
            kernel,
            bias,
            activation: A::default(),
            name,
            types: PhantomData,
        })
    }
}

/// A built Conv1D layer over `C` input channels and `L` steps (`()` before it
/// is in a model).
#[derive(Clone)]
pub struct Conv1DLayer<
    const FILTERS: usize,
    const KERNEL: usize,
    const STRIDE: usize,
    C,
    P,
    A,
    E,
    K,
    B,
    L = (),
> {
    kernel: K,
    bias: B,
    activation: A,
    name: LayerName,
    types: PhantomData<(C, P, E, L)>,
}

impl<
        const F: usize,
        const KS: usize,
        const S: usize,
        C,
        P,
        A,
        E: Element,
        K: Data<E>,
        B: Data<E>,
        L,
    > Conv1DLayer<F, KS, S, C, P, A, E, K, B, L>
{
    /// The kernel, Keras layout `(kernel, channels, filters)`, row-major.
    pub fn kernel(&self) -> &[E] {
        self.kernel.as_slice()
    }
}

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

impl<const F: usize, const KS: usize, const S: usize, C, P, A, E, K, B, L> Layer<E>
    for Conv1DLayer<F, KS, S, C, P, A, E, K, B, L>
where
    C: StaticDim,
    L: WindowOutput<Const<KS>, Const<S>, P>,
    P: Padding,
    A: Activation,
    E: DenseElement,
    K: Data<E>,
    B: Data<E>,
{
    type Input = (L, C);
    type Output = (Out<L, KS, S, P>, Const<F>);
    const SCRATCH_PER_SAMPLE: usize = <Out<L, KS, S, P>>::SIZE * KS * C::SIZE;

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        Geometry::row::<P>(L::SIZE, C::SIZE, KS, S).convolve(
            x,
            y,
            batch,
            scratch,
            kernel,
            bias,
            &self.activation,
        );
    }

    fn param_count(&self) -> usize {
        KS * C::SIZE * F + F
    }

    /// Keeps the pre-activations for the backward pass.
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [super::Tape<E>],
        _rng: &mut crate::random::Rng,
    ) {
        let g = Geometry::row::<P>(L::SIZE, C::SIZE, KS, S);
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        let scratch = batch * Self::SCRATCH_PER_SAMPLE;
        super::forward_keeping_z(
            &mut tape[0],
            y,
            scratch,
            (&self.activation, F),
            |z, work| g.convolve(x, z, batch, work, kernel, bias, &crate::activation::Linear),
        );
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: super::Backprop<'_, E>, tape: &mut [super::Tape<E>], grads: &mut [E]) {
        super::activation_backward(&self.activation, &tape[0].cache, pass.y, pass.dy, F);
        let (d_kernel, d_bias) = grads.split_at_mut(KS * C::SIZE * F);
        Geometry::row::<P>(L::SIZE, C::SIZE, KS, S).convolve_backward(
            pass.x,
            pass.dy,
            pass.dx,
            pass.batch,
            self.kernel.as_slice(),
            d_kernel,
            d_bias,
            1,
            &mut tape[0].scratch,
        );
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable("kernel", self.kernel.writable()));
        visit(super::Weight::trainable("bias", self.bias.writable()));
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (<Out<L, KS, S, P>>::default(), Const::<F>).sizes();
        row(SummaryRow {
            name: self.name,
            kind: "Conv1D",
            output,
            params: self.param_count(),
        })
    }
}

/// A Conv1D spec fits any sequence long enough for its kernel; its weights are
/// drawn as Keras draws them (glorot_uniform kernel, zero bias).
#[cfg(feature = "std")]
impl<L, C, const F: usize, const KS: usize, A, P, const S: usize, E> BuildLayer<(L, C), E>
    for Conv1D<F, KS, A, P, S>
where
    L: WindowOutput<Const<KS>, Const<S>, P>,
    C: StaticDim,
    A: Activation,
    P: Padding,
    E: DenseElement,
{
    type Layer = Conv1DLayer<F, KS, S, C, P, A, E, alloc::vec::Vec<E>, alloc::vec::Vec<E>, L>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let init = self.initializers;
        let kernel = init
            .kernel
            .fill(ctx.rng(), (KS * C::SIZE, KS * F), KS * C::SIZE, F);
        let bias = init.bias.fill(ctx.rng(), (F, F), 1, F);
        Conv1DLayer {
            kernel,
            bias,
            activation: self.activation,
            name: ctx.name("conv1d"),
            types: PhantomData,
        }
    }
}

/// A Conv1D layer whose weights are given fits sequences of its kernel's channels.
impl<L, D, const F: usize, const KS: usize, const S: usize, C, P, A, E, K, B> BuildLayer<(L, D), E>
    for Conv1DLayer<F, KS, S, C, P, A, E, K, B>
where
    L: WindowOutput<Const<KS>, Const<S>, P>,
    D: StaticDim + SameChannels<C>,
    C: StaticDim,
    P: Padding,
    A: Activation,
    E: DenseElement,
    K: Data<E>,
    B: Data<E>,
{
    type Layer = Conv1DLayer<F, KS, S, D, P, A, E, K, B, L>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let name = ctx.name("conv1d");
        Conv1DLayer {
            kernel: self.kernel,
            bias: self.bias,
            activation: self.activation,
            name,
            types: PhantomData,
        }
    }
}

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
