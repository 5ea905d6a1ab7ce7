//! `BatchNormalization` in inference: the moving statistics normalize each
//! feature of the last axis.

use super::affine::{affine, ScaleAndCenter, KERAS_EPSILON};
use crate::error::Error;
use crate::init::Initializer;
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{
    Built, Drawn, EndsWith, LastAxisSize, LayerKind, LayerOp, WeightInfo, WeightShapes, Weights,
};
use crate::layer::LayerName;
use crate::shape::{Features, Sizes, StaticDim};
use crate::tensor::Data;
use crate::Element;

/// Keras's default momentum of the moving statistics.
const KERAS_MOMENTUM: f64 = 0.99;

/// Keras `BatchNormalization()` over the last axis, in inference mode:
/// `gamma · (x − moving_mean) / √(moving_variance + ε) + beta`, ε = 1e-3.
/// Without given weights it starts from Keras's (γ = 1, β = 0, mean 0,
/// variance 1).
///
/// ```
/// use corten::layer::BatchNormalization;
/// use corten::shape::Const;
/// use corten::{sequential, Tensor};
/// let bn = BatchNormalization::from_data::<Const<2>, f32, _>([1.0, 2.0], [0.0, 1.0], [1.0, 0.0], [3.999, 0.999]).unwrap();
/// let model = sequential![Input<2>, (bn)];
/// let y = model.predict(&Tensor::from_array([[3.0f32, 1.0]])).unwrap();
/// assert!((y.as_slice()[0] - 1.0).abs() < 1e-6 && (y.as_slice()[1] - 3.0).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormalization {
    epsilon: f64,
    momentum: f64,
    parts: ScaleAndCenter,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization {
            epsilon: KERAS_EPSILON,
            momentum: KERAS_MOMENTUM,
            parts: ScaleAndCenter::BOTH,
        }
    }
}

impl BatchNormalization {
    /// The spec with Keras's defaults (ε = 1e-3, momentum 0.99).
    pub fn new() -> Self {
        Self::default()
    }

    /// The same spec with another `epsilon`.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// The same spec with another `momentum` for the moving statistics
    /// (Keras's default 0.99): after each training batch,
    /// `moving = moving · momentum + batch · (1 − momentum)`.
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Without γ (Keras's `scale=False`): the normalized values are not
    /// scaled; the weights are β (if kept) and the moving statistics.
    ///
    /// ```
    /// use corten::prelude::*;
    /// let mut model = sequential![Input<2>, BatchNormalization.without_scale()];
    /// assert_eq!(model.get_weights().len(), 3); // beta, moving_mean, moving_variance
    /// model.set_weights(&[vec![1.0, 2.0], vec![0.0, 4.0], vec![3.999, 0.999]])?;
    /// let y = model.predict(&Tensor::from_array([[2.0f32, 5.0]]))?;
    /// assert!((y.as_slice()[0] - 2.0).abs() < 1e-6 && (y.as_slice()[1] - 3.0).abs() < 1e-6);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn without_scale(mut self) -> Self {
        self.parts.scale = false;
        self
    }

    /// Without β (Keras's `center=False`): nothing is added after the
    /// scaling; the weights are γ (if kept) and the moving statistics.
    ///
    /// ```
    /// use corten::prelude::*;
    /// let model = sequential![Input<2>, BatchNormalization.without_center().without_scale()];
    /// assert_eq!(model.param_count(), 4); // the moving statistics alone
    /// ```
    pub fn without_center(mut self) -> Self {
        self.parts.center = false;
        self
    }

    /// A layer with the given gamma, beta, moving mean and moving variance
    /// (Keras's `get_weights()` order), `C` values each; an error when a
    /// length differs, a value is NaN or infinite, or a variance is below 0.
    #[allow(clippy::type_complexity)]
    pub fn from_data<C: StaticDim, E: Element, D: Data<E>>(
        gamma: D,
        beta: D,
        moving_mean: D,
        moving_variance: D,
    ) -> Result<Built<Self, EndsWith<C>, E, (D, D, D, D)>, Error> {
        Built::from_parts(Self::default(), (gamma, beta, moving_mean, moving_variance))
    }
}

impl<In, E: Element, W: Weights<E>> Built<BatchNormalization, In, E, W> {
    /// The same layer with another `epsilon`.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.kind_mut().epsilon = epsilon;
        self
    }

    /// The same layer with another `momentum`; see
    /// [`BatchNormalization::with_momentum`].
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.kind_mut().momentum = momentum;
        self
    }
}

