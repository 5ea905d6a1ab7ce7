//! Keras's recurrent layers (`keras/src/layers/rnn/`): `SimpleRNN`, `LSTM`
//! and `GRU` over sequences `(batch, steps, features)`, with Keras's
//! formulas, weight layouts and initializers (glorot_uniform kernel,
//! orthogonal recurrent kernel, zero bias), and the `Bidirectional` and
//! `TimeDistributed` wrappers.

mod bidirectional;
mod gru;
mod lstm;
pub(crate) mod recurrent;
mod simple_rnn;
mod states;
mod time_distributed;

#[cfg(feature = "alloc")]
pub(crate) use bidirectional::Unmerged;
pub use bidirectional::{Bidirectional, DirectionOutput, Reversible};
pub use gru::{Gru, ResetAfter, ResetBefore, ResetGate};
pub use lstm::Lstm;
pub use recurrent::{LastOutput, Returns, Sequences};
pub use simple_rnn::SimpleRnn;
#[cfg(feature = "alloc")]
pub use states::WithStates;
pub use states::{Recurrent, SequenceInput, SequenceShape};
pub use time_distributed::{MaskedSteps, Steps, TimeDistributed, WithSteps};

use crate::init::Initializer;

/// What every recurrent layer spec is configured with beyond its type:
/// Keras's `use_bias`, `go_backwards`, `dropout`, `recurrent_dropout` and initializers
/// (kernel, recurrent kernel, bias).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Options {
    pub use_bias: bool,
    pub go_backwards: bool,
    pub dropout: f32,
    pub recurrent_dropout: f32,
    pub initializers: [Initializer; 3],
}

impl Default for Options {
    /// Keras's defaults: a bias, forwards, no dropout, glorot_uniform kernel,
    /// orthogonal recurrent kernel, zero bias.
    fn default() -> Self {
        Options {
            use_bias: true,
            go_backwards: false,
            dropout: 0.0,
            recurrent_dropout: 0.0,
            initializers: [
                Initializer::GlorotUniform,
                Initializer::Orthogonal { gain: 1.0 },
                Initializer::Zeros,
            ],
        }
    }
}
