//! Keras's core layers: `Dense` and `Embedding`.

mod dense;
mod embedding;

pub use dense::{BiasArray, Dense, DenseInput, DenseWith, KernelArray, Matrix};
pub use embedding::Embedding;
