//! `Conv2D`: a 2-D convolution over channels-last images `(height, width,
//! channels)`, computed as im2col + the matmul core.

use super::dense::DenseElement;
use super::window::Geometry;
use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::shape::{
    Const, DimMul, Extent, KernelExtent, Padding, Product, Shape, StaticDim, ToUInt, UIntOf, Valid,
    WindowOutput,
};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// The Conv2D spec as a model names it: `Conv2D<FILTERS, KERNEL, Activation,
/// Padding, STRIDE>` (square kernel and stride; Keras defaults: linear,
/// `Valid`, stride 1). The input channels come from the layer before; the
/// output height and width are computed by the compiler, and a kernel larger
/// than the input is a compile error.
///
/// ```
/// use corten::sequential;
/// use corten::shape::Same;
/// let model = sequential![Input<28, 28, 1>, Conv2D<16, 3, Relu>, Conv2D<8, 3, Relu, Same, 2>];
/// assert_eq!(model.output_shape().to_string(), "(None, 13, 13, 8)");
/// assert_eq!(model.param_count(), (3 * 3 * 1 * 16 + 16) + (3 * 3 * 16 * 8 + 8));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Conv2D<
    const FILTERS: usize,
    const KERNEL: usize,
    A: Activation = Linear,
    P: Padding = Valid,
    const STRIDE: usize = 1,
    const DILATION: usize = 1,
    const GROUPS: usize = 1,
> {
    activation: A,
    initializers: crate::init::Initializers,
    padding: PhantomData<P>,
}

/// A kernel given as a nested array in Keras's layout `(kernel, kernel,
/// channels, filters)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Conv2D of {FILTERS} filters with a {KERNEL}×{KERNEL} kernel needs a kernel `[[[[_; {FILTERS}]; channels]; {KERNEL}]; {KERNEL}]`, but this kernel is `{Self}`",
    label = "Keras's kernel layout is (kernel height, kernel width, input channels, filters)"
)]
pub trait ConvKernelArray<const KERNEL: usize, const FILTERS: usize>: Rank4Array {}

impl<E: Element, const K: usize, const C: usize, const F: usize> ConvKernelArray<K, F>
    for [[[[E; F]; C]; K]; K]
{
}

/// Any nested array `[[[[E; D]; C]; B]; A]`: the types a Conv2D built from it
/// has even when a size is wrong, so that a wrong kernel is one error.
pub trait Rank4Array: Data<Self::Element> {
    /// The element type.
    type Element: Element;
    /// The third axis (a kernel's input channels).
    type Channels: StaticDim;
}

impl<E: Element, const A: usize, const B: usize, const C: usize, const D: usize> Rank4Array
    for [[[[E; D]; C]; B]; A]
{
    type Element = E;
    type Channels = Const<C>;
}

