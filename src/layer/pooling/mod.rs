//! Keras's pooling layers: `MaxPooling1D`/`2D`, `AveragePooling1D`/`2D`, and
//! their global forms, over channels-last samples.

mod global_pooling1d;
mod global_pooling2d;
mod pool_op;
mod pooling1d;
mod pooling2d;

pub use global_pooling1d::{GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalPooling1D};
pub use global_pooling2d::{GlobalAveragePooling2D, GlobalMaxPooling2D, GlobalPooling2D};
pub use pool_op::{AveragePool, MaxPool, PoolOp};
pub use pooling1d::{AveragePooling1D, MaxPooling1D, Pooling1D};
pub use pooling2d::{AveragePooling2D, MaxPooling2D, Pooling2D};
