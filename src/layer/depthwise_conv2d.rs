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
    padding: PhantomData<P>,
}

impl<const K: usize, A: Activation, P: Padding, const S: usize, const M: usize>
    DepthwiseConv2D<K, A, P, S, M>
{
    /// A layer over weights in any storage, for `C` channels: kernel
    /// `(K, K, C, M)`, bias `C · M`; an error when a length does not fit.
    pub fn from_data<C: StaticDim, E: Element, KD: Data<E>, B: Data<E>>(
        kernel: KD,
        bias: B,
    ) -> Result<DepthwiseConv2DLayer<K, S, M, C, P, A, E, KD, B>, Error> {
        crate::error::check_length(
            "DepthwiseConv2D kernel",
            &[K, K, C::SIZE, M],
            kernel.as_slice().len(),
        )?;
        crate::error::check_length(
            "DepthwiseConv2D bias",
            &[C::SIZE * M],
            bias.as_slice().len(),
        )?;
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
        let (c_n, kernel, bias) = (C::SIZE, self.kernel.as_slice(), self.bias.as_slice());
        let image = H::SIZE * W::SIZE * c_n;
        let mut pixels = y.chunks_exact_mut((c_n * M).max(1));
        for b in 0..batch {
            let x = &x[b * image..(b + 1) * image];
            for oh in 0..g.out_height {
                for ow in 0..g.out_width {
                    let Some(out) = pixels.next() else { return };
                    out.copy_from_slice(bias);
                    for kh in 0..K {
                        for kw in 0..K {
                            let Some((ih, iw)) = g.source(oh, ow, kh, kw) else {
                                continue;
                            };
                            let cell = &x[(ih * W::SIZE + iw) * c_n..][..c_n];
                            let taps = &kernel[(kh * K + kw) * c_n * M..][..c_n * M];
                            for (o, (t, &v)) in out
                                .chunks_exact_mut(M.max(1))
                                .zip(taps.chunks_exact(M.max(1)).zip(cell))
                            {
                                for (o, &t) in o.iter_mut().zip(t) {
                                    *o += v * t;
                                }
                            }
                        }
                    }
                    self.activation.apply(out);
                }
            }
        }
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
        let kernel =
            crate::init::glorot_uniform_fans(ctx.rng(), K * K, K * K * M, K * K * C::SIZE * M);
        let bias = alloc::vec![E::ZERO; C::SIZE * M];
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
