//! Keras's regularization layers: `Dropout`.

mod dropout;

pub use dropout::Dropout;