impl<
        const FILTERS: usize,
        const KERNEL: usize,
        A: Activation,
        P: Padding,
        const STRIDE: usize,
        const DILATION: usize,
        const GROUPS: usize,
    > Conv2D<FILTERS, KERNEL, A, P, STRIDE, DILATION, GROUPS>
{
    /// The spec with a configured activation.
    pub fn with_activation(activation: A) -> Self {
        Conv2D {
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

    /// A Conv2D layer with the given weights (Keras layout), stored inline.
    /// Its input channels are the kernel's; height and width come from the
    /// layer before.
    ///
    /// ```
    /// use corten::{sequential, Tensor};
    /// // One 2×2 filter that sums its window, over a 3×3 single-channel image.
    /// let model = sequential![Input<3, 3, 1>, Conv2D<1, 2>::from_weights([[[[1.0f32]]; 2]; 2], [0.0])];
    /// let x = Tensor::from_array([[[[1.0f32], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]]]);
    /// assert_eq!(model.predict(&x).unwrap().as_slice(), &[12.0, 16.0, 24.0, 28.0]);
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn from_weights<KA, B>(
        kernel: KA,
        bias: B,
    ) -> Conv2DLayer<
        FILTERS,
        KERNEL,
        STRIDE,
        DILATION,
        GROUPS,
        Product<<KA as Rank4Array>::Channels, Const<GROUPS>>,
        P,
        A,
        <KA as Rank4Array>::Element,
        KA,
        B,
    >
    where
        KA: ConvKernelArray<KERNEL, FILTERS>,
        <KA as Rank4Array>::Channels: DimMul<Const<GROUPS>>,
        Const<GROUPS>: ToUInt,
        B: super::BiasArray<FILTERS, <KA as Rank4Array>::Element>,
    {
        Conv2DLayer::new_unchecked(kernel, bias, A::default())
    }

    /// A Conv2D layer over weights in any storage (a `Vec`, `&'static` data),
    /// with `C` input channels; an error when a length does not fit.
    pub fn from_data<C: StaticDim, E: Element, K: Data<E>, B: Data<E>>(
        kernel: K,
        bias: B,
    ) -> Result<Conv2DLayer<FILTERS, KERNEL, STRIDE, DILATION, GROUPS, C, P, A, E, K, B>, Error>
    {
        crate::error::check_weight(
            "Conv2D kernel",
            [KERNEL, KERNEL, C::SIZE / GROUPS.max(1), FILTERS],
            kernel.as_slice(),
        )?;
        crate::error::check_weight("Conv2D bias", [FILTERS], bias.as_slice())?;
        Ok(Conv2DLayer::new_unchecked(kernel, bias, A::default()))
    }
}

/// A built Conv2D layer over `C` input channels; `H × W` is the input image
/// size once the layer is in a model (`()` before).
#[derive(Clone)]
pub struct Conv2DLayer<
    const FILTERS: usize,
    const KERNEL: usize,
    const STRIDE: usize,
    const DILATION: usize,
    const GROUPS: usize,
    C,
    P,
    A,
    E,
    K,
    B,
    H = (),
    W = (),
> {
    kernel: K,
    bias: B,
    activation: A,
    name: LayerName,
    types: PhantomData<(C, P, E, H, W)>,
}

impl<
        const F: usize,
        const KS: usize,
        const S: usize,
        const DL: usize,
        const G: usize,
        C,
        P,
        A,
        E,
        K,
        B,
        H,
        W,
    > Conv2DLayer<F, KS, S, DL, G, C, P, A, E, K, B, H, W>
where
    A: Activation,
    E: Element,
    K: Data<E>,
    B: Data<E>,
{
    fn new_unchecked(kernel: K, bias: B, activation: A) -> Self {
        Conv2DLayer {
            kernel,
            bias,
            activation,
            name: LayerName {
                base: "conv2d",
                index: 0,
            },
            types: PhantomData,
        }
    }

    /// The kernel, Keras layout `(kernel, kernel, channels, filters)`, row-major.
    pub fn kernel(&self) -> &[E] {
        self.kernel.as_slice()
    }

    /// The bias, one value per filter.
    pub fn bias(&self) -> &[E] {
        self.bias.as_slice()
    }
}

impl<
        const F: usize,
        const KS: usize,
        const S: usize,
        const DL: usize,
        const G: usize,
        C,
        P,
        A: Activation,
        E,
        K,
        B,
        H,
        W,
    > core::fmt::Debug for Conv2DLayer<F, KS, S, DL, G, C, P, A, E, K, B, H, W>
where
    C: StaticDim,
    P: Padding,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Conv2D<{F}, {KS}×{KS}, stride {S}, {}>({}, {} channels in, {})",
            P::NAME,
            self.name,
            C::SIZE,
            A::NAME
        )
    }
}

