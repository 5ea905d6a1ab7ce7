//! # corten
//!
//! Keras's building blocks for Rust, with tensor shapes in the type system: a
//! model whose layers do not fit does not compile, and the error names both
//! shapes.
//!
//! ```
//! use corten::prelude::*;
//! use corten::{sequential, Tensor};
//! let w = [[1.0f32, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]];
//! let model = sequential![Input<2>, Dense<5, Linear>::from_weights(w, [0.0; 5])];
//! assert_eq!(model.input_shape().to_string(), "(None, 2)");
//! let y = model.predict(&Tensor::from_array([[1.0f32, 2.0]]))?;
//! assert_eq!(y.to_string(), "[[3, 6, 9, 12, 15]]");
//! # Ok::<(), corten::Error>(())
//! ```
//!
//! Training (`compile`, `fit`, `evaluate`, losses, optimizers, metrics,
//! datasets) comes with the default `std` feature:
//!
//! ```
//! use corten::prelude::*;
//! let mut model = sequential![Input<2>, Dense<8, Tanh>, Dense<1, Sigmoid>];
//! model.compile(Adam { learning_rate: 0.05, ..Default::default() }, BinaryCrossentropy::default(), [Accuracy]);
//! // XOR
//! let x = Tensor::from_array([[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
//! let y = Tensor::from_array([[0.0f32], [1.0], [1.0], [0.0]]);
//! let options = FitOptions { epochs: 300, batch_size: 4, verbose: Verbosity::Silent, ..Default::default() };
//! model.fit(&x, &y, options)?;
//! assert_eq!(model.evaluate(&x, &y)?.get("accuracy"), Some(1.0));
//! # Ok::<(), corten::Error>(())
//! ```
//!
//! Without the default `std` feature the core (shapes, tensors over inline or
//! borrowed storage, the layers' inference, activations) is `no_std` and
//! allocation-free.
#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod activation;
#[cfg(feature = "std")]
pub mod datasets;
mod element;
mod error;
pub mod init;
#[cfg(feature = "std")]
pub mod keras;
pub mod layer;
pub mod linalg;
#[cfg(feature = "std")]
pub mod loss;
#[cfg(feature = "std")]
pub mod metric;
pub mod model;
#[cfg(feature = "std")]
pub mod optimizer;
#[cfg(feature = "std")]
pub mod random;
pub mod shape;
pub mod tensor;

pub use element::{Element, Integer};
pub use error::Error;
pub use shape::{Const, Dyn};
pub use tensor::Tensor;

/// Everything a model definition usually names, for `use corten::prelude::*`.
pub mod prelude {
    pub use crate::activation::*;
    pub use crate::layer::{
        Activation, Add, Average, AveragePooling1D, AveragePooling2D, BatchNormalization,
        Bidirectional, Concatenate, Conv1D, Conv2D, Cropping2D, Dense, Dot, Dropout, Embedding,
        Flatten, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
        GlobalMaxPooling2D, Gru, Layer, LayerNormalization, Lstm, Masking, MaxPooling1D,
        MaxPooling2D, Maximum, Minimum, Multiply, Permute, RepeatVector, Reshape, Reshape1,
        Reshape2, Reshape3, SimpleRnn, Subtract, TimeDistributed, UpSampling2D, WithName,
        ZeroPadding2D,
    };
    #[cfg(feature = "std")]
    pub use crate::loss::{
        BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
        SparseCategoricalCrossentropy,
    };
    #[cfg(feature = "std")]
    pub use crate::metric::{Accuracy, Mae, Mse};
    #[cfg(feature = "alloc")]
    pub use crate::model::Graph;
    pub use crate::model::Sequential;
    #[cfg(feature = "std")]
    pub use crate::model::{EarlyStopping, FitOptions, Objective, Verbosity};
    #[cfg(feature = "std")]
    pub use crate::optimizer::{Adagrad, Adam, AdamW, Clip, RMSprop, Sgd};
    pub use crate::shape::{Const, Dyn, Same, Valid};
    pub use crate::{sequential, Element, Error, Tensor};
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
