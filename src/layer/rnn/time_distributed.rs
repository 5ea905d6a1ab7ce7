//! `TimeDistributed`: one layer applied to every step of a sequence
//! (Keras's `layers.TimeDistributed`).

#[cfg(feature = "std")]
use crate::layer::{Backprop, Tape, Weight};
use crate::layer::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::shape::{unmask, with_mask, Dyn, Features, Masked, StaticDim, StepsDim};
use crate::Element;
use core::marker::PhantomData;

/// A sample shape split into its first axis (the steps) and the rest (one
/// step's shape): `(T, A, B)` is `T` and `(A, B)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` has no steps axis to distribute over",
    label = "TimeDistributed takes sequences: (steps, …one step's shape)"
)]
pub trait Steps: Features {
    /// The steps axis.
    type Steps: StepsDim;
    /// One step's shape.
    type Step: Features;
}

/// A step's shape with a steps axis `T` in front.
pub trait WithSteps<T>: Features {
    /// `(T, …Self)`.
    type Output: Features;
}

impl<T: StaticDim, A: StaticDim> Steps for (T, A) {
    type Steps = T;
    type Step = (A,);
}
impl<T: StaticDim, A: StaticDim, B: StaticDim> Steps for (T, A, B) {
    type Steps = T;
    type Step = (A, B);
}
impl<T: StaticDim, A: StaticDim, B: StaticDim, C: StaticDim> Steps for (T, A, B, C) {
    type Steps = T;
    type Step = (A, B, C);
}
impl<A: StaticDim> Steps for (Dyn, A) {
    type Steps = Dyn;
    type Step = (A,);
}
impl<A: StaticDim> WithSteps<Dyn> for (A,) {
    type Output = (Dyn, A);
}
impl<T: StaticDim, A: StaticDim> WithSteps<T> for (A,) {
    type Output = (T, A);
}
impl<T: StaticDim, A: StaticDim, B: StaticDim> WithSteps<T> for (A, B) {
    type Output = (T, A, B);
}
impl<T: StaticDim, A: StaticDim, B: StaticDim, C: StaticDim> WithSteps<T> for (A, B, C) {
    type Output = (T, A, B, C);
}

/// `layer` applied to each of the `T` steps of every sample, with one set
/// of weights: `(T, …step)` → `(T, …layer's output)`. A layer that does not
/// fit one step's shape is a compile error naming it.
///
/// ```
/// use corten::prelude::*;
/// // 10 frames of 8×8 images: a convolution on each frame, then an LSTM.
/// let video = sequential![
///     Input<10, 8, 8, 1>,
///     (TimeDistributed::new(Conv2D::<4, 3, Relu>::default())), // (None, 10, 6, 6, 4)
///     (TimeDistributed::new(Flatten)),                        // (None, 10, 144)
///     Lstm<8>,
/// ];
/// assert_eq!(video.output_shape().to_string(), "(None, 8)");
/// let model = sequential![Input<10, 6>, (TimeDistributed::new(Dense::<3>::new())), Lstm<2>];
/// assert_eq!(model.output_shape().to_string(), "(None, 2)");
/// assert!(model.summary().to_string().contains("│ time_distributed "));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TimeDistributed<L, T = ()> {
    layer: L,
    name: Option<LayerName>,
    steps: PhantomData<T>,
}

impl<S> TimeDistributed<S> {
    /// `spec` applied to every step.
    pub fn new(spec: S) -> Self {
        TimeDistributed {
            layer: spec,
            name: None,
            steps: PhantomData,
        }
    }
}

impl<L, T> TimeDistributed<L, T> {
    /// The layer applied to each step.
    pub fn layer(&self) -> &L {
        &self.layer
    }
}

