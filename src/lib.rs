// The crate's documentation is the README: its guide and the Keras → corten
// table, every Rust block in it a doctest.
#![doc = include_str!("../README.md")]
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
