//! `BatchNormalization` in inference: the moving statistics normalize each
//! feature of the last axis.

use super::normalization::{affine, check_len, KERAS_EPSILON};
use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::error::Error;
use crate::shape::{Features, LastAxis, SameFeatures, StaticDim};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

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
        Ok(BatchNormalizationLayer {
            gamma,
            beta,
            mean: moving_mean,
            variance: moving_variance,
            epsilon: KERAS_EPSILON,
            name: LayerName {
                base: "batch_normalization",
                index: 0,
            },
            types: PhantomData,
        })
    }
}

impl<C, E: Element, D: Data<E>, In> BatchNormalizationLayer<C, E, D, In> {
    /// The same layer with another `epsilon`.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
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
            ..
        } = layer;
        BatchNormalizationLayer {
            gamma,
            beta,
            mean,
            variance,
            epsilon,
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
            ..
        } = self;
        BatchNormalizationLayer {
            gamma,
            beta,
            mean,
            variance,
            epsilon,
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

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "BatchNormalization",
            output: In::default().sizes(),
            params: 4 * C::SIZE,
        })
    }
}
