//! `LayerNormalization`: each sample normalized over its last axis.

#[cfg(feature = "std")]
use super::affine::add_at;
use super::affine::{affine, ScaleAndCenter, KERAS_EPSILON};
use crate::error::Error;
use crate::init::Initializer;
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{
    Built, Drawn, EndsWith, LastAxisSize, LayerKind, LayerOp, WeightInfo, WeightShapes, Weights,
};
use crate::shape::{Features, Sizes, StaticDim};
use crate::tensor::Data;
use crate::Element;

/// Keras `LayerNormalization()` over the last axis: for each sample row,
/// `gamma · (x − mean) / √(variance + ε) + beta`, ε = 1e-3 (Keras's default).
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2>, LayerNormalization];
/// let y = model.predict(&Tensor::from_array([[1.0f32, 3.0]])).unwrap();
/// // mean 2, variance 1: (±1) / √1.001
/// assert!((y.as_slice()[1] - 1.0 / 1.001f32.sqrt()).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerNormalization {
    epsilon: f64,
    parts: ScaleAndCenter,
}

impl Default for LayerNormalization {
    fn default() -> Self {
        LayerNormalization {
            epsilon: KERAS_EPSILON,
            parts: ScaleAndCenter::BOTH,
        }
    }
}

impl LayerNormalization {
    /// The spec with Keras's defaults (γ = 1, β = 0, ε = 1e-3).
    pub fn new() -> Self {
        Self::default()
    }

    /// The same spec with another `epsilon`.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Without γ (Keras's `scale=False`): the normalized values are not
    /// scaled, and β (if kept) is the only weight.
    ///
    /// ```
    /// use corten::prelude::*;
    /// let model = sequential![Input<3>, LayerNormalization.without_scale()];
    /// assert_eq!(model.param_count(), 3);
    /// let y = model.predict(&Tensor::from_array([[1.0f32, 2.0, 3.0]]))?;
    /// let s = (2.0f32 / 3.0 + 1e-3).sqrt(); // √(variance + ε)
    /// assert!((y.as_slice()[2] - 1.0 / s).abs() < 1e-6);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn without_scale(mut self) -> Self {
        self.parts.scale = false;
        self
    }

    /// Without β (Keras's `center=False`): nothing is added after the
    /// scaling, and γ (if kept) is the only weight.
    ///
    /// ```
    /// use corten::prelude::*;
    /// let model = sequential![Input<3>, LayerNormalization.without_center().without_scale()];
    /// assert_eq!(model.param_count(), 0);
    /// ```
    pub fn without_center(mut self) -> Self {
        self.parts.center = false;
        self
    }

    /// A layer with the given gamma and beta, `C` values each; an error when a
    /// length differs or a value is NaN or infinite.
    #[allow(clippy::type_complexity)]
    pub fn from_data<C: StaticDim, E: Element, D: Data<E>>(
        gamma: D,
        beta: D,
    ) -> Result<Built<Self, EndsWith<C>, E, (D, D)>, Error> {
        Built::from_parts(Self::default(), (gamma, beta))
    }
}

const GAMMA: WeightInfo = WeightInfo::trainable("gamma", "LayerNormalization gamma");
const BETA: WeightInfo = WeightInfo::trainable("beta", "LayerNormalization beta");

impl LayerKind for LayerNormalization {
    const KERAS_NAME: &'static str = "LayerNormalization";
    const BASE_NAME: &'static str = "layer_normalization";
    const WEIGHTS: &'static [WeightInfo] = &[GAMMA, BETA];
    type Fresh<E: Element> = Drawn<E>;
    fn weights(&self) -> &'static [WeightInfo] {
        self.parts.pick([Self::WEIGHTS, &[GAMMA], &[BETA], &[]])
    }
    fn initializer(&self, index: usize) -> Initializer {
        self.parts.initializer(index, &[])
    }
}

impl<In: LastAxisSize> WeightShapes<In> for LayerNormalization {
    fn weight_shape(_index: usize) -> Sizes {
        Sizes::of([In::LAST])
    }
}

impl<In: Features + LastAxisSize, E: Element> LayerOp<In, E> for LayerNormalization {
    type Output = In;

    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        let (g, b) = self.parts.of(w);
        let n = In::LAST.max(1);
        let eps = E::from_f64(self.epsilon);
        for (yr, xr) in y.chunks_exact_mut(n).zip(x.chunks_exact(n)) {
            let count = E::from_f64(n as f64);
            let mean = xr.iter().fold(E::ZERO, |s, &v| s + v) / count;
            let var = xr.iter().fold(E::ZERO, |s, &v| s + (v - mean) * (v - mean)) / count;
            let inv = E::ONE / (var + eps).sqrt();
            affine(xr, yr, |i| g(i) * inv, |i| b(i) - mean * g(i) * inv, n);
        }
    }

    /// With `x̂ = (x − μ)·s`, `s = 1/√(σ² + ε)` per row of `n` features:
    /// `dγ = Σ dy·x̂`, `dβ = Σ dy`, and
    /// `dx = s/n · (n·g − Σ g − x̂·Σ g·x̂)` where `g = dy·γ`.
    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        grads: &mut [E],
    ) {
        let (c, n) = (In::LAST, In::LAST.max(1));
        let (d_gamma, d_beta) = self.parts.split_grads(grads, c);
        let (gamma, _) = self.parts.of(w);
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
            for i in 0..c {
                let xhat = (xr[i] - mean) * inv;
                add_at(d_gamma, i, dyr[i] * xhat);
                add_at(d_beta, i, dyr[i]);
                let g = dyr[i] * gamma(i);
                sum_g += g;
                sum_gx += g * xhat;
            }
            if let Some(dx) = dx.as_deref_mut() {
                for i in 0..c {
                    let xhat = (xr[i] - mean) * inv;
                    let g = dyr[i] * gamma(i);
                    dx[r * n + i] = inv / count * (count * g - sum_g - xhat * sum_gx);
                }
            }
        }
    }
}

builds_from_spec!([] LayerNormalization);

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

    #[test]
    fn gradients_without_scale_or_center_match_finite_differences() {
        let spec = LayerNormalization::default();
        for ln in [spec.without_scale(), spec.without_center()] {
            check::gradients(&check::build::<(N<3>, N<4>), _>(ln), 2, None);
        }
    }
}
