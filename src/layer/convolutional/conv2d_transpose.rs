//! `Conv2DTranspose`: the transpose of a strided convolution (a learned
//! upsampling), each input pixel scattered through the kernel.

use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::init::Initializers;
use crate::layer::machinery::kernel_and_bias_layer;
#[cfg(feature = "std")]
use crate::layer::machinery::train::{
    activation_backward, forward_keeping_z, sum_rows, tap_gradients, Backprop, Tape,
};
use crate::layer::machinery::{Built, FromInput, LayerOp, WeightShapes, Weights};
use crate::layer::{activate_in_place, BiasArray};
use crate::shape::{
    Const, Difference, DimAdd, DimMul, DimSub, Product, Same, Sizes, StaticDim, Sum, ToUInt, Valid,
};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// Keras `Conv2DTranspose(filters, kernel_size=KERNEL, strides=STRIDE,
/// padding=P)`: `(h, w, c)` becomes `(h·S + K − S, w·S + K − S, filters)` with
/// `Valid` padding (kernels at least as large as the stride) and
/// `(h·S, w·S, filters)` with `Same`. Kernel layout, as Keras:
/// `(kernel, kernel, filters, channels)`.
///
/// ```
/// use corten::layer::Conv2DTranspose;
/// use corten::shape::Const;
/// use corten::{sequential, Tensor};
/// // A 2×2 kernel of ones at stride 2 copies each pixel into a 2×2 block.
/// let up = Conv2DTranspose::<1, 2, corten::activation::Linear, corten::shape::Valid, 2>::from_data::<Const<1>, f32, _, _>(
///     vec![1.0; 4], vec![0.0]).unwrap();
/// let model = sequential![Input<1, 2, 1>, (up)];
/// assert_eq!(model.output_shape().to_string(), "(None, 2, 4, 1)");
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Conv2DTranspose<
    const FILTERS: usize,
    const KERNEL: usize,
    A: Activation = Linear,
    P = Valid,
    const STRIDE: usize = 1,
> {
    activation: A,
    initializers: Initializers,
    /// Keras's `use_bias=False`.
    no_bias: bool,
    padding: PhantomData<P>,
}

/// `D·S + (K − S)` for `Valid`.
pub type ValidTransposed<D, const K: usize, const S: usize> =
    Sum<Product<D, Const<S>>, Difference<Const<K>, Const<S>>>;

/// `(output size, pad before)` for each padding mode.
pub trait TransposeRule<D, const K: usize, const S: usize> {
    /// The output size.
    type Output: StaticDim;
    /// Padding removed before the first output element.
    const PAD_BEFORE: usize;
}

impl<D, const K: usize, const S: usize> TransposeRule<D, K, S> for Valid
where
    D: DimMul<Const<S>>,
    Const<S>: ToUInt,
    Const<K>: DimSub<Const<S>>,
    Product<D, Const<S>>: DimAdd<Difference<Const<K>, Const<S>>>,
{
    type Output = ValidTransposed<D, K, S>;
    const PAD_BEFORE: usize = 0;
}

impl<D, const K: usize, const S: usize> TransposeRule<D, K, S> for Same
where
    D: DimMul<Const<S>>,
    Const<S>: ToUInt,
{
    type Output = Product<D, Const<S>>;
    const PAD_BEFORE: usize = K.saturating_sub(S) / 2;
}

type Out<P, D, const K: usize, const S: usize> = <P as TransposeRule<D, K, S>>::Output;

