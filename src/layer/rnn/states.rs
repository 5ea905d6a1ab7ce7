//! The states a recurrent layer carries from step to step: what a
//! functional model's `initial_state` inputs and `return_state` outputs
//! are ([`Graph::add_with_states`](crate::model::Graph::add_with_states)).

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
pub trait WithStates<Out> {
    /// The node shape ([`Outputs`](crate::model::Outputs)) of the layer with
    /// `return_state`.
    type Outputs;
}

impl<Out, H> WithStates<Out> for (H,) {
    type Outputs = crate::model::Outputs<(Out, H)>;
}

impl<Out, H, C> WithStates<Out> for (H, C) {
    type Outputs = crate::model::Outputs<(Out, H, C)>;
}
