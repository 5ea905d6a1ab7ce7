//! `DepthwiseConv2D`: one `K × K` filter per input channel (times a depth
//! multiplier), channels never mixed.

use super::window::Geometry;
use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::shape::{
    Const, DimMul, Padding, Product, Shape, StaticDim, ToUInt, Valid, WindowOutput,
};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// Keras `DepthwiseConv2D(kernel_size=KERNEL, strides=STRIDE, padding=P,
/// depth_multiplier=MULTIPLIER)`: `(h, w, c)` becomes `(h', w', c ·
/// MULTIPLIER)`; output channel `c · MULTIPLIER + m` is channel `c` convolved
/// with its `m`-th filter. Kernel layout `(kernel, kernel, c, MULTIPLIER)`.
///
/// ```
/// use corten::layer::DepthwiseConv2D;
/// use corten::shape::Const;
/// use corten::{sequential, Tensor};
/// // 1×1 kernel: channel 0 scaled by 2, channel 1 by 3.
/// let dw = DepthwiseConv2D::<1>::from_data::<Const<2>, f32, _, _>(vec![2.0, 3.0], vec![0.0, 0.0]).unwrap();
/// let model = sequential![Input<1, 1, 2>, (dw)];
/// assert_eq!(model.predict(&Tensor::from_array([[[[1.0f32, 1.0]]]])).unwrap().as_slice(), &[2.0, 3.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DepthwiseConv2D<
    const KERNEL: usize,
    A: Activation = Linear,
    P: Padding = Valid,
    const STRIDE: usize = 1,
    const MULTIPLIER: usize = 1,
> {
    activation: A,
    initializers: crate::init::Initializers,
    padding: PhantomData<P>,
}

impl<const K: usize, A: Activation, P: Padding, const S: usize, const M: usize>
    DepthwiseConv2D<K, A, P, S, M>
{
    /// This spec with other kernel and bias initializers (Keras's
    /// `depthwise_initializer`, `bias_initializer`); an error when one's parameters
    /// are invalid ([`Initializer::check`](crate::init::Initializer::check)).
    pub fn with_initializers(
        mut self,
        kernel: crate::init::Initializer,
        bias: crate::init::Initializer,
    ) -> Result<Self, Error> {
        self.initializers = crate::init::Initializers::new(kernel, bias)?;
        Ok(self)
    }

    /// A layer over weights in any storage, for `C` channels: kernel
    /// `(K, K, C, M)`, bias `C · M`; an error when a length does not fit.
    pub fn from_data<C: StaticDim, E: Element, KD: Data<E>, B: Data<E>>(
        kernel: KD,
        bias: B,
    ) -> Result<DepthwiseConv2DLayer<K, S, M, C, P, A, E, KD, B>, Error> {
        crate::error::check_weight(
            "DepthwiseConv2D kernel",
            [K, K, C::SIZE, M],
            kernel.as_slice(),
        )?;
        crate::error::check_weight("DepthwiseConv2D bias", [C::SIZE * M], bias.as_slice())?;
        let name = LayerName {
            base: "depthwise_conv2d",
            index: 0,
        };
        Ok(DepthwiseConv2DLayer {
            kernel,
            bias,
            activation: A::default(),
            name,
            types: PhantomData,
        })
    }
}

/// A built DepthwiseConv2D over `C` channels of `H × W` images (`()` before
/// it is in a model).
#[derive(Clone)]
pub struct DepthwiseConv2DLayer<
    const K: usize,
    const S: usize,
    const M: usize,
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

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

impl<const K: usize, const S: usize, const M: usize, C, P, A, E, KD, B, H, W> Layer<E>
    for DepthwiseConv2DLayer<K, S, M, C, P, A, E, KD, B, H, W>
