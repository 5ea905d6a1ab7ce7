//! Layers: the [`Layer`] trait every layer implements, and [`BuildLayer`], the
//! step that fits a layer spec (`Dense<5>`) to the output of the layer before it.

mod activations;
mod convolutional;
mod core;
pub mod machinery;
pub mod merging;
mod normalization;
mod pooling;
mod products;
mod regularization;
mod reshaping;
pub(crate) mod rnn;
mod window;

pub use self::core::{
    BiasArray, Dense, DenseInput, DenseWith, Embedding, IdMask, KernelArray, MaskZero, Masking,
    Matrix, NoMask,
};
pub use activations::Activation;
pub use convolutional::{
    ChannelsDivideEvenly, ChannelsSplit, Conv1D, Conv1DKernelArray, Conv2D, Conv2DTranspose,
    ConvKernelArray, DepthwiseConv2D, DepthwiseKernelArray, FiltersDivideEvenly, FiltersSplit,
    Rank1Array, Rank3Array, Rank4Array, TransposeKernelArray, TransposeRule, ValidTransposed,
};
#[cfg(all(test, feature = "std"))]
pub(crate) use machinery::train;
#[cfg(feature = "std")]
pub(crate) use machinery::train::sum_rows;
#[cfg(feature = "std")]
pub use machinery::{Backprop, Tape, Weight};
pub use machinery::{BuildContext, Built, FromInput, LayerName, Named, SameChannels, WithName};
pub use merging::{Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract};
#[cfg(feature = "std")]
pub(crate) use normalization::check_variance;
pub use normalization::{BatchNormalization, LayerNormalization};
pub use pooling::{
    AveragePool, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalPooling1D,
    GlobalPooling2D, MaxPool, MaxPooling1D, MaxPooling2D, PoolOp, Pooling1D, Pooling2D,
};
pub use products::{DenseElement, Product, StridedProduct};
pub use regularization::Dropout;
pub use reshaping::{
    CountsAgree, Cropping2D, Flatten, Flattened, Permute, RepeatVector, Reshape, Reshape1,
    Reshape2, Reshape3, UpSampling2D, ZeroPadding2D,
};
#[cfg(feature = "alloc")]
pub use rnn::WithStates;
pub use rnn::{
    Bidirectional, DirectionOutput, Gru, LastOutput, Lstm, MaskedSteps, Recurrent, ResetAfter,
    ResetBefore, ResetGate, Returns, Reversible, SequenceInput, SequenceShape, Sequences,
    SimpleRnn, Steps, TimeDistributed, WithSteps,
};

use crate::shape::{Features, Sizes};
use crate::Element;

/// A built layer: it maps batches of samples of shape `Input` to batches of
/// samples of shape `Output`, both known to the compiler.
///
/// The forward pass works on row-major slices and never allocates: what it
/// needs beyond its input and output it takes from `scratch`, whose length is
/// `batch * SCRATCH_PER_SAMPLE`.
pub trait Layer<E: Element> {
    /// The shape of one input sample.
    type Input: Features;
    /// The shape of one output sample.
    type Output: Features;
    /// Scratch elements the forward pass needs per sample.
    const SCRATCH_PER_SAMPLE: usize = 0;
    /// Whether the layer passes its input through unchanged (the model's input).
    const IS_IDENTITY: bool = false;
    /// For a chain of layers run by [`forward_alternating`](Self::forward_alternating):
    /// the elements per sample its `out` and `other` buffers must hold
    /// (a plain layer: its output, and nothing).
    #[doc(hidden)]
    const ALTERNATING: [usize; 2] = [<Self::Output as crate::shape::StaticShape>::NUMEL, 0];
    /// For a chain: the largest scratch one of its layers needs per sample
    /// (a plain layer: its own).
    #[doc(hidden)]
    const WORK_PER_SAMPLE: usize = Self::SCRATCH_PER_SAMPLE;