impl<
        const F: usize,
        const K: usize,
        A: Activation,
        P: Copy + core::fmt::Debug + Default,
        const S: usize,
    > Conv2DTranspose<F, K, A, P, S>
{
    /// A layer over weights in any storage, for `C` input channels: kernel
    /// `(K, K, F, C)`, bias `F`; an error when a length does not fit.
    #[allow(clippy::type_complexity)]
    pub fn from_data<C: StaticDim, E: Element, KD: Data<E>, B: Data<E>>(
        kernel: KD,
        bias: B,
    ) -> Result<Built<Self, (FromInput, FromInput, C), E, (KD, B)>, Error> {
        Built::from_parts(Self::default(), (kernel, bias))
    }

    /// A layer with the given weights in Keras's layout, nested arrays or
    /// references to them (`&'static` weights in flash, read in place;
    /// `const`, for a model built at compile time): kernel `[[[[E;
    /// channels]; F]; K]; K]`, bias `[E; F]`. Its input channels are the
    /// kernel's; a wrong size does not compile.
    ///
    /// ```
    /// use corten::layer::Conv2DTranspose;
    /// use corten::prelude::*;
    /// use corten::shape::Valid;
    /// use corten::{sequential, Tensor};
    /// // Stride 2, a 2×2 kernel of ones: each pixel spread over a 2×2 block.
    /// let up = Conv2DTranspose::<1, 2, Linear, Valid, 2>::from_weights([[[[1.0f32]]; 2]; 2], [0.0]);
    /// let model = sequential![Input<1, 1, 1>, (up)];
    /// assert_eq!(model.predict(&Tensor::from_array([[[[3.0f32]]]]))?.as_slice(), &[3.0; 4]);
    /// # Ok::<(), corten::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub const fn from_weights<KA, B>(
        kernel: KA,
        bias: B,
    ) -> Built<Self, (FromInput, FromInput, KA::Channels), KA::Element, (KA, B)>
    where
        KA: TransposeKernelArray<K, F>,
        B: BiasArray<F, KA::Element>,
    {
        Built::new_unchecked(Self::new(), (kernel, bias))
    }
}

/// A Conv2DTranspose kernel given as a nested array in Keras's layout
/// `(kernel, kernel, filters, channels)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a Conv2DTranspose of {F} filters with a {K}×{K} kernel needs a kernel `[[[[_; channels]; {F}]; {K}]; {K}]`, but this kernel is `{Self}`",
    label = "Keras's transposed kernel layout is (kernel height, kernel width, filters, input channels)"
)]
pub trait TransposeKernelArray<const K: usize, const F: usize>: Data<Self::Element> {
    /// The element type.
    type Element: Element;
    /// The last axis: the input channels.
    type Channels: StaticDim;
}

impl<E: Element, const K: usize, const F: usize, const C: usize> TransposeKernelArray<K, F>
    for [[[[E; C]; F]; K]; K]
{
    type Element = E;
    type Channels = Const<C>;
}

/// A kernel borrowed in place (`&'static` weights in flash).
#[diagnostic::do_not_recommend]
impl<E: Element, const K: usize, const F: usize, const C: usize> TransposeKernelArray<K, F>
    for &[[[[E; C]; F]; K]; K]
{
    type Element = E;
    type Channels = Const<C>;
}

