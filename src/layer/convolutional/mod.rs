//! Keras's convolution layers: `Conv1D`, `Conv2D`, `DepthwiseConv2D`,
//! `Conv2DTranspose`, over channels-last samples.

mod conv1d;
mod conv2d;
mod conv2d_transpose;
mod depthwise_conv2d;

pub use conv1d::{Conv1D, Conv1DKernelArray, Rank3Array};
pub use conv2d::{
    ChannelsDivideEvenly, ChannelsSplit, Conv2D, ConvKernelArray, FiltersDivideEvenly,
    FiltersSplit, Rank4Array,
};
pub use conv2d_transpose::{Conv2DTranspose, TransposeKernelArray, TransposeRule, ValidTransposed};
pub use depthwise_conv2d::{DepthwiseConv2D, DepthwiseKernelArray, Rank1Array};
