//! Keras's normalization layers: `BatchNormalization`, `LayerNormalization`.

mod affine;
mod batch_normalization;
mod layer_normalization;

#[cfg(feature = "std")]
pub(crate) use batch_normalization::check_variance;
pub use batch_normalization::BatchNormalization;
pub use layer_normalization::LayerNormalization;