    /// Computes `y` for the `batch` samples in `x`.
    ///
    /// `x.len() == batch * Input::NUMEL`, `y.len() == batch * Output::NUMEL`,
    /// `scratch.len() >= batch * SCRATCH_PER_SAMPLE`; callers guarantee these.
    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]);

    /// The output's timesteps for inputs of `steps` timesteps, in a model
    /// over sequences of run-time length (`Input<Dyn, F>`): `steps` for a
    /// layer that keeps them, fewer for a window (Conv1D, pooling), 1 for
    /// an output without run-time steps (a recurrent layer without
    /// `return_sequences`); an error when a sequence is too short for a
    /// window.
    fn output_steps(&self, steps: usize) -> Result<usize, crate::Error> {
        Ok(match <Self::Output as Features>::DYN_STEPS {
            true => steps,
            false => 1,
        })
    }

    /// [`forward_slices`](Self::forward_slices) over `batch` sequences of
    /// `steps` timesteps, for inputs whose steps are known only at run
    /// time (1 for any other input); `scratch.len() >= batch · steps ·
    /// SCRATCH_PER_SAMPLE`. By default: `batch · steps` rows, each on its
    /// own (what every layer that works step by step does).
    fn forward_steps(&self, x: &[E], y: &mut [E], batch: usize, steps: usize, scratch: &mut [E]) {
        self.forward_slices(x, y, batch * steps, scratch);
    }

    /// Computes the output into the front of `out`, a chain's intermediate
    /// outputs alternating between `other` and `out` (each layer reads one
    /// and writes the other), so that a chain needs two buffers, not one per
    /// layer; `out` and `other` hold `batch · steps ·` [`ALTERNATING`](Self::ALTERNATING),
    /// `work` `batch · steps ·` [`WORK_PER_SAMPLE`](Self::WORK_PER_SAMPLE).
    /// By default: [`forward_steps`](Self::forward_steps) into `out`.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    fn forward_alternating(
        &self,
        x: &[E],
        out: &mut [E],
        _other: &mut [E],
        batch: usize,
        steps: usize,
        work: &mut [E],
    ) {
        let len = batch
            * self.output_steps(steps).unwrap_or(0)
            * <Self::Output as crate::shape::StaticShape>::NUMEL;
        self.forward_steps(x, &mut out[..len], batch, steps, work);
    }

    /// Number of parameters (weights and biases).
    fn param_count(&self) -> usize;

    /// Checks a batch before [`Layer::forward_slices`] runs on it, for
    /// layers whose input has rules beyond its shape (an Embedding's ids).
    fn check_input(&self, _x: &[E]) -> Result<(), crate::Error> {
        Ok(())
    }

    /// How many of those parameters training leaves alone (a batch norm's
    /// moving statistics).
    fn non_trainable_count(&self) -> usize {
        0
    }

    /// Calls `row` for each layer inside, in order (once for a plain layer).
    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow));

    /// How many layers this is: 1, or the length of a chain of layers. A
    /// training pass gives each a [`Tape`].
    #[cfg(feature = "std")]
    const DEPTH: usize = 1;

    /// The forward pass in training mode (dropout drops, batch
    /// normalization uses the batch's statistics and updates its moving
    /// ones), keeping in `tape` (`DEPTH` entries) what
    /// [`Layer::backward`] needs. By default: the inference pass.
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        _rng: &mut crate::random::Rng,
    ) {
        let scratch = &mut tape[0].scratch;
        scratch.resize(batch * Self::SCRATCH_PER_SAMPLE, E::ZERO);
        self.forward_slices(x, y, batch, scratch);
    }

    /// [`forward_train`](Self::forward_train) over `batch` sequences of
    /// `steps` timesteps (see [`forward_steps`](Self::forward_steps)). By
    /// default: `batch · steps` rows.
    #[cfg(feature = "std")]
    fn forward_train_steps(
        &mut self,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.forward_train(x, y, batch * steps, tape, rng);
    }

    /// The backward pass after [`Layer::forward_train`] on the same `tape`:
    /// the gradient with respect to the input into `pass.dx` (when asked),
    /// and the gradients of the trainable weights into `grads`, in the order
    /// of [`Layer::visit_weights`] (overwritten, not added to).
    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]);

    /// Calls `visit` with each weight tensor, in Keras's order (`kernel`,
    /// `bias`; `gamma`, `beta`, `moving_mean`, `moving_variance`).
    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, _visit: &mut dyn FnMut(Weight<'a, E>)) {}

    /// Calls `visit` with each weight tensor's Keras name, shape and values,
    /// in Keras's order, whatever the storage (`&'static` weights in flash
    /// too): the read-only view [`Layer::visit_weights`] gives mutably.
    fn visit_weight_values(&self, _visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
    }
}

/// Applies `activation` in place over rows of `width` values (the last axis).
pub(crate) fn activate_in_place<E: Element, A: crate::activation::Activation>(
    activation: &A,
    y: &mut [E],
    width: usize,
) {
    if width > 0 {
        for row in y.chunks_exact_mut(width) {
            activation.apply(row);
        }
    }
}

/// One line of a model summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer's name (`dense_1`).
    pub name: LayerName,
    /// The layer's Keras class name (`Dense`).
    pub kind: &'static str,
    /// The shape of one output sample (the batch axis is printed as `None`).
    pub output: Sizes,
    /// Outputs after that one, all of one shape: how many, and the shape
    /// (a recurrent layer's states with `return_state`); `(0, _)` for most
    /// layers.
    pub more_outputs: (usize, Sizes),
    /// Number of parameters.
    pub params: usize,
}

impl SummaryRow {
    /// The row of a layer with one output.
    pub(crate) fn new(name: LayerName, kind: &'static str, output: Sizes, params: usize) -> Self {
        SummaryRow {
            name,
            kind,
            output,
            more_outputs: (0, output),
            params,
        }
    }
}

/// A layer spec that can be fitted to inputs of shape `In`, the way a Keras
/// layer is built on the shape of the layer before it.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` cannot take inputs of shape `{In}`",
    label = "this layer does not fit the output of the layer before it"
)]
pub trait BuildLayer<In: Features, E: Element> {
    /// The built layer.
    type Layer: Layer<E, Input = In>;
    /// Builds the layer: names it and draws its initial weights from `ctx`.
    fn build(self, ctx: &mut BuildContext) -> Self::Layer;
}