impl<In, E, S> BuildLayer<In, E> for TimeDistributed<S>
where
    In: Steps,
    E: Element,
    S: BuildLayer<In::Step, E>,
    <S::Layer as Layer<E>>::Output: WithSteps<In::Steps>,
    In::Step: WithSteps<In::Steps, Output = In>,
{
    type Layer = TimeDistributed<S::Layer, In::Steps>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let given = ctx.take_given_name();
        let layer = self.layer.build(ctx);
        let name = match given {
            Some(base) => LayerName { base, index: 0 },
            None => ctx.name("time_distributed"),
        };
        TimeDistributed {
            layer,
            name: Some(name),
            steps: PhantomData,
        }
    }
}

impl<E, L, T> Layer<E> for TimeDistributed<L, T>
where
    E: Element,
    T: StepsDim,
    L: Layer<E>,
    L::Input: WithSteps<T>,
    L::Output: WithSteps<T>,
{
    type Input = <L::Input as WithSteps<T>>::Output;
    type Output = <L::Output as WithSteps<T>>::Output;
    const SCRATCH_PER_SAMPLE: usize = T::PER_ROW * L::SCRATCH_PER_SAMPLE;

    /// The steps are samples to the layer: `batch · T` of them.
    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.layer.forward_slices(x, y, batch * T::PER_ROW, scratch);
    }

    fn param_count(&self) -> usize {
        self.layer.param_count()
    }

    fn non_trainable_count(&self) -> usize {
        self.layer.non_trainable_count()
    }

    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        self.layer.check_input(x)
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow::new(
            self.name.unwrap_or(LayerName {
                base: "time_distributed",
                index: 0,
            }),
            "TimeDistributed",
            <Self::Output as Features>::keras_sizes(),
            self.layer.param_count(),
        ));
    }

    #[cfg(feature = "std")]
    const DEPTH: usize = L::DEPTH;

    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.layer
            .forward_train(x, y, batch * T::PER_ROW, tape, rng);
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]) {
        let pass = Backprop {
            batch: pass.batch * pass.steps * T::PER_ROW,
            steps: 1,
            ..pass
        };
        self.layer.backward(pass, tape, grads);
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.layer.visit_weights(visit);
    }

    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.layer.visit_weight_values(visit);
    }
}

/// The steps of a masked sequence, for a [`TimeDistributed`] over one:
/// the layer sees each step's values, the output keeps the mask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaskedSteps<T>(PhantomData<T>);

/// `TimeDistributed` over a masked sequence `(steps, Masked<features>)`
/// (Keras passes the mask on): a layer on vectors applied to every step's
/// values, giving `(steps, Masked<units>)`.
impl<E, S, T, A, U> BuildLayer<(T, Masked<A>), E> for TimeDistributed<S>
where
    T: StaticDim,
    A: StaticDim,
    U: StaticDim,
    E: Element,
    S: BuildLayer<(A,), E>,
    S::Layer: Layer<E, Input = (A,), Output = (U,)>,
{
    type Layer = TimeDistributed<S::Layer, MaskedSteps<T>>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let given = ctx.take_given_name();
        let layer = self.layer.build(ctx);
        let name = match given {
            Some(base) => LayerName { base, index: 0 },
            None => ctx.name("time_distributed"),
        };
        TimeDistributed {
            layer,
            name: Some(name),
            steps: PhantomData,
        }
    }
}

