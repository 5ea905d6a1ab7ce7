//! `BatchNormalization` in inference: the moving statistics normalize each
//! feature of the last axis.

use super::affine::{affine, KERAS_EPSILON};
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
}

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization {
            epsilon: KERAS_EPSILON,
            momentum: KERAS_MOMENTUM,
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

impl LayerKind for BatchNormalization {
    const KERAS_NAME: &'static str = "BatchNormalization";
    const BASE_NAME: &'static str = "batch_normalization";
    const WEIGHTS: &'static [WeightInfo] = &[
        WeightInfo::trainable("gamma", "BatchNormalization gamma"),
        WeightInfo::trainable("beta", "BatchNormalization beta"),
        WeightInfo::moving("moving_mean", "BatchNormalization moving_mean"),
        WeightInfo::moving("moving_variance", "BatchNormalization moving_variance"),
    ];
    type Fresh<E: Element> = Drawn<E>;
    /// Keras's: γ = 1, β = 0, mean 0, variance 1.
    fn initializer(&self, index: usize) -> Initializer {
        [
            Initializer::Ones,
            Initializer::Zeros,
            Initializer::Zeros,
            Initializer::Ones,
        ][index.min(3)]
    }
    fn check_weights<E: Element, W: Weights<E>>(&self, weights: &W) -> Result<(), Error> {
        check_variance(None, Self::WEIGHTS[3].what, weights.at(3))
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
        let (g, b, m, v) = (w.at(0), w.at(1), w.at(2), w.at(3));
        let eps = E::from_f64(self.epsilon);
        let scale = |i: usize| g[i] / (v[i] + eps).sqrt();
        affine(x, y, scale, |i| b[i] - m[i] * scale(i), In::LAST);
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
        if let Some(moving) = w.writable(2) {
            for (mm, &m) in moving.iter_mut().zip(mean.iter()) {
                *mm = *mm * momentum + m * (E::ONE - momentum);
            }
        }
        if let Some(moving) = w.writable(3) {
            for (mv, &s) in moving.iter_mut().zip(inv.iter()) {
                *mv = *mv * momentum + s / count * (E::ONE - momentum);
            }
        }
        for s in inv.iter_mut() {
            *s = E::ONE / (*s / count + eps).sqrt();
        }
        let (g, b) = (w.at(0), w.at(1));
        affine(
            x,
            y,
            |i| g[i] * inv[i],
            |i| b[i] - mean[i] * g[i] * inv[i],
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
        let (d_gamma, d_beta) = grads.split_at_mut(c);
        d_gamma.fill(E::ZERO);
        d_beta.fill(E::ZERO);
        let xhat = |v: E, i: usize| (v - mean[i]) * inv[i];
        for (xr, dyr) in pass
            .x
            .chunks_exact(c.max(1))
            .zip(pass.dy.chunks_exact(c.max(1)))
        {
            for i in 0..c {
                d_gamma[i] += dyr[i] * xhat(xr[i], i);
                d_beta[i] += dyr[i];
            }
        }
        let Some(dx) = pass.dx else { return };
        let rows = pass.x.len().checked_div(c).unwrap_or(0);
        let count = E::from_f64(rows.max(1) as f64);
        let gamma = w.at(0);
        for ((dxr, xr), dyr) in dx
            .chunks_exact_mut(c.max(1))
            .zip(pass.x.chunks_exact(c.max(1)))
            .zip(pass.dy.chunks_exact(c.max(1)))
        {
            for i in 0..c {
                dxr[i] = gamma[i] * inv[i] / count
                    * (count * dyr[i] - d_beta[i] - xhat(xr[i], i) * d_gamma[i]);
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
