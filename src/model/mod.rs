//! Models: layers stacked with [`sequential!`](crate::sequential), and their
//! Keras API (`predict`, `summary`, `compile`, `fit`, `evaluate`, …).

#[cfg(feature = "std")]
mod callback;
mod chain;
#[cfg(feature = "std")]
mod fit;
#[cfg(feature = "alloc")]
mod graph;
#[cfg(feature = "std")]
mod progress;
mod residual;
mod sequential;
mod stack;
mod summary;
#[cfg(feature = "std")]
mod training;
#[cfg(feature = "std")]
pub(crate) mod weight_file;
#[cfg(feature = "std")]
pub(crate) mod weights;

#[cfg(feature = "std")]
pub use callback::{Callback, Control, EarlyStopping, History, Logs, ModelWeights, Snapshot};
pub use chain::Chain;
#[cfg(feature = "std")]
pub use fit::{Dataset, FitOptions, Tensors};
#[cfg(feature = "alloc")]
pub use graph::{
    Apply, ApplyWithStates, Feed, Graph, GraphSummary, Model, NodeOp, NodeShape, Nodes, Outputs,
    Receive, Shared, StartsFrom, Sym, Syms, WithInitialState, MAX_ARITY,
};
#[cfg(feature = "std")]
pub use graph::{Labels, Objectives};
#[cfg(feature = "std")]
pub use progress::Verbosity;
pub use residual::Residual;
pub use sequential::Sequential;
pub use stack::{Empty, Identity, Stack};
pub use summary::Summary;
#[cfg(feature = "std")]
pub use training::Objective;
#[cfg(feature = "std")]
pub use weight_file::SafeTensorsView;
#[cfg(feature = "std")]
pub use weights::WeightValues;
