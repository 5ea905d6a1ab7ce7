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
mod time_distributed;

pub use bidirectional::{Bidirectional, Reversible};
pub use gru::{Gru, ResetAfter, ResetBefore, ResetGate};
pub use lstm::Lstm;
pub use recurrent::{LastOutput, Returns, Sequences};
pub use simple_rnn::SimpleRnn;
pub use time_distributed::{Steps, TimeDistributed, WithSteps};

use crate::init::Initializer;

/// Keras's initializers of a recurrent layer: kernel, recurrent kernel, bias.
const DEFAULT_INITIALIZERS: [Initializer; 3] = [
    Initializer::GlorotUniform,
    Initializer::Orthogonal { gain: 1.0 },
    Initializer::Zeros,
];
