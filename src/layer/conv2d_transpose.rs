//! `Conv2DTranspose`: the transpose of a strided convolution (a learned
//! upsampling), each input pixel scattered through the kernel.

use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::shape::{
    Const, Difference, DimAdd, DimMul, DimSub, Product, Same, Shape, StaticDim, Sum, ToUInt, Valid,
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
    initializers: crate::init::Initializers,
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

impl<const F: usize, const K: usize, A: Activation, P, const S: usize>
    Conv2DTranspose<F, K, A, P, S>
{
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

    /// A layer over weights in any storage, for `C` input channels: kernel
    /// `(K, K, F, C)`, bias `F`; an error when a length does not fit.
    pub fn from_data<C: StaticDim, E: Element, KD: Data<E>, B: Data<E>>(
        kernel: KD,
        bias: B,
    ) -> Result<Conv2DTransposeLayer<F, K, S, C, P, A, E, KD, B>, Error> {
        crate::error::check_weight(
            "Conv2DTranspose kernel",
            [K, K, F, C::SIZE],
            kernel.as_slice(),
        )?;
        crate::error::check_weight("Conv2DTranspose bias", [F], bias.as_slice())?;
        let name = LayerName {
            base: "conv2d_transpose",
            index: 0,
        };
        Ok(Conv2DTransposeLayer {
            kernel,
            bias,
            activation: A::default(),
            name,
            types: PhantomData,
        })
    }
}

/// A built Conv2DTranspose over `C` channels of `H × W` images (`()` before
/// it is in a model).
#[derive(Clone)]
pub struct Conv2DTransposeLayer<
    const F: usize,
    const K: usize,
    const S: usize,
    C,
    P,
    A,
    E,
    KD,
    B,
    H = (),
    W = (),
> {
    kernel: KD,
    bias: B,
    activation: A,
    name: LayerName,
    types: PhantomData<(C, P, E, H, W)>,
}

impl<const F: usize, const K: usize, const S: usize, C, P, A, E, KD, B, H, W>
    Conv2DTransposeLayer<F, K, S, C, P, A, E, KD, B, H, W>
where
    C: StaticDim,
    H: StaticDim,
    W: StaticDim,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S>,
    E: Element,
    KD: Data<E>,
    B: Data<E>,
{
    /// Calls `tap(x index, kernel index, output index)` for every product:
    /// input pixel `(ih, iw)` spreads over output pixels
    /// `(ih·S + kh − pad_top, iw·S + kw − pad_left)` through the kernel's
    /// `(kh, kw, filter, channel)`.
    fn for_each_tap(batch: usize, mut tap: impl FnMut(usize, usize, usize)) {
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
                        let Some(oh) = (ih * S + kh).checked_sub(pad_top).filter(|&o| o < oh_n)
                        else {
                            continue;
                        };
                        for kw in 0..K {
                            let Some(ow) =
                                (iw * S + kw).checked_sub(pad_left).filter(|&o| o < ow_n)
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

    /// `z = bias + Σ taps`, before the activation.
    fn pre_activation(&self, x: &[E], z: &mut [E], batch: usize) {
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        if F == 0 {
            return;
        }
        for pixel in z.chunks_exact_mut(F) {
            pixel.copy_from_slice(bias);
        }
        Self::for_each_tap(batch, |xi, ki, zi| z[zi] += x[xi] * kernel[ki]);
    }
}

impl<const F: usize, const K: usize, const S: usize, C, P, A, E, KD, B, H, W> Layer<E>
    for Conv2DTransposeLayer<F, K, S, C, P, A, E, KD, B, H, W>
where
    C: StaticDim,
    H: StaticDim,
    W: StaticDim,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S> + Copy + Send + Sync + 'static,
    A: Activation,
    E: Element,
    KD: Data<E>,
    B: Data<E>,
{
    type Input = (H, W, C);
    type Output = (Out<P, H, K, S>, Out<P, W, K, S>, Const<F>);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        self.pre_activation(x, y, batch);
        super::activate_in_place(&self.activation, y, F);
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
        super::forward_keeping_z(&mut tape[0], y, 0, (&self.activation, F), |z, _| {
            self.pre_activation(x, z, batch)
        });
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: super::Backprop<'_, E>, tape: &mut [super::Tape<E>], grads: &mut [E]) {
        super::activation_backward(&self.activation, &tape[0].cache, pass.y, pass.dy, F);
        let (d_kernel, d_bias) = grads.split_at_mut(K * K * F * C::SIZE);
        super::sum_rows(pass.dy, d_bias);
        let operands = (pass.x, &*pass.dy, self.kernel.as_slice());
        Self::for_each_tap(
            pass.batch,
            super::tap_gradients(operands, d_kernel, pass.dx),
        );
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable("kernel", self.kernel.writable()));
        visit(super::Weight::trainable("bias", self.bias.writable()));
    }

    fn param_count(&self) -> usize {
        K * K * F * C::SIZE + F
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (
            <Out<P, H, K, S>>::default(),
            <Out<P, W, K, S>>::default(),
            Const::<F>,
        )
            .sizes();
        row(SummaryRow {
            name: self.name,
            kind: "Conv2DTranspose",
            output,
            params: self.param_count(),
        })
    }
}

/// A Conv2DTranspose spec: weights drawn as Keras draws them (glorot_uniform
/// with Keras's fans for its kernel shape, zero bias).
#[cfg(feature = "std")]
impl<H, W, C, const F: usize, const K: usize, A, P, const S: usize, E> BuildLayer<(H, W, C), E>
    for Conv2DTranspose<F, K, A, P, S>
where
    H: StaticDim,
    W: StaticDim,
    C: StaticDim,
    A: Activation,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S> + Copy + Send + Sync + 'static,
    E: Element,
{
    type Layer =
        Conv2DTransposeLayer<F, K, S, C, P, A, E, alloc::vec::Vec<E>, alloc::vec::Vec<E>, H, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        // Keras's fans for a (K, K, F, C) kernel: in = K·K·F, out = K·K·C.
        let init = self.initializers;
        let kernel = init
            .kernel
            .fill(ctx.rng(), (K * K * F, K * K * C::SIZE), K * K * F, C::SIZE);
        let bias = init.bias.fill(ctx.rng(), (F, F), 1, F);
        let name = ctx.name("conv2d_transpose");
        Conv2DTransposeLayer {
            kernel,
            bias,
            activation: self.activation,
            name,
            types: PhantomData,
        }
    }
}

/// A Conv2DTranspose whose weights are given fits images of its channels.
impl<H, W, D, const F: usize, const K: usize, const S: usize, C, P, A, E, KD, B>
    BuildLayer<(H, W, D), E> for Conv2DTransposeLayer<F, K, S, C, P, A, E, KD, B>
where
    H: StaticDim,
    W: StaticDim,
    D: StaticDim + super::SameChannels<C>,
    C: StaticDim,
    P: TransposeRule<H, K, S> + TransposeRule<W, K, S> + Copy + Send + Sync + 'static,
    A: Activation,
    E: Element,
    KD: Data<E>,
    B: Data<E>,
{
    type Layer = Conv2DTransposeLayer<F, K, S, D, P, A, E, KD, B, H, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let name = ctx.name("conv2d_transpose");
        Conv2DTransposeLayer {
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