macro_rules! groups_check {
    ($(#[$doc:meta])* $split:ident, $leaf:ident, $message:literal) => {
        /// The leaf of the groups check: implemented only for typenum's `U0`
        /// (the remainder of `Count / Groups`), carrying the readable sizes.
        #[diagnostic::on_unimplemented(
            message = $message,
            label = "with `groups`, the input channels and the filters must both divide evenly"
        )]
        pub trait $leaf<Count, Groups> {}

        impl<Count, Groups> $leaf<Count, Groups> for typenum::U0 {}

        $(#[$doc])*
        pub trait $split<const G: usize>: StaticDim {}

        impl<D, const G: usize> $split<G> for D
        where
            D: StaticDim + ToUInt,
            Const<G>: ToUInt,
            UIntOf<D>: core::ops::Rem<UIntOf<Const<G>>>,
            <UIntOf<D> as core::ops::Rem<UIntOf<Const<G>>>>::Output: $leaf<D, Const<G>>,
        {
        }
    };
}

groups_check!(
    /// `Self` input channels split into `G` equal groups.
    ChannelsSplit,
    ChannelsDivideEvenly,
    "shape mismatch: `{Count}` input channels cannot be split into `{Groups}` equal groups"
);
groups_check!(
    /// `Self` filters split into `G` equal groups.
    FiltersSplit,
    FiltersDivideEvenly,
    "shape mismatch: `{Count}` filters cannot be split into `{Groups}` equal groups"
);

/// `C` (a built layer's input channels) equals the channels the previous layer
/// gives.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the layer's weights expect `{Expected}` input channels but the previous layer gives `{Self}`",
    label = "the kernel's input-channel axis does not fit the images the layer before it gives"
)]
pub trait SameChannels<Expected> {}

impl<D: crate::shape::SameFeatures<X>, X> SameChannels<X> for D {}

type Out<D, const K: usize, const S: usize, const DL: usize, P> =
    <D as WindowOutput<Extent<K, DL>, Const<S>, P>>::Output;

impl<
        const F: usize,
        const KS: usize,
        const S: usize,
        const DL: usize,
        const G: usize,
        C,
        P,
        A,
        E,
        K,
        B,
        H,
        W,
    > Layer<E> for Conv2DLayer<F, KS, S, DL, G, C, P, A, E, K, B, H, W>
where
    C: StaticDim,
    (): KernelExtent<KS, DL>,
    Const<F>: FiltersSplit<G>,
    C: ChannelsSplit<G>,
    H: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    W: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    P: Padding,
    A: Activation,
    E: DenseElement,
    K: Data<E>,
    B: Data<E>,
{
    type Input = (H, W, C);
    type Output = (Out<H, KS, S, DL, P>, Out<W, KS, S, DL, P>, Const<F>);
    const SCRATCH_PER_SAMPLE: usize = if G == 1 && DL == 1 {
        // im2col or the padded-rows buffers, whichever is larger.
        let (oh, ow) = (<Out<H, KS, S, DL, P>>::SIZE, <Out<W, KS, S, DL, P>>::SIZE);
        let im2col = oh * ow * KS * KS * C::SIZE;
        let padded = (oh + KS - 1) * (ow + KS - 1) * C::SIZE + oh * (ow + KS - 1) * F;
        if im2col > padded {
            im2col
        } else {
            padded
        }
    } else {
        <Out<H, KS, S, DL, P>>::SIZE * <Out<W, KS, S, DL, P>>::SIZE * KS * KS * (C::SIZE / G)
    };

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        Geometry::dilated::<P>(H::SIZE, W::SIZE, C::SIZE, KS, S, DL).convolve_grouped(
            x,
            y,
            batch,
            scratch,
            kernel,
            bias,
            &self.activation,
            G,
        );
    }

    fn param_count(&self) -> usize {
        KS * KS * (C::SIZE / G) * F + F
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
        let g = Geometry::dilated::<P>(H::SIZE, W::SIZE, C::SIZE, KS, S, DL);
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        let scratch = batch * Self::SCRATCH_PER_SAMPLE;
        super::forward_keeping_z(
            &mut tape[0],
            y,
            scratch,
            (&self.activation, F),
            |z, work| {
                let linear = &crate::activation::Linear;
                g.convolve_grouped(x, z, batch, work, kernel, bias, linear, G)
            },
        );
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: super::Backprop<'_, E>, tape: &mut [super::Tape<E>], grads: &mut [E]) {
        super::activation_backward(&self.activation, &tape[0].cache, pass.y, pass.dy, F);
        let (d_kernel, d_bias) = grads.split_at_mut(KS * KS * (C::SIZE / G) * F);
        Geometry::dilated::<P>(H::SIZE, W::SIZE, C::SIZE, KS, S, DL).convolve_backward(
            pass.x,
            pass.dy,
            pass.dx,
            pass.batch,
            self.kernel.as_slice(),
            d_kernel,
            d_bias,
            G,
            &mut tape[0].scratch,
        );
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable("kernel", self.kernel.writable()));
        visit(super::Weight::trainable("bias", self.bias.writable()));
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (
            <Out<H, KS, S, DL, P>>::default(),
            <Out<W, KS, S, DL, P>>::default(),
            Const::<F>,
        )
            .sizes();
        row(SummaryRow {
            name: self.name,
            kind: "Conv2D",
            output,
            params: self.param_count(),
        })
    }
}

