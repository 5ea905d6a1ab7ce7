//! Keras's merging layers: `Add`, `Subtract`, `Multiply`, `Average`,
//! `Maximum`, `Minimum`, `Concatenate` and `Dot`, which take several inputs
//! (in a [functional model](crate::model::Graph), or in the blocks
//! `sequential!` takes). Each is a shape rule ([`MergeShapes`], so inputs
//! that do not fit are a compile error naming their shapes) and its math
//! ([`MergeOp`]).

mod add;
mod average;
mod concatenate;
mod dot;
mod maximum;
mod merge_op;
mod minimum;
mod multiply;
mod subtract;

pub use add::Add;
pub use average::Average;
pub use concatenate::Concatenate;
pub use dot::Dot;
pub use maximum::Maximum;
pub use merge_op::{MergeOp, MergeShapes};
pub use minimum::Minimum;
pub use multiply::Multiply;
pub use subtract::Subtract;