/// `Ok` unless a variance is below zero (its square root would be NaN).
pub(crate) fn check_variance<E: Element>(
    layer: Option<LayerName>,
    weight: &'static str,
    variance: &[E],
) -> Result<(), Error> {
    match variance.iter().position(|&v| v < E::ZERO) {
        None => Ok(()),
        Some(index) => Err(Error::NonFiniteWeight {
            layer,
            weight,
            index,
        }),
    }
}

const GAMMA: WeightInfo = WeightInfo::trainable("gamma", "BatchNormalization gamma");
const BETA: WeightInfo = WeightInfo::trainable("beta", "BatchNormalization beta");
const MEAN: WeightInfo = WeightInfo::moving("moving_mean", "BatchNormalization moving_mean");
const VARIANCE: WeightInfo =
    WeightInfo::moving("moving_variance", "BatchNormalization moving_variance");

impl LayerKind for BatchNormalization {
    const KERAS_NAME: &'static str = "BatchNormalization";
    const BASE_NAME: &'static str = "batch_normalization";
    const WEIGHTS: &'static [WeightInfo] = &[GAMMA, BETA, MEAN, VARIANCE];
    type Fresh<E: Element> = Drawn<E>;
    /// Those it has of γ, β, then the moving mean and variance.
    fn weights(&self) -> &'static [WeightInfo] {
        self.parts.pick([
            Self::WEIGHTS,
            &[GAMMA, MEAN, VARIANCE],
            &[BETA, MEAN, VARIANCE],
            &[MEAN, VARIANCE],
        ])
    }
    /// Keras's: γ = 1, β = 0, mean 0, variance 1.
    fn initializer(&self, index: usize) -> Initializer {
        let after = [Initializer::Zeros, Initializer::Ones];
        self.parts.initializer(index, &after)
    }
    fn check_weights<E: Element, W: Weights<E>>(&self, weights: &W) -> Result<(), Error> {
        check_variance(None, VARIANCE.what, weights.at(self.parts.count() + 1))
    }
}

impl<In: LastAxisSize> WeightShapes<In> for BatchNormalization {
    fn weight_shape(_index: usize) -> Sizes {
        Sizes::of([In::LAST])
    }
}

