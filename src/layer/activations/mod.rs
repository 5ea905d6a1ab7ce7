//! Keras's activation layers: `Activation`.

mod activation;

pub use activation::Activation;
