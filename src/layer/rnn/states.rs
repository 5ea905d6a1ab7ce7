//! The states a recurrent layer carries from step to step: what a
//! functional model's `initial_state` inputs and `return_state` outputs
//! are ([`Graph::add_with_states`](crate::model::Graph::add_with_states)),
//! and the sequences a recurrent layer takes.

use super::Returns;
use crate::shape::{Dyn, Features, Masked, StaticDim, StepsDim};

/// A recurrent layer spec (SimpleRNN, LSTM, GRU): the shapes of the states
/// it carries from step to step, each `(batch, units)`.
pub trait Recurrent: Clone + 'static {
    /// The states' sample shapes, a tuple: `((Const<UNITS>,),)` for
    /// SimpleRNN and GRU (`h`), `((Const<UNITS>,), (Const<UNITS>,))` for
    /// LSTM (`h`, `c`).
    type States;
}

/// The outputs of a layer whose output is `Out` and whose states are these:
/// `Out` first, then each state.
#[cfg(feature = "alloc")]
pub trait WithStates<Out> {
    /// The node shape ([`Outputs`](crate::model::Outputs)) of the layer with
    /// `return_state`.
    type Outputs;
}

#[cfg(feature = "alloc")]
impl<Out, H> WithStates<Out> for (H,) {
    type Outputs = crate::model::Outputs<(Out, H)>;
}

#[cfg(feature = "alloc")]
impl<Out, H, C> WithStates<Out> for (H, C) {
    type Outputs = crate::model::Outputs<(Out, H, C)>;
}

/// The shape of a recurrent layer's input as its weights see it: a
/// sequence whose last axis is `Features` (the steps may still be open, for
/// a layer given its weights).
pub trait SequenceShape {
    /// Features per step: the kernel's rows.
    type Features: StaticDim;
}

impl<T, F: StaticDim> SequenceShape for (T, F) {
    type Features = F;
}

impl<T, F: StaticDim> SequenceShape for (T, Masked<F>) {
    type Features = F;
}

/// What a recurrent layer takes: sequences `(steps, features)`, or masked
/// sequences `(steps, Masked<features>)`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a recurrent layer takes sequences `(steps, features)`, not inputs of shape `{Self}`",
    label = "this layer does not fit the output of the layer before it",
    note = "vectors can become a sequence with `RepeatVector`, an image with `Reshape` (its rows as steps)"
)]
pub trait SequenceInput: SequenceShape + Features {
    /// The steps: static, or [`Dyn`] for sequences of run-time length.
    type Steps: StepsDim;
    /// Whether the steps carry a mask.
    const MASKED: bool;
    /// The output of a layer of `U` units returning `R`.
    type Output<R: Returns, U: StaticDim>: Features;
}

impl<T: StaticDim, F: StaticDim> SequenceInput for (T, F) {
    type Steps = T;
    const MASKED: bool = false;
    type Output<R: Returns, U: StaticDim> = R::Shape<T, U>;
}

impl<T: StaticDim, F: StaticDim> SequenceInput for (T, Masked<F>) {
    type Steps = T;
    const MASKED: bool = true;
    type Output<R: Returns, U: StaticDim> = R::MaskedShape<T, U>;
}

#[diagnostic::do_not_recommend]
impl<F: StaticDim> SequenceInput for (Dyn, F) {
    type Steps = Dyn;
    const MASKED: bool = false;
    type Output<R: Returns, U: StaticDim> = R::DynShape<U>;
}

#[diagnostic::do_not_recommend]
impl<F: StaticDim> SequenceInput for (Dyn, Masked<F>) {
    type Steps = Dyn;
    const MASKED: bool = true;
    type Output<R: Returns, U: StaticDim> = R::DynMaskedShape<U>;
}
