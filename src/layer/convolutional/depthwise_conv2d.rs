//! `DepthwiseConv2D`: one `K × K` filter per input channel (times a depth
//! multiplier), channels never mixed.

use crate::activation::{Activation, Linear};
use crate::error::Error;
use crate::init::Initializers;
use crate::layer::machinery::kernel_and_bias_layer;
#[cfg(feature = "std")]
use crate::layer::machinery::train::{
    activation_backward, forward_keeping_z, sum_rows, tap_gradients, Backprop, Tape,
};
use crate::layer::machinery::{Built, FromInput, LayerOp, WeightShapes, Weights};
use crate::layer::window::Geometry;
use crate::layer::{activate_in_place, Rank4Array};
use crate::shape::{
    Const, DimMul, Padding, Product, Sizes, StaticDim, ToUInt, Valid, WindowOutput,
};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// Keras `DepthwiseConv2D(kernel_size=KERNEL, strides=STRIDE, padding=P,
/// depth_multiplier=MULTIPLIER)`: `(h, w, c)` becomes `(h', w', c ·
/// MULTIPLIER)`; output channel `c · MULTIPLIER + m` is channel `c` convolved
/// with its `m`-th filter. Kernel layout `(kernel, kernel, c, MULTIPLIER)`.
/// Kernel and strides are square unless `KERNEL_W` and `STRIDE_W` say
/// otherwise (Keras's pairs: `DepthwiseConv2D((3, 2), strides=(1, 2))` is
/// `DepthwiseConv2D<3, Linear, Valid, 1, 1, 2, 2>`).
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
    const KERNEL_W: usize = KERNEL,
    const STRIDE_W: usize = STRIDE,
> {
    activation: A,
    initializers: Initializers,
    /// Keras's `use_bias=False`.
    no_bias: bool,
    padding: PhantomData<P>,
}

impl<
        const K: usize,
        A: Activation,
        P: Padding,
        const S: usize,
        const M: usize,
        const KW: usize,
        const SW: usize,
    > DepthwiseConv2D<K, A, P, S, M, KW, SW>
{
    /// The windows over `(H, W, C)` images.
    fn geometry<H: StaticDim, W: StaticDim, C: StaticDim>() -> Geometry {
        Geometry::rect::<P>((H::SIZE, W::SIZE, C::SIZE), (K, KW), (S, SW), (1, 1))
    }

    /// A layer over weights in any storage, for `C` channels: kernel
    /// `(K, KW, C, M)`, bias `C · M`; an error when a length does not fit.
    #[allow(clippy::type_complexity)]
    pub fn from_data<C: StaticDim, E: Element, KD: Data<E>, B: Data<E>>(
        kernel: KD,
        bias: B,
    ) -> Result<Built<Self, (FromInput, FromInput, C), E, (KD, B)>, Error> {
        Built::from_parts(Self::default(), (kernel, bias))
    }

    /// A layer with the given weights in Keras's layout, nested arrays or
    /// references to them (`&'static` weights in flash, read in place;
    /// `const`, for a model built at compile time): kernel `[[[[E; M];
    /// channels]; KW]; K]`, bias `[E; channels · M]`. Its channels are the
    /// kernel's; a wrong size does not compile.
    ///
    /// ```
    /// use corten::layer::DepthwiseConv2D;
    /// use corten::prelude::*;
    /// use corten::{sequential, Tensor};
    /// // Each of two channels summed over its 2×2 window, the second doubled.
    /// static KERNEL: [[[[f32; 1]; 2]; 2]; 2] = [[[[1.0], [2.0]]; 2]; 2];
    /// let model = sequential![Input<2, 2, 2>, DepthwiseConv2D::<2>::from_weights(&KERNEL, [0.0f32; 2])];
    /// let y = model.predict(&Tensor::from_array([[[[1.0f32, 1.0]; 2]; 2]]))?;
    /// assert_eq!(y.as_slice(), &[4.0, 8.0]);
    /// # Ok::<(), corten::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub const fn from_weights<KA, B>(
        kernel: KA,
        bias: B,
    ) -> Built<Self, (FromInput, FromInput, KA::Channels), KA::Element, (KA, B)>
    where
        KA: DepthwiseKernelArray<K, M, KW>,
        B: Rank1Array<Element = KA::Element>,
    {
        const {
            assert!(
                B::LEN == <KA::Channels as StaticDim>::SIZE * M,
                "shape mismatch: a DepthwiseConv2D bias holds channels × depth_multiplier values"
            )
        };
        Built::new_unchecked(Self::new(), (kernel, bias))
    }
}

/// A DepthwiseConv2D kernel given as a nested array in Keras's layout
/// `(kernel, kernel, channels, depth_multiplier)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a DepthwiseConv2D with a {K}×{KW} kernel and depth multiplier {M} needs a kernel `[[[[_; {M}]; channels]; {KW}]; {K}]`, but this kernel is `{Self}`",
    label = "Keras's depthwise kernel layout is (kernel height, kernel width, channels, depth multiplier)"
)]
pub trait DepthwiseKernelArray<const K: usize, const M: usize, const KW: usize>:
    Rank4Array
{
}

impl<E: Element, const K: usize, const KW: usize, const C: usize, const M: usize>
    DepthwiseKernelArray<K, M, KW> for [[[[E; M]; C]; KW]; K]
{
}

