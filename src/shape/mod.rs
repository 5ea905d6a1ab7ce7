//! Shapes in types: static and dynamic dimensions, tuples of them, type-level
//! arithmetic, and the named traits that make a mismatch a compile error.

mod arith;
mod constraint;
mod dim;
mod masked;
mod run_time_steps;
mod tuple;
mod window;

pub use arith::{Difference, DimAdd, DimMul, DimSub, Product, Sum, ToUInt, UIntOf};
pub use constraint::{
    BatchOf, ChannelsAgree, MatMulRhs, OutputBatchOf, OutputFits, SameChannels, SameFeatures,
    SameShape, SizesAgree,
};
pub use dim::{Const, Dim, Dyn, StaticDim, StepsDim};
#[cfg(feature = "std")]
pub(crate) use masked::unmasked;
pub use masked::Masked;
pub(crate) use masked::{step_masks, unmask, with_mask};
pub(crate) use run_time_steps::steps_of;
pub use run_time_steps::StaticSteps;
pub(crate) use tuple::write_tuple;
pub use tuple::{
    Batched, Features, KerasShape, LastAxis, Shape, Sizes, StaticShape, Unmasked, MAX_RANK,
};
pub use window::{Dilated, Extent, KernelExtent, Padding, Same, Valid, ValidWindow, WindowOutput};
