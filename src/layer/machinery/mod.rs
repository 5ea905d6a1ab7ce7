//! The machinery every layer shares, written once: a layer is a
//! [`LayerKind`] (its Keras names, weights and configuration) and a
//! [`LayerOp`] (its shape rule and math); [`Built`] adds weight storage,
//! checks, naming, summary rows and the spec → built step; [`BuildContext`]
//! names layers and seeds their initializers; the training tape lives in
//! `train`.
//!
//! A layer of one's own, written against this machinery: its names, its
//! shape rule and math, and the build step.
//!
//! ```
//! use corten::layer::machinery::{Backprop, Built, LayerOp, Stateless, Tape, Weights};
//! use corten::layer::{BuildContext, BuildLayer};
//! use corten::prelude::*;
//! use corten::shape::Features;
//!
//! /// Doubles its input.
//! #[derive(Clone, Copy, Debug, Default)]
//! struct Double;
//!
//! impl Stateless for Double {
//!     const KERAS_NAME: &'static str = "Double";
//!     const BASE_NAME: &'static str = "double";
//! }
//!
//! impl<In: Features, E: Element> LayerOp<In, E> for Double {
//!     type Output = In;
//!     fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _: usize, _: &mut [E]) {
//!         for (y, &x) in y.iter_mut().zip(x) {
//!             *y = x + x;
//!         }
//!     }
//!     fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
//!         if let Some(dx) = pass.dx {
//!             for (dx, &dy) in dx.iter_mut().zip(pass.dy.iter()) {
//!                 *dx = dy + dy;
//!             }
//!         }
//!     }
//! }
//!
//! impl<In: Features, E: Element> BuildLayer<In, E> for Double {
//!     type Layer = Built<Self, In, E, ()>;
//!     fn build(self, ctx: &mut BuildContext) -> Self::Layer {
//!         Built::from_spec(self, ctx)
//!     }
//! }
//!
//! let model = sequential![Input<2>, Double, Dense::<1>::from_weights([[1.0f32], [1.0]], [0.0])];
//! let y = model.predict(&Tensor::from_array([[1.0f32, 2.0]]))?;
//! assert_eq!(y.as_slice(), &[6.0]);
//! assert!(model.summary().to_string().contains("double (Double)"));
//! # Ok::<(), corten::Error>(())
//! ```

mod build;
mod built;
mod fits;
mod kind;
mod named;
#[cfg(feature = "std")]
pub(crate) mod train;
mod weights;

pub use build::{BuildContext, LayerName};
pub use built::Built;
pub(crate) use built::{builds_from_spec, kernel_and_bias_layer};
pub use fits::{AxisFits, ChannelsFit, EndsWith, Fits, FromInput, LastAxisSize, SameChannels};
pub(crate) use kind::passes_over_steps;
pub use kind::{KernelAndBias, LayerKind, LayerOp, Stateless, WeightInfo, WeightShapes};
pub use named::{Named, WithName};
#[cfg(feature = "std")]
pub use train::{Backprop, Tape, Weight};
#[cfg(not(feature = "std"))]
pub use weights::NeedsStd;
pub use weights::{Draw, Drawn, Random, Weights};
