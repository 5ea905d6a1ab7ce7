//! `BatchNormalization` in inference: the moving statistics normalize each
//! feature of the last axis.

use super::normalization::{affine, check_len, KERAS_EPSILON};
use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::error::Error;
use crate::shape::{Features, LastAxis, SameFeatures, StaticDim};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

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
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchNormalization;

/// A built BatchNormalization over `C` features of the last axis of `In`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormalizationLayer<C, E, D, In = ()> {
    gamma: D,
    beta: D,
    mean: D,
    variance: D,
    epsilon: f64,
    momentum: f64,
    name: LayerName,
    types: PhantomData<(C, E, In)>,
}

impl BatchNormalization {
    /// A layer with the given gamma, beta, moving mean and moving variance
    /// (Keras's `get_weights()` order), `C` values each; an error when a length
    /// differs.
    pub fn from_data<C: StaticDim, E: Element, D: Data<E>>(
        gamma: D,
        beta: D,
        moving_mean: D,
        moving_variance: D,
    ) -> Result<BatchNormalizationLayer<C, E, D>, Error> {
        check_len::<C, E, D>("BatchNormalization gamma", &gamma)?;
        check_len::<C, E, D>("BatchNormalization beta", &beta)?;
        check_len::<C, E, D>("BatchNormalization moving_mean", &moving_mean)?;
        check_len::<C, E, D>("BatchNormalization moving_variance", &moving_variance)?;
        check_variance(
            None,
            "BatchNormalization moving_variance",
            moving_variance.as_slice(),
        )?;
        Ok(BatchNormalizationLayer {
            gamma,
            beta,
            mean: moving_mean,
            variance: moving_variance,
            epsilon: KERAS_EPSILON,
            momentum: KERAS_MOMENTUM,
            name: LayerName {
                base: "batch_normalization",
                index: 0,
            },
            types: PhantomData,
        })
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

impl<C, E: Element, D: Data<E>, In> BatchNormalizationLayer<C, E, D, In> {
    /// The same layer with another `epsilon`.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// The same layer with another `momentum` for the moving statistics
    /// (Keras's default 0.99): after each training batch,
    /// `moving = moving · momentum + batch · (1 − momentum)`.
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
}

#[cfg(feature = "alloc")]
impl<In: LastAxis, E: Element> BuildLayer<In, E> for BatchNormalization {
    type Layer = BatchNormalizationLayer<In::Last, E, alloc::vec::Vec<E>, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let c = In::Last::SIZE;
        let (zeros, ones) = (alloc::vec![E::ZERO; c], alloc::vec![E::ONE; c]);
        let layer = BatchNormalization::from_data::<In::Last, E, _>(
            ones.clone(),
            zeros.clone(),
            zeros,
            ones,
        )
        .expect("vectors of the right length");
        let BatchNormalizationLayer {
            gamma,
            beta,
            mean,
            variance,
            epsilon,
            momentum,
            ..
        } = layer;
        BatchNormalizationLayer {
            gamma,
            beta,
            mean,
            variance,
            epsilon,
            momentum,
            name: ctx.name("batch_normalization"),
            types: PhantomData,
        }
    }
}

impl<In, C, E, D> BuildLayer<In, E> for BatchNormalizationLayer<C, E, D>
where
    In: LastAxis,
    In::Last: SameFeatures<C>,
    C: StaticDim,
    E: Element,
    D: Data<E>,
{
    type Layer = BatchNormalizationLayer<C, E, D, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let BatchNormalizationLayer {
            gamma,
            beta,
            mean,
            variance,
            epsilon,
            momentum,
            ..
        } = self;
        BatchNormalizationLayer {
            gamma,
            beta,
            mean,
            variance,
            epsilon,
            momentum,
            name: ctx.name("batch_normalization"),
            types: PhantomData,
        }
    }
}

impl<In: Features, C: StaticDim, E: Element, D: Data<E>> Layer<E>
    for BatchNormalizationLayer<C, E, D, In>
{
    type Input = In;
    type Output = In;

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        let (g, b, m, v) = (
            self.gamma.as_slice(),
            self.beta.as_slice(),
            self.mean.as_slice(),
            self.variance.as_slice(),
        );
        let eps = E::from_f64(self.epsilon);
        let scale = |i: usize| g[i] / (v[i] + eps).sqrt();
        affine(x, y, scale, |i| b[i] - m[i] * scale(i), C::SIZE);
    }

    fn param_count(&self) -> usize {
        4 * C::SIZE
    }

    fn non_trainable_count(&self) -> usize {
        2 * C::SIZE
    }

    /// Normalizes with the batch's mean and (biased) variance over every
    /// axis but the last, and moves the moving statistics toward them.
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        _batch: usize,
        tape: &mut [super::Tape<E>],
        _rng: &mut crate::random::Rng,
    ) {
        let c = C::SIZE;
        let stats = &mut tape[0].cache;
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
        if let Some(moving) = self.mean.writable() {
            for (mm, &m) in moving.iter_mut().zip(mean.iter()) {
                *mm = *mm * momentum + m * (E::ONE - momentum);
            }
        }
        if let Some(moving) = self.variance.writable() {
            for (mv, &s) in moving.iter_mut().zip(inv.iter()) {
                *mv = *mv * momentum + s / count * (E::ONE - momentum);
            }
        }
        for s in inv.iter_mut() {
            *s = E::ONE / (*s / count + eps).sqrt();
        }
        let (g, b) = (self.gamma.as_slice(), self.beta.as_slice());
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
    fn backward(&self, pass: super::Backprop<'_, E>, tape: &mut [super::Tape<E>], grads: &mut [E]) {
        let c = C::SIZE;
        let (mean, inv) = tape[0].cache.split_at(c);
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
        let gamma = self.gamma.as_slice();
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

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable("gamma", self.gamma.writable()));
        visit(super::Weight::trainable("beta", self.beta.writable()));
        for (name, values) in [
            ("moving_mean", self.mean.writable()),
            ("moving_variance", self.variance.writable()),
        ] {
            visit(super::Weight {
                name,
                values,
                trainable: false,
            });
        }
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "BatchNormalization",
            output: In::default().sizes(),
            params: 4 * C::SIZE,
        })
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::layer::Tape;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(
            &check::build::<(N<3>, N<4>), _>(BatchNormalization),
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
        let mut bn = check::build::<(N<1>,), _>(BatchNormalization);
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
        assert!((bn.mean[0] - 0.03).abs() < 1e-12);
        assert!((bn.variance[0] - (0.99 + 0.035)).abs() < 1e-12);
    }
}
