//! Keras's reshaping layers: `Flatten`, `Reshape`, `Permute`,
//! `ZeroPadding2D`, `UpSampling2D`, `Cropping2D`.

mod cropping2d;
mod flatten;
mod permute;
mod repeat_vector;
mod reshape;
mod resize;
mod up_sampling2d;
mod zero_padding2d;

pub use cropping2d::Cropping2D;
pub use flatten::{Flatten, Flattened};
pub use permute::Permute;
pub use repeat_vector::RepeatVector;
pub use reshape::{CountsAgree, Reshape, Reshape1, Reshape2, Reshape3};
pub use up_sampling2d::UpSampling2D;
pub use zero_padding2d::ZeroPadding2D;