impl<E, L, T, A, U> Layer<E> for TimeDistributed<L, MaskedSteps<T>>
where
    E: Element,
    T: StaticDim,
    A: StaticDim,
    U: StaticDim,
    L: Layer<E, Input = (A,), Output = (U,)>,
{
    type Input = (T, Masked<A>);
    type Output = (T, Masked<U>);
    /// The steps' values and mask apart, the layer's outputs, its scratch.
    const SCRATCH_PER_SAMPLE: usize = T::SIZE * (A::SIZE + 1 + U::SIZE + L::SCRATCH_PER_SAMPLE);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        let rows = batch * T::SIZE;
        let (values, rest) = scratch.split_at_mut(rows * A::SIZE);
        let (mask, rest) = rest.split_at_mut(rows);
        let (out, rest) = rest.split_at_mut(rows * U::SIZE);
        unmask(x, A::SIZE, values, mask);
        self.layer.forward_slices(values, out, rows, rest);
        with_mask(out, mask, U::SIZE, y);
    }

    fn param_count(&self) -> usize {
        self.layer.param_count()
    }

    fn non_trainable_count(&self) -> usize {
        self.layer.non_trainable_count()
    }

    /// Each step's values, checked by the layer.
    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        x.chunks_exact(A::SIZE + 1)
            .try_for_each(|step| self.layer.check_input(&step[..A::SIZE]))
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow::new(
            self.name.unwrap_or(LayerName {
                base: "time_distributed",
                index: 0,
            }),
            "TimeDistributed",
            <Self::Output as Features>::keras_sizes(),
            self.layer.param_count(),
        ));
    }

    #[cfg(feature = "std")]
    const DEPTH: usize = L::DEPTH;

    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        let rows = batch * T::SIZE;
        let (values, mask) = crate::shape::unmasked(x, A::SIZE, rows);
        let mut out = alloc::vec![E::ZERO; rows * U::SIZE];
        self.layer.forward_train(&values, &mut out, rows, tape, rng);
        with_mask(&out, &mask, U::SIZE, y);
    }

    /// The layer's passes on the values apart; the mask gets no gradient.
    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]) {
        let pass = pass.as_rows();
        let rows = pass.batch * T::SIZE;
        let (x, mask) = crate::shape::unmasked(pass.x, A::SIZE, rows);
        let (y, _) = crate::shape::unmasked(pass.y, U::SIZE, rows);
        let (mut dy, _) = crate::shape::unmasked(pass.dy, U::SIZE, rows);
        let mut dx = alloc::vec![E::ZERO; if pass.dx.is_some() { rows * A::SIZE } else { 0 }];
        let values = Backprop {
            x: &x,
            y: &y,
            dy: &mut dy,
            dx: pass.dx.is_some().then_some(&mut dx[..]),
            batch: rows,
            steps: 1,
        };
        self.layer.backward(values, tape, grads);
        if let Some(out) = pass.dx {
            with_mask(&dx, &alloc::vec![E::ZERO; mask.len()], A::SIZE, out);
        }
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.layer.visit_weights(visit);
    }

    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.layer.visit_weight_values(visit);
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::Tanh;
    use crate::layer::train::check;
    use crate::layer::{BatchNormalization, Conv1D, Dense};
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        let dense = TimeDistributed::new(Dense::<2, Tanh>::new());
        check::gradients(&check::build::<(N<3>, N<4>), _>(dense), 2, None);
        // Over a masked sequence: the mask passes, its gradient is 0.
        let masked = TimeDistributed::new(Dense::<2, Tanh>::new());
        type Masked = (N<3>, crate::shape::Masked<N<4>>);
        check::gradients(&check::build::<Masked, _>(masked), 2, None);
        let conv = TimeDistributed::new(Conv1D::<2, 2, Tanh>::default());
        check::gradients(&check::build::<(N<2>, N<4>, N<3>), _>(conv), 2, None);
    }

    /// A batch norm inside sees every step of every sample as one batch, as
    /// in Keras (the statistics are over batch · steps).
    #[test]
    fn a_batch_norm_inside_normalizes_over_batch_and_steps() {
        let mut layer =
            check::build::<(N<3>, N<2>), _>(TimeDistributed::new(BatchNormalization::default()));
        let x: alloc::vec::Vec<f64> = (0..12).map(|i| i as f64).collect();
        let mut y = alloc::vec![0.0; 12];
        let mut tape = alloc::vec![Tape::default(); 1];
        let mut rng = crate::random::Rng::seed_from(0);
        layer.forward_train(&x, &mut y, 2, &mut tape, &mut rng);
        for channel in 0..2 {
            let mean: f64 = y.iter().skip(channel).step_by(2).sum::<f64>() / 6.0;
            assert!(mean.abs() < 1e-12, "channel {channel} mean {mean}");
        }
    }
}