impl<In: Features + LastAxisSize, E: Element> LayerOp<In, E> for BatchNormalization {
    type Output = In;

    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        let (g, b) = self.parts.of(w);
        let first = self.parts.count();
        let (m, v) = (w.at(first), w.at(first + 1));
        let eps = E::from_f64(self.epsilon);
        let scale = |i: usize| g(i) / (v[i] + eps).sqrt();
        affine(x, y, scale, |i| b(i) - m[i] * scale(i), In::LAST);
    }

    /// Normalizes with the batch's mean and (biased) variance over every
    /// axis but the last, and moves the moving statistics toward them.
    #[cfg(feature = "std")]
    fn forward_train<W: Weights<E>>(
        &self,
        w: &mut W,
        x: &[E],
        y: &mut [E],
        _batch: usize,
        tape: &mut Tape<E>,
        _rng: &mut crate::random::Rng,
    ) {
        let c = In::LAST;
        let stats = &mut tape.cache;
        stats.clear();
        stats.resize(2 * c, E::ZERO);
        let (mean, inv) = stats.split_at_mut(c);
        let rows = x.len().checked_div(c).unwrap_or(0);
        let count = E::from_f64(rows.max(1) as f64);
        for row in x.chunks_exact(c.max(1)) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m = *m / count);
        for row in x.chunks_exact(c.max(1)) {
            for ((s, &m), &v) in inv.iter_mut().zip(mean.iter()).zip(row) {
                *s += (v - m) * (v - m);
            }
        }
        let (eps, momentum) = (E::from_f64(self.epsilon), E::from_f64(self.momentum));
        let first = self.parts.count();
        if let Some(moving) = w.writable(first) {
            for (mm, &m) in moving.iter_mut().zip(mean.iter()) {
                *mm = *mm * momentum + m * (E::ONE - momentum);
            }
        }
        if let Some(moving) = w.writable(first + 1) {
            for (mv, &s) in moving.iter_mut().zip(inv.iter()) {
                *mv = *mv * momentum + s / count * (E::ONE - momentum);
            }
        }
        for s in inv.iter_mut() {
            *s = E::ONE / (*s / count + eps).sqrt();
        }
        let (g, b) = self.parts.of(w);
        affine(
            x,
            y,
            |i| g(i) * inv[i],
            |i| b(i) - mean[i] * g(i) * inv[i],
            c,
        );
    }

    /// With `x̂ = (x − μ)·s` per feature over the `n` rows of the batch:
    /// `dγ = Σ dy·x̂`, `dβ = Σ dy`, `dx = γ·s/n · (n·dy − Σ dy − x̂·Σ dy·x̂)`.
    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        let c = In::LAST;
        let (mean, inv) = tape.cache.split_at(c);
        // Σ dy·x̂ and Σ dy per feature: γ's and β's gradients, and part of
        // the input's whether or not the layer has γ and β (in the tape's
        // working space: no allocation after the first step).
        let sums = &mut tape.scratch;
        sums.clear();
        sums.resize(2 * c, E::ZERO);
        let (sum_dy_xhat, sum_dy) = sums.split_at_mut(c);
        let xhat = |v: E, i: usize| (v - mean[i]) * inv[i];
        for (xr, dyr) in pass
            .x
            .chunks_exact(c.max(1))
            .zip(pass.dy.chunks_exact(c.max(1)))
        {
            for i in 0..c {
                sum_dy_xhat[i] += dyr[i] * xhat(xr[i], i);
                sum_dy[i] += dyr[i];
            }
        }
        let (d_gamma, d_beta) = self.parts.split_grads(grads, c);
        if self.parts.scale {
            d_gamma.copy_from_slice(sum_dy_xhat);
        }
        if self.parts.center {
            d_beta.copy_from_slice(sum_dy);
        }
        let Some(dx) = pass.dx else { return };
        let rows = pass.x.len().checked_div(c).unwrap_or(0);
        let count = E::from_f64(rows.max(1) as f64);
        let (gamma, _) = self.parts.of(w);
        for ((dxr, xr), dyr) in dx
            .chunks_exact_mut(c.max(1))
            .zip(pass.x.chunks_exact(c.max(1)))
            .zip(pass.dy.chunks_exact(c.max(1)))
        {
            for i in 0..c {
                dxr[i] = gamma(i) * inv[i] / count
                    * (count * dyr[i] - sum_dy[i] - xhat(xr[i], i) * sum_dy_xhat[i]);
            }
        }
    }
}

builds_from_spec!([] BatchNormalization);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::layer::Layer;
    use crate::layer::Tape;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(
            &check::build::<(N<3>, N<4>), _>(BatchNormalization::default()),
            3,
            None,
        );
        let bn = BatchNormalization::from_data::<N<2>, f64, _>(
            alloc::vec![1.5, 0.5],
            alloc::vec![0.1, -0.2],
            alloc::vec![0.0, 0.0],
            alloc::vec![1.0, 1.0],
        )
        .unwrap();
        check::gradients(&check::build::<(N<2>,), _>(bn), 5, None);
    }

    /// Without γ, β or both: the input's gradient still goes through the
    /// batch statistics, and only the weights kept get gradients.
    #[test]
    fn gradients_without_scale_or_center_match_finite_differences() {
        let spec = BatchNormalization::default();
        for bn in [
            spec.without_scale(),
            spec.without_center(),
            spec.without_scale().without_center(),
        ] {
            let layer = check::build::<(N<2>, N<3>), _>(bn);
            assert_eq!(layer.kind().weights().len(), 2 + bn.parts.count());
            check::gradients(&layer, 3, None);
        }
    }

    #[test]
    fn training_uses_batch_statistics_and_moves_the_moving_ones() {
        let mut bn = check::build::<(N<1>,), _>(BatchNormalization::default());
        let x = [1.0, 2.0, 3.0, 6.0];
        let mut y = [0.0; 4];
        let mut tape = [Tape::default()];
        let mut rng = crate::random::Rng::seed_from(0);
        bn.forward_train(&x, &mut y, 4, &mut tape, &mut rng);
        // mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5
        let inv = 1.0 / (3.5f64 + 1e-3).sqrt();
        for (y, x) in y.iter().zip(x) {
            assert!((y - (x - 3.0) * inv).abs() < 1e-12);
        }
        assert!((bn.weight(2)[0] - 0.03).abs() < 1e-12);
        assert!((bn.weight(3)[0] - (0.99 + 0.035)).abs() < 1e-12);
    }
}
