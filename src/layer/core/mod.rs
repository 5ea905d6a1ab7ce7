//! Keras's core layers: `Dense`, `Embedding` and `Masking`.

mod dense;
mod embedding;
mod masking;

pub use dense::{BiasArray, Dense, DenseInput, DenseWith, KernelArray, Matrix};
pub use embedding::{Embedding, IdMask, MaskZero, NoMask};
pub use masking::Masking;