/// A kernel borrowed in place (`&'static` weights in flash).
#[diagnostic::do_not_recommend]
impl<E: Element, const K: usize, const KW: usize, const C: usize, const M: usize>
    DepthwiseKernelArray<K, M, KW> for &[[[[E; M]; C]; KW]; K]
{
}

/// An array `[E; LEN]` (or a reference to one) whose length the compiler
/// knows.
pub trait Rank1Array: Data<Self::Element> {
    /// The element type.
    type Element: Element;
    /// Its length.
    const LEN: usize;
}

impl<E: Element, const N: usize> Rank1Array for [E; N] {
    type Element = E;
    const LEN: usize = N;
}

impl<E: Element, const N: usize> Rank1Array for &[E; N] {
    type Element = E;
    const LEN: usize = N;
}

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

/// Keras's layout: `(kernel, kernel, channels, multiplier)`; one bias per
/// output channel.
impl<
        H,
        W,
        C: StaticDim,
        const K: usize,
        A: Activation,
        P: Padding,
        const S: usize,
        const M: usize,
        const KW: usize,
        const SW: usize,
    > WeightShapes<(H, W, C)> for DepthwiseConv2D<K, A, P, S, M, KW, SW>
{
    fn weight_shape(index: usize) -> Sizes {
        match index {
            0 => Sizes::of([K, KW, C::SIZE, M]),
            _ => Sizes::of([C::SIZE * M]),
        }
    }
}

/// A DepthwiseConv2D takes any image whose height and width hold its kernel.
impl<
        H,
        W,
        C,
        const K: usize,
        A,
        P,
        const S: usize,
        const M: usize,
        const KW: usize,
        const SW: usize,
        E,
    > LayerOp<(H, W, C), E> for DepthwiseConv2D<K, A, P, S, M, KW, SW>
where
    C: StaticDim + DimMul<Const<M>>,
    Const<M>: ToUInt,
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<KW>, Const<SW>, P>,
    P: Padding,
    A: Activation,
    E: Element,
{
    type Output = (Out<H, K, S, P>, Out<W, KW, SW, P>, Product<C, Const<M>>);

    fn forward<WS: Weights<E>>(&self, w: &WS, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        let g = Self::geometry::<H, W, C>();
        pre_activation((&g, M), w.at(0), w.at(1), x, y, batch);
        activate_in_place(&self.activation, y, C::SIZE * M);
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
        let activation = (&self.activation, C::SIZE * M);
        forward_keeping_z(tape, y, 0, activation, |z, _| {
            pre_activation((&g, M), w.at(0), w.at(1), x, z, batch)
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
        let width = C::SIZE * M;
        activation_backward(&self.activation, &tape.cache, pass.y, pass.dy, width);
        let (d_kernel, d_bias) = grads.split_at_mut(K * KW * width);
        sum_rows(pass.dy, d_bias);
        let g = Self::geometry::<H, W, C>();
        let tap = tap_gradients((pass.x, &*pass.dy, w.at(0)), d_kernel, pass.dx);
        for_each_tap(&g, M, pass.batch, tap);
    }
}

/// `z = x ∗ kernel + bias`, before the activation, for depth multiplier
/// `m` (`bias` empty: no bias).
fn pre_activation<E: Element>(
    (g, m): (&Geometry, usize),
    kernel: &[E],
    bias: &[E],
    x: &[E],
    z: &mut [E],
    batch: usize,
) {
    let width = g.channels * m;
    if width == 0 {
        return;
    }
    for pixel in z.chunks_exact_mut(width) {
        match bias.is_empty() {
            true => pixel.fill(E::ZERO),
            false => pixel.copy_from_slice(bias),
        }
    }
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

kernel_and_bias_layer!("DepthwiseConv2D", "depthwise_conv2d", "depthwise_kernel", "sequential![Input<8, 8, 2>, DepthwiseConv2D<3>.without_bias()]", [const K: usize, A: Activation, P: Padding, const S: usize, const M: usize, const KW: usize, const SW: usize] DepthwiseConv2D<K, A, P, S, M, KW, SW>, padding);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::Tanh;
    use crate::layer::train::check;
    use crate::shape::{Same, Valid};
    use crate::Const as N;

    /// Keras's glorot_uniform over the `(3, 3, 8, 1)` kernel: fans `3·3·8`
    /// in and `3·3·1` out (`compute_fans`), so the bound is `√(6 / 81)`, not
    /// the `√(6 / 18)` of fans taken as if there were one channel.
    #[test]
    fn the_initial_kernel_is_bounded_by_keras_fans() {
        let layer = check::build::<(N<5>, N<5>, N<8>), _>(DepthwiseConv2D::<3>::default());
        let limit = (6.0f64 / (72.0 + 9.0)).sqrt();
        let largest = layer.kernel().iter().fold(0.0f64, |m, w| m.max(w.abs()));
        assert!(largest <= limit, "{largest} > {limit}");
        assert!(
            largest > 0.9 * limit,
            "{largest}: the draw should reach near the bound"
        );
    }

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
        // Keras's pairs: a 3×2 kernel, strides (1, 2), multiplier 2.
        check::gradients(
            &check::build::<Img, _>(DepthwiseConv2D::<3, Tanh, Same, 1, 2, 2, 2>::default()),
            1,
            None,
        );
    }
}
