//! Models: layers stacked with [`sequential!`](crate::sequential), and their
//! Keras API (`predict`, `summary`, `input_shape`, …).

mod sequential;
mod stack;
mod summary;

pub use sequential::Sequential;
pub use stack::{Empty, Stack};
pub use summary::Summary;
