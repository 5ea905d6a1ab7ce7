//! The machinery every layer shares, written once: a layer is a
//! [`LayerKind`] (its Keras names, weights and configuration) and a
//! [`LayerOp`] (its shape rule and math); [`Built`] adds weight storage,
//! checks, naming, summary rows and the spec → built step; [`BuildContext`]
//! names layers and seeds their initializers; the training tape lives in
//! `train`.

mod build;
mod built;
mod fits;
mod kind;
#[cfg(feature = "std")]
pub(crate) mod train;
mod weights;

pub use build::{BuildContext, LayerName};
pub use built::Built;
pub(crate) use built::{builds_from_spec, kernel_and_bias_layer};
pub use fits::{AxisFits, ChannelsFit, EndsWith, Fits, FromInput, LastAxisSize, SameChannels};
pub use kind::{KernelAndBias, LayerKind, LayerOp, Stateless, WeightInfo, WeightShapes};
#[cfg(feature = "std")]
pub use train::{Backprop, Tape, Weight};
#[cfg(not(feature = "std"))]
pub use weights::NeedsStd;
pub use weights::{Draw, Drawn, Random, Weights};