/// A Conv2D spec fits any image whose height and width hold its kernel; its
/// weights are drawn as Keras draws them (glorot_uniform kernel, zero bias).
#[cfg(feature = "std")]
impl<
        H,
        W,
        C,
        const F: usize,
        const KS: usize,
        A,
        P,
        const S: usize,
        const DL: usize,
        const G: usize,
        E,
    > BuildLayer<(H, W, C), E> for Conv2D<F, KS, A, P, S, DL, G>
where
    (): KernelExtent<KS, DL>,
    Const<F>: FiltersSplit<G>,
    C: ChannelsSplit<G>,
    H: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    W: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    C: StaticDim,
    A: Activation,
    P: Padding,
    E: DenseElement,
{
    type Layer =
        Conv2DLayer<F, KS, S, DL, G, C, P, A, E, alloc::vec::Vec<E>, alloc::vec::Vec<E>, H, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let receptive = KS * KS;
        let (fan_in, fan_out) = (receptive * (C::SIZE / G), receptive * F);
        let init = self.initializers;
        let kernel = init.kernel.fill(ctx.rng(), (fan_in, fan_out), fan_in, F);
        let bias = init.bias.fill(ctx.rng(), (F, F), 1, F);
        let name = ctx.name("conv2d");
        Conv2DLayer {
            kernel,
            bias,
            activation: self.activation,
            name,
            types: PhantomData,
        }
    }
}

/// A Conv2D layer whose weights are given fits images of its kernel's channels.
impl<
        H,
        W,
        D,
        const F: usize,
        const KS: usize,
        const S: usize,
        const DL: usize,
        const G: usize,
        C,
        P,
        A,
        E,
        K,
        B,
    > BuildLayer<(H, W, D), E> for Conv2DLayer<F, KS, S, DL, G, C, P, A, E, K, B>
where
    (): KernelExtent<KS, DL>,
    Const<F>: FiltersSplit<G>,
    D: ChannelsSplit<G>,
    H: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    W: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    D: StaticDim + SameChannels<C>,
    C: StaticDim,
    P: Padding,
    A: Activation,
    E: DenseElement,
    K: Data<E>,
    B: Data<E>,
{
    type Layer = Conv2DLayer<F, KS, S, DL, G, D, P, A, E, K, B, H, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let name = ctx.name("conv2d");
        Conv2DLayer {
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
    use crate::activation::Tanh;
    use crate::layer::train::check;
    use crate::shape::{Same, Valid};
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<5>, N<6>, N<4>);
        check::gradients(
            &check::build::<Img, _>(Conv2D::<3, 3, Tanh>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(Conv2D::<2, 3, Tanh, Same, 2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(Conv2D::<2, 2, Tanh, Valid, 1, 2>::default()),
            1,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(Conv2D::<4, 3, Tanh, Same, 1, 1, 2>::default()),
            1,
            None,
        );
    }
}
