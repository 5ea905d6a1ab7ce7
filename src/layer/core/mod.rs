//! Keras's core layers: `Dense` and `Embedding`.

mod dense;
mod embedding;

pub use dense::{BiasArray, Dense, DenseElement, DenseWith, KernelArray, Matrix, StridedProduct};
pub use embedding::Embedding;
