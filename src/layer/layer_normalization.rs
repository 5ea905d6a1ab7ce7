//! `LayerNormalization`: each sample normalized over its last axis.

use super::normalization::{affine, check_len, KERAS_EPSILON};
use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::error::Error;
use crate::shape::{Features, LastAxis, SameFeatures, StaticDim};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// Keras `LayerNormalization()` over the last axis: for each sample row,
/// `gamma · (x − mean) / √(variance + ε) + beta`, ε = 1e-3 (Keras's default).
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2>, LayerNormalization];
/// let y = model.predict(&Tensor::from_array([[1.0f32, 3.0]])).unwrap();
/// // mean 2, variance 1: (±1) / √1.001
/// assert!((y.as_slice()[1] - 1.0 / 1.001f32.sqrt()).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerNormalization;

/// A built LayerNormalization over `C` features of the last axis of `In`.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNormalizationLayer<C, E, D, In = ()> {
    gamma: D,
    beta: D,
    epsilon: f64,
    name: LayerName,
    types: PhantomData<(C, E, In)>,
}

impl LayerNormalization {
    /// A layer with the given gamma and beta, `C` values each; an error when a
    /// length differs.
    pub fn from_data<C: StaticDim, E: Element, D: Data<E>>(
        gamma: D,
        beta: D,
    ) -> Result<LayerNormalizationLayer<C, E, D>, Error> {
        check_len::<C, E, D>("LayerNormalization gamma", &gamma)?;
        check_len::<C, E, D>("LayerNormalization beta", &beta)?;
        let name = LayerName {
            base: "layer_normalization",
            index: 0,
        };
        Ok(LayerNormalizationLayer {
            gamma,
            beta,
            epsilon: KERAS_EPSILON,
            name,
            types: PhantomData,
        })
    }
}

#[cfg(feature = "alloc")]
impl<In: LastAxis, E: Element> BuildLayer<In, E> for LayerNormalization {
    type Layer = LayerNormalizationLayer<In::Last, E, alloc::vec::Vec<E>, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let c = In::Last::SIZE;
        let name = ctx.name("layer_normalization");
        let (gamma, beta) = (alloc::vec![E::ONE; c], alloc::vec![E::ZERO; c]);
        LayerNormalizationLayer {
            gamma,
            beta,
            epsilon: KERAS_EPSILON,
            name,
            types: PhantomData,
        }
    }
}

impl<In, C, E, D> BuildLayer<In, E> for LayerNormalizationLayer<C, E, D>
where
    In: LastAxis,
    In::Last: SameFeatures<C>,
    C: StaticDim,
    E: Element,
    D: Data<E>,
{
    type Layer = LayerNormalizationLayer<C, E, D, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let name = ctx.name("layer_normalization");
        LayerNormalizationLayer {
            gamma: self.gamma,
            beta: self.beta,
            epsilon: self.epsilon,
            name,
            types: PhantomData,
        }
    }
}

impl<In: Features, C: StaticDim, E: Element, D: Data<E>> Layer<E>
    for LayerNormalizationLayer<C, E, D, In>
{
    type Input = In;
    type Output = In;

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        let (g, b) = (self.gamma.as_slice(), self.beta.as_slice());
        let n = C::SIZE.max(1);
        let eps = E::from_f64(self.epsilon);
        for (yr, xr) in y.chunks_exact_mut(n).zip(x.chunks_exact(n)) {
            let count = E::from_f64(n as f64);
            let mean = xr.iter().fold(E::ZERO, |s, &v| s + v) / count;
            let var = xr.iter().fold(E::ZERO, |s, &v| s + (v - mean) * (v - mean)) / count;
            let inv = E::ONE / (var + eps).sqrt();
            affine(xr, yr, |i| g[i] * inv, |i| b[i] - mean * g[i] * inv, n);
        }
    }

    fn param_count(&self) -> usize {
        2 * C::SIZE
    }

    /// With `x̂ = (x − μ)·s`, `s = 1/√(σ² + ε)` per row of `n` features:
    /// `dγ = Σ dy·x̂`, `dβ = Σ dy`, and
    /// `dx = s/n · (n·g − Σ g − x̂·Σ g·x̂)` where `g = dy·γ`.
    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: super::Backprop<'_, E>,
        _tape: &mut [super::Tape<E>],
        grads: &mut [E],
    ) {
        let n = C::SIZE.max(1);
        let (d_gamma, d_beta) = grads.split_at_mut(C::SIZE);
        d_gamma.fill(E::ZERO);
        d_beta.fill(E::ZERO);
        let gamma = self.gamma.as_slice();
        let eps = E::from_f64(self.epsilon);
        let count = E::from_f64(n as f64);
        let mut dx = pass.dx;
        for (r, (xr, dyr)) in pass
            .x
            .chunks_exact(n)
            .zip(pass.dy.chunks_exact(n))
            .enumerate()
        {
            let mean = xr.iter().fold(E::ZERO, |s, &v| s + v) / count;
            let var = xr.iter().fold(E::ZERO, |s, &v| s + (v - mean) * (v - mean)) / count;
            let inv = E::ONE / (var + eps).sqrt();
            let (mut sum_g, mut sum_gx) = (E::ZERO, E::ZERO);
            for i in 0..C::SIZE {
                let xhat = (xr[i] - mean) * inv;
                d_gamma[i] += dyr[i] * xhat;
                d_beta[i] += dyr[i];
                let g = dyr[i] * gamma[i];
                sum_g += g;
                sum_gx += g * xhat;
            }
            if let Some(dx) = dx.as_deref_mut() {
                for i in 0..C::SIZE {
                    let xhat = (xr[i] - mean) * inv;
                    let g = dyr[i] * gamma[i];
                    dx[r * n + i] = inv / count * (count * g - sum_g - xhat * sum_gx);
                }
            }
        }
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable("gamma", self.gamma.writable()));
        visit(super::Weight::trainable("beta", self.beta.writable()));
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "LayerNormalization",
            output: In::default().sizes(),
            params: 2 * C::SIZE,
        })
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        let ln = LayerNormalization::from_data::<N<4>, f64, _>(
            alloc::vec![1.5, 0.5, -1.0, 2.0],
            alloc::vec![0.1, -0.2, 0.0, 0.3],
        )
        .unwrap();
        check::gradients(&check::build::<(N<3>, N<4>), _>(ln), 2, None);
    }
}