/// Calls `tap(x index, kernel index, output index)` for every product of the
/// transposed convolution: input pixel `(ih, iw)` scattered through the
/// kernel to output pixel `(ih·S + kh − pad, iw·S + kw − pad)`.
fn for_each_tap<const F: usize, const K: usize, const S: usize, C, H, W, P>(
    batch: usize,
    mut tap: impl FnMut(usize, usize, usize),
) where
    C: StaticDim,
    H: StaticDim,
    W: StaticDim,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S>,
{
    let c = C::SIZE;
    let (oh_n, ow_n) = (<Out<P, H, K, S>>::SIZE, <Out<P, W, K, S>>::SIZE);
    let (pad_top, pad_left) = (
        <P as TransposeRule<H, K, S>>::PAD_BEFORE,
        <P as TransposeRule<W, K, S>>::PAD_BEFORE,
    );
    let (image_in, image_out) = (H::SIZE * W::SIZE * c, oh_n * ow_n * F);
    for b in 0..batch {
        for ih in 0..H::SIZE {
            for iw in 0..W::SIZE {
                let cell = b * image_in + (ih * W::SIZE + iw) * c;
                for kh in 0..K {
                    let Some(oh) = (ih * S + kh).checked_sub(pad_top).filter(|&o| o < oh_n) else {
                        continue;
                    };
                    for kw in 0..K {
                        let Some(ow) = (iw * S + kw).checked_sub(pad_left).filter(|&o| o < ow_n)
                        else {
                            continue;
                        };
                        let out = b * image_out + (oh * ow_n + ow) * F;
                        let taps = (kh * K + kw) * F * c;
                        for f in 0..F {
                            for ch in 0..c {
                                tap(cell + ch, taps + f * c + ch, out + f);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `z = x ⊛ kernel + bias`, before the activation.
fn pre_activation<const F: usize, const K: usize, const S: usize, C, H, W, P, E: Element>(
    kernel: &[E],
    bias: &[E],
    x: &[E],
    z: &mut [E],
    batch: usize,
) where
    C: StaticDim,
    H: StaticDim,
    W: StaticDim,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S>,
{
    if F == 0 {
        return;
    }
    for pixel in z.chunks_exact_mut(F) {
        match bias.is_empty() {
            true => pixel.fill(E::ZERO),
            false => pixel.copy_from_slice(bias),
        }
    }
    for_each_tap::<F, K, S, C, H, W, P>(batch, |xi, ki, zi| z[zi] += x[xi] * kernel[ki]);
}

/// Keras's layout: `(kernel, kernel, filters, channels)`.
impl<H, W, C, const F: usize, const K: usize, A, P, const S: usize> WeightShapes<(H, W, C)>
    for Conv2DTranspose<F, K, A, P, S>
where
    C: StaticDim,
    A: Activation,
    P: Copy + core::fmt::Debug + Default,
{
    fn weight_shape(index: usize) -> Sizes {
        match index {
            0 => Sizes::of([K, K, F, C::SIZE]),
            _ => Sizes::of([F]),
        }
    }
}

impl<H, W, C, const F: usize, const K: usize, A, P, const S: usize, E> LayerOp<(H, W, C), E>
    for Conv2DTranspose<F, K, A, P, S>
where
    H: StaticDim,
    W: StaticDim,
    C: StaticDim,
    A: Activation,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S> + Copy + core::fmt::Debug + Default,
    E: Element,
{
    type Output = (Out<P, H, K, S>, Out<P, W, K, S>, Const<F>);

    fn forward<WS: Weights<E>>(&self, w: &WS, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        pre_activation::<F, K, S, C, H, W, P, E>(w.at(0), w.at(1), x, y, batch);
        activate_in_place(&self.activation, y, F);
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
        forward_keeping_z(tape, y, 0, (&self.activation, F), |z, _| {
            pre_activation::<F, K, S, C, H, W, P, E>(w.at(0), w.at(1), x, z, batch)
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
        let (d_kernel, d_bias) = grads.split_at_mut(K * K * F * C::SIZE);
        sum_rows(pass.dy, d_bias);
        let tap = tap_gradients((pass.x, &*pass.dy, w.at(0)), d_kernel, pass.dx);
        for_each_tap::<F, K, S, C, H, W, P>(pass.batch, tap);
    }
}

kernel_and_bias_layer!("Conv2DTranspose", "conv2d_transpose", "kernel", "sequential![Input<4, 4, 2>, Conv2DTranspose<4, 3>.without_bias()]", [const F: usize, const K: usize, A: Activation, P: Copy + core::fmt::Debug + Default, const S: usize] Conv2DTranspose<F, K, A, P, S>, padding);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::Tanh;
    use crate::layer::train::check;
    use crate::shape::{Same, Valid};
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<3>, N<4>, N<2>);
        check::gradients(
            &check::build::<Img, _>(Conv2DTranspose::<3, 3, Tanh>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(Conv2DTranspose::<2, 3, Tanh, Same, 2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(Conv2DTranspose::<2, 2, Tanh, Valid, 2>::default()),
            1,
            None,
        );
    }
}
