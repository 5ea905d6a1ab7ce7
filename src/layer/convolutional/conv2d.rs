//! `Conv2D`: a 2-D convolution over channels-last images `(height, width,
//! channels)`, computed as im2col + the matmul core.

use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::init::Initializers;
use crate::layer::machinery::kernel_and_bias_layer;
#[cfg(feature = "std")]
use crate::layer::machinery::train::{activation_backward, forward_keeping_z, Backprop, Tape};
use crate::layer::machinery::{Built, FromInput, LayerOp, WeightShapes, Weights};
use crate::layer::window::Geometry;
use crate::layer::{BiasArray, DenseElement};
use crate::shape::{
    Const, DimMul, Extent, KernelExtent, Padding, Product, Sizes, StaticDim, ToUInt, UIntOf, Valid,
    WindowOutput,
};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// The Conv2D spec as a model names it: `Conv2D<FILTERS, KERNEL, Activation,
/// Padding, STRIDE, DILATION, GROUPS, KERNEL_W, STRIDE_W, DILATION_W>` (Keras
/// defaults: linear, `Valid`, stride 1; the kernel, the stride and the
/// dilation are square unless `KERNEL_W`, `STRIDE_W` and `DILATION_W` say
/// otherwise: Keras's `Conv2D(10, (3, 2), strides=(2, 1))` is `Conv2D<10, 3,
/// Linear, Valid, 2, 1, 1, 2, 1>`, `Conv2D(10, 3, dilation_rate=(2, 1))` is
/// `Conv2D<10, 3, Linear, Valid, 1, 2, 1, 3, 1, 1>`). The input channels
/// come from the layer before; the output height and width are computed by
/// the compiler, and a kernel larger than the input is a compile error.
///
/// ```
/// use corten::prelude::*;
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
    const KERNEL_W: usize = KERNEL,
    const STRIDE_W: usize = STRIDE,
    const DILATION_W: usize = DILATION,
> {
    activation: A,
    initializers: Initializers,
    /// Keras's `use_bias=False`.
    no_bias: bool,
    padding: PhantomData<P>,
}

/// A kernel given as a nested array in Keras's layout `(kernel, kernel,
/// channels, filters)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Conv2D of {FILTERS} filters with a {KERNEL}×{KERNEL_W} kernel needs a kernel `[[[[_; {FILTERS}]; channels]; {KERNEL_W}]; {KERNEL}]`, but this kernel is `{Self}`",
    label = "Keras's kernel layout is (kernel height, kernel width, input channels, filters)"
)]
pub trait ConvKernelArray<const KERNEL: usize, const FILTERS: usize, const KERNEL_W: usize = KERNEL>:
    Rank4Array
{
}

impl<E: Element, const KH: usize, const KW: usize, const C: usize, const F: usize>
    ConvKernelArray<KH, F, KW> for [[[[E; F]; C]; KW]; KH]
{
}

/// A kernel borrowed in place (`&'static` weights in flash).
#[diagnostic::do_not_recommend]
impl<E: Element, const KH: usize, const KW: usize, const C: usize, const F: usize>
    ConvKernelArray<KH, F, KW> for &[[[[E; F]; C]; KW]; KH]
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