where
    C: StaticDim + DimMul<Const<M>>,
    Const<M>: ToUInt,
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<K>, Const<S>, P>,
    P: Padding,
    A: Activation,
    E: Element,
    KD: Data<E>,
    B: Data<E>,
{
    type Input = (H, W, C);
    type Output = (Out<H, K, S, P>, Out<W, K, S, P>, Product<C, Const<M>>);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        pre_activation(
            &g,
            self.kernel.as_slice(),
            self.bias.as_slice(),
            x,
            y,
            batch,
        );
        super::activate_in_place(&self.activation, y, C::SIZE * M);
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
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        let (kernel, bias) = (self.kernel.as_slice(), self.bias.as_slice());
        let activation = (&self.activation, C::SIZE * M);
        super::forward_keeping_z(&mut tape[0], y, 0, activation, |z, _| {
            pre_activation(&g, kernel, bias, x, z, batch)
        });
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: super::Backprop<'_, E>, tape: &mut [super::Tape<E>], grads: &mut [E]) {
        let width = C::SIZE * M;
        super::activation_backward(&self.activation, &tape[0].cache, pass.y, pass.dy, width);
        let (d_kernel, d_bias) = grads.split_at_mut(K * K * width);
        super::sum_rows(pass.dy, d_bias);
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        let operands = (pass.x, &*pass.dy, self.kernel.as_slice());
        let tap = super::tap_gradients(operands, d_kernel, pass.dx);
        for_each_tap(&g, M, pass.batch, tap);
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable(
            "depthwise_kernel",
            self.kernel.writable(),
        ));
        visit(super::Weight::trainable("bias", self.bias.writable()));
    }

    fn param_count(&self) -> usize {
        K * K * C::SIZE * M + C::SIZE * M
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (
            <Out<H, K, S, P>>::default(),
            <Out<W, K, S, P>>::default(),
            <Product<C, Const<M>>>::default(),
        )
            .sizes();
        row(SummaryRow {
            name: self.name,
            kind: "DepthwiseConv2D",
            output,
            params: self.param_count(),
        })
    }
}

/// `z = x ∗ kernel + bias`, before the activation.
fn pre_activation<E: Element>(
    g: &Geometry,
    kernel: &[E],
    bias: &[E],
    x: &[E],
    z: &mut [E],
    batch: usize,
) {
    if bias.is_empty() {
        return;
    }
    for pixel in z.chunks_exact_mut(bias.len()) {
        pixel.copy_from_slice(bias);
    }
    let m = bias.len() / g.channels;
    for_each_tap(g, m, batch, |xi, ki, zi| z[zi] += x[xi] * kernel[ki]);
}

/// Calls `tap(x index, kernel index, output index)` for every product of a
/// depthwise convolution of geometry `g` with depth multiplier `m`: output
/// channel `c·m + j` of a pixel sums input channel `c` of its window times
/// the kernel's `(kh, kw, c, j)`.
fn for_each_tap(g: &Geometry, m: usize, batch: usize, mut tap: impl FnMut(usize, usize, usize)) {
    let c_n = g.channels;
    g.for_each_tap(batch, |out_pixel, t, in_pixel| {
        let (cell, taps, out) = (in_pixel * c_n, t * c_n * m, out_pixel * c_n * m);
        for c in 0..c_n {
            for j in 0..m {
                tap(cell + c, taps + c * m + j, out + c * m + j);
            }
        }
    });
}

/// A DepthwiseConv2D spec: weights drawn as Keras draws them (glorot_uniform
/// kernel with fans `K·K·1` in and `K·K·M` out, zero bias).
#[cfg(feature = "std")]
impl<H, W, C, const K: usize, A, P, const S: usize, const M: usize, E> BuildLayer<(H, W, C), E>
    for DepthwiseConv2D<K, A, P, S, M>
where
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim + DimMul<Const<M>>,
    Const<M>: ToUInt,
    A: Activation,
    P: Padding,
    E: Element,
{
    type Layer =
        DepthwiseConv2DLayer<K, S, M, C, P, A, E, alloc::vec::Vec<E>, alloc::vec::Vec<E>, H, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let init = self.initializers;
        let kernel = init
            .kernel
            .fill(ctx.rng(), (K * K, K * K * M), K * K * C::SIZE, M);
        let bias = init
            .bias
            .fill(ctx.rng(), (C::SIZE * M, C::SIZE * M), 1, C::SIZE * M);
        let name = ctx.name("depthwise_conv2d");
        DepthwiseConv2DLayer {
            kernel,
            bias,
            activation: self.activation,
            name,
            types: PhantomData,
        }
    }
}

/// A DepthwiseConv2D whose weights are given fits images of its channels.
impl<H, W, D, const K: usize, const S: usize, const M: usize, C, P, A, E, KD, B>
    BuildLayer<(H, W, D), E> for DepthwiseConv2DLayer<K, S, M, C, P, A, E, KD, B>
where
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<K>, Const<S>, P>,
    D: StaticDim + super::SameChannels<C> + DimMul<Const<M>>,
    Const<M>: ToUInt,
    C: StaticDim,
    P: Padding,
    A: Activation,
    E: Element,
    KD: Data<E>,
    B: Data<E>,
{
    type Layer = DepthwiseConv2DLayer<K, S, M, D, P, A, E, KD, B, H, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let name = ctx.name("depthwise_conv2d");
        DepthwiseConv2DLayer {
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
        type Img = (N<5>, N<4>, N<3>);
        check::gradients(
            &check::build::<Img, _>(DepthwiseConv2D::<3, Tanh>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(DepthwiseConv2D::<2, Tanh, Same, 2, 2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(DepthwiseConv2D::<2, Tanh, Valid, 1, 1>::default()),
            1,
            None,
        );
    }
}