#[diagnostic::do_not_recommend]
impl<E: Element, const A: usize, const B: usize, const C: usize, const D: usize> Rank4Array
    for &[[[[E; D]; C]; B]; A]
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
        const KERNEL_W: usize,
        const STRIDE_W: usize,
        const DILATION_W: usize,
    > Conv2D<FILTERS, KERNEL, A, P, STRIDE, DILATION, GROUPS, KERNEL_W, STRIDE_W, DILATION_W>
{
    /// A Conv2D layer with the given weights (Keras layout), stored inline.
    /// Its input channels are the kernel's; height and width come from the
    /// layer before.
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::{sequential, Tensor};
    /// // One 2×2 filter that sums its window, over a 3×3 single-channel image.
    /// let model = sequential![Input<3, 3, 1>, Conv2D<1, 2>::from_weights([[[[1.0f32]]; 2]; 2], [0.0])];
    /// let x = Tensor::from_array([[[[1.0f32], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]]]);
    /// assert_eq!(model.predict(&x).unwrap().as_slice(), &[12.0, 16.0, 24.0, 28.0]);
    /// ```
    #[allow(clippy::type_complexity)]
    pub const fn from_weights<KA, B>(
        kernel: KA,
        bias: B,
    ) -> Built<
        Self,
        (FromInput, FromInput, Product<KA::Channels, Const<GROUPS>>),
        KA::Element,
        (KA, B),
    >
    where
        KA: ConvKernelArray<KERNEL, FILTERS, KERNEL_W>,
        KA::Channels: DimMul<Const<GROUPS>>,
        Const<GROUPS>: ToUInt,
        B: BiasArray<FILTERS, KA::Element>,
    {
        Built::new_unchecked(Self::new(), (kernel, bias))
    }

    /// A Conv2D layer over weights in any storage (a `Vec`, `&'static` data),
    /// with `C` input channels; an error when a length does not fit or a
    /// value is NaN or infinite.
    #[allow(clippy::type_complexity)]
    pub fn from_data<C: StaticDim, E: Element, K: Data<E>, B: Data<E>>(
        kernel: K,
        bias: B,
    ) -> Result<Built<Self, (FromInput, FromInput, C), E, (K, B)>, Error> {
        Built::from_parts(Self::default(), (kernel, bias))
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

type Out<D, const K: usize, const S: usize, const DL: usize, P> =
    <D as WindowOutput<Extent<K, DL>, Const<S>, P>>::Output;

/// Keras's layout: `(kernel, kernel, channels / groups, filters)`.
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
        const KW: usize,
        const SW: usize,
        const DW: usize,
    > WeightShapes<(H, W, C)> for Conv2D<F, KS, A, P, S, DL, G, KW, SW, DW>
where
    C: StaticDim,
    A: Activation,
    P: Padding,
{
    fn weight_shape(index: usize) -> Sizes {
        match index {
            0 => Sizes::of([KS, KW, C::SIZE / G.max(1), F]),
            _ => Sizes::of([F]),
        }
    }
}

/// A Conv2D takes any image whose height and width hold its kernel and
/// whose channels split into its groups.
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
        const KW: usize,
        const SW: usize,
        const DW: usize,
        E,
    > LayerOp<(H, W, C), E> for Conv2D<F, KS, A, P, S, DL, G, KW, SW, DW>
where
    (): KernelExtent<KS, DL> + KernelExtent<KW, DW>,
    Const<F>: FiltersSplit<G>,
    C: ChannelsSplit<G>,
    H: WindowOutput<Extent<KS, DL>, Const<S>, P>,
    W: WindowOutput<Extent<KW, DW>, Const<SW>, P>,
    P: Padding,
    A: Activation,
    E: DenseElement,
{
    type Output = (Out<H, KS, S, DL, P>, Out<W, KW, SW, DW, P>, Const<F>);
    const SCRATCH_PER_SAMPLE: usize = if G == 1 && cfg!(target_os = "none") {
        // Bare metal: the direct convolution, which needs none.
        0
    } else if G == 1 && DL == 1 && DW == 1 {
        // im2col or the padded-rows buffers, whichever is larger.
        let (oh, ow) = (<Out<H, KS, S, DL, P>>::SIZE, <Out<W, KW, SW, DW, P>>::SIZE);
        let im2col = oh * ow * KS * KW * C::SIZE;
        let padded = (oh + KS - 1) * (ow + KW - 1) * C::SIZE + oh * (ow + KW - 1) * F;
        if im2col > padded {
            im2col
        } else {
            padded
        }
    } else {
        <Out<H, KS, S, DL, P>>::SIZE * <Out<W, KW, SW, DW, P>>::SIZE * KS * KW * (C::SIZE / G)
    };

    fn forward<WS: Weights<E>>(
        &self,
        w: &WS,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
    ) {
        Self::geometry::<H, W, C>().convolve_grouped(
            x,
            y,
            batch,
            scratch,
            (w.at(0), w.at(1), F),
            &self.activation,
            G,
        );
    }

    /// Keeps the pre-activations for the backward pass.
    #[cfg(feature = "std")]
    fn forward_train<WS: Weights<E>>(
        &self,
        w: &mut WS,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut Tape<E>,
        _rng: &mut crate::random::Rng,
    ) {
        let g = Self::geometry::<H, W, C>();
        let scratch = batch * <Self as LayerOp<(H, W, C), E>>::SCRATCH_PER_SAMPLE;
        forward_keeping_z(tape, y, scratch, (&self.activation, F), |z, work| {
            g.convolve_grouped(x, z, batch, work, (w.at(0), w.at(1), F), &Linear, G)
        });
    }

    #[cfg(feature = "std")]
    fn backward<WS: Weights<E>>(
        &self,
        w: &WS,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        activation_backward(&self.activation, &tape.cache, pass.y, pass.dy, F);
        let (d_kernel, d_bias) = grads.split_at_mut(KS * KW * (C::SIZE / G) * F);
        Self::geometry::<H, W, C>().convolve_backward(
            pass.x,
            pass.dy,
            pass.dx,
            pass.batch,
            w.at(0),
            d_kernel,
            (d_bias, F),
            G,
            &mut tape.scratch,
        );
    }
}

impl<
        const F: usize,
        const KS: usize,
        A: Activation,
        P: Padding,
        const S: usize,
        const DL: usize,
        const G: usize,
        const KW: usize,
        const SW: usize,
        const DW: usize,
    > Conv2D<F, KS, A, P, S, DL, G, KW, SW, DW>
{
    /// The windows over `(H, W, C)` images.
    fn geometry<H: StaticDim, W: StaticDim, C: StaticDim>() -> Geometry {
        Geometry::rect::<P>((H::SIZE, W::SIZE, C::SIZE), (KS, KW), (S, SW), (DL, DW))
    }
}

kernel_and_bias_layer!("Conv2D", "conv2d", "kernel", "sequential![Input<8, 8, 2>, Conv2D<4, 3>.without_bias()]", [const F: usize, const KS: usize, A: Activation, P: Padding, const S: usize, const DL: usize, const G: usize, const KW: usize, const SW: usize, const DW: usize] Conv2D<F, KS, A, P, S, DL, G, KW, SW, DW>, padding);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::Tanh;
    use crate::layer::train::check;
    use crate::shape::{Same, Valid};
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        // Under miri (each probe interprets two forward passes) a smaller
        // image: every path (im2col, strided same, dilated, grouped) still runs.
        #[cfg(not(miri))]
        type Img = (N<5>, N<6>, N<4>);
        #[cfg(miri)]
        type Img = (N<4>, N<4>, N<2>);
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
        // Keras's pairs: a 3×2 kernel with strides (2, 1), a 2×3 one with
        // strides (1, 2), same padding.
        check::gradients(
            &check::build::<Img, _>(Conv2D::<2, 3, Tanh, Valid, 2, 1, 1, 2, 1>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(Conv2D::<2, 2, Tanh, Same, 1, 1, 1, 3, 2>::default()),
            1,
            None,
        );
        // Dilation as a pair: (2, 1).
        check::gradients(
            &check::build::<Img, _>(Conv2D::<2, 2, Tanh, Valid, 1, 2, 1, 2, 1, 1>::default()),
            1,
            None,
        );
    }

    #[test]
    fn rectangular_kernels_and_strides_have_keras_shapes() {
        let layer =
            check::build::<(N<7>, N<6>, N<2>), _>(
                Conv2D::<10, 3, Tanh, Valid, 2, 1, 1, 2, 1>::default(),
            );
        assert_eq!(layer.weight(0).len(), 3 * 2 * 2 * 10);
        // (7 − 3) / 2 + 1 = 3 rows, (6 − 2) / 1 + 1 = 5 columns.
        let out = <Conv2D<10, 3, Tanh, Valid, 2, 1, 1, 2, 1> as LayerOp<(N<7>, N<6>, N<2>), f64>>::Output::default();
        assert_eq!(crate::shape::Shape::sizes(&out).as_slice(), [3, 5, 10]);
    }
}
