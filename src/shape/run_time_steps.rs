//! Sequences whose length is known only at run time: the sample shapes
//! `(Dyn,)` (ids), `(Dyn, F)` and `(Dyn, Masked<F>)`, Keras's
//! `Input((None,))` and `Input((None, F))`, printed `(None, None, F)`.
//!
//! A tensor of such samples is stored step by step, so a sample's
//! [`NUMEL`](StaticShape::NUMEL) is the elements of **one step**; a model
//! passes the run-time length beside the batch to the layers that need it
//! (the recurrent layers, Conv1D, pooling), and the others work on
//! `batch · steps` rows.
//!
//! ```
//! use corten::shape::{Const, Dyn, Features, StaticShape};
//! type Seq = (Dyn, Const<3>);
//! assert_eq!(<Seq as StaticShape>::NUMEL, 3);
//! assert!(<Seq as Features>::DYN_STEPS);
//! assert_eq!(Seq::keras_shape().to_string(), "(None, None, 3)");
//! assert_eq!(Seq::batched_steps(Dyn(2), 5), (Dyn(2), Dyn(5), Const::<3>));
//! ```

use super::constraint::{BatchOf, OutputBatchOf};
use super::dim::{Dim, Dyn, StaticDim};
use super::masked::Masked;
use super::tuple::{Batched, Features, LastAxis, Sizes, StaticShape, Unmasked, NONE};

impl StaticShape for (Dyn,) {
    const NUMEL: usize = 1;
}

impl Features for (Dyn,) {
    type Batched<B: Dim> = (B, Dyn);
    const DYN_STEPS: bool = true;
    fn batched<B: Dim>(batch: B) -> Self::Batched<B> {
        (batch, Dyn(0))
    }
    fn batched_steps<B: Dim>(batch: B, steps: usize) -> Self::Batched<B> {
        (batch, Dyn(steps))
    }
    fn keras_sizes() -> Sizes {
        Sizes::of([NONE])
    }
}

impl<D: StaticDim> StaticShape for (Dyn, D) {
    const NUMEL: usize = D::SIZE;
}

impl<D: StaticDim> Features for (Dyn, D) {
    type Batched<B: Dim> = (B, Dyn, D);
    const DYN_STEPS: bool = true;
    fn batched<B: Dim>(batch: B) -> Self::Batched<B> {
        (batch, Dyn(0), D::default())
    }
    fn batched_steps<B: Dim>(batch: B, steps: usize) -> Self::Batched<B> {
        (batch, Dyn(steps), D::default())
    }
    fn keras_sizes() -> Sizes {
        Sizes::of([NONE, D::SIZE])
    }
}

impl<F: StaticDim> StaticShape for (Dyn, Masked<F>) {
    const NUMEL: usize = F::SIZE + 1;
}

impl<F: StaticDim> Features for (Dyn, Masked<F>) {
    type Batched<B: Dim> = (B, Dyn, Masked<F>);
    const DYN_STEPS: bool = true;
    const MASK_STRIDE: usize = F::SIZE + 1;
    fn batched<B: Dim>(batch: B) -> Self::Batched<B> {
        (batch, Dyn(0), Masked::default())
    }
    fn batched_steps<B: Dim>(batch: B, steps: usize) -> Self::Batched<B> {
        (batch, Dyn(steps), Masked::default())
    }
    fn keras_sizes() -> Sizes {
        Sizes::of([NONE, F::SIZE])
    }
}

impl Unmasked for (Dyn,) {}
impl<D: StaticDim> Unmasked for (Dyn, D) {}

impl<D: StaticDim> LastAxis for (Dyn, D) {
    type Last = D;
}

impl<B: Dim> Batched for (B, Dyn) {
    type Batch = B;
    type Features = (Dyn,);
    fn batch(&self) -> B {
        self.0
    }
}

impl<B: Dim, D: StaticDim> Batched for (B, Dyn, D) {
    type Batch = B;
    type Features = (Dyn, D);
    fn batch(&self) -> B {
        self.0
    }
}

impl<B: Dim, F: StaticDim> Batched for (B, Dyn, Masked<F>) {
    type Batch = B;
    type Features = (Dyn, Masked<F>);
    fn batch(&self) -> B {
        self.0
    }
}

/// A batch of sequences of any length, static or not, fits a model over
/// sequences of run-time length.
#[diagnostic::do_not_recommend]
impl<B: Dim, T: Dim> BatchOf<(Dyn,)> for (B, T) {
    type Batch = B;
    fn batch(&self) -> B {
        self.0
    }
}

#[diagnostic::do_not_recommend]
impl<B: Dim, T: Dim, D: StaticDim> BatchOf<(Dyn, D)> for (B, T, D) {
    type Batch = B;
    fn batch(&self) -> B {
        self.0
    }
}

#[diagnostic::do_not_recommend]
impl<B: Dim, T: Dim> OutputBatchOf<(Dyn,), B> for (B, T) {}
#[diagnostic::do_not_recommend]
impl<B: Dim, T: Dim, D: StaticDim> OutputBatchOf<(Dyn, D), B> for (B, T, D) {}
#[diagnostic::do_not_recommend]
impl<B: Dim, T: Dim, F: StaticDim> OutputBatchOf<(Dyn, Masked<F>), B> for (B, T, Masked<F>) {}

/// A sample shape without run-time timesteps: what a functional model's
/// inputs and the labels of `fit` take for now.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has timesteps known only at run time, which this does not take yet",
    label = "needs a shape of static sizes",
    note = "sequences of run-time length (`Input<Dyn, F>`) go into `sequential!` models; `fit` and `evaluate` need a model that ends the time axis (a recurrent layer without `return_sequences`, global pooling)"
)]
pub trait StaticSteps: Features {}

macro_rules! static_steps {
    ($($d:ident),+) => {
        #[diagnostic::do_not_recommend]
        impl<$($d: StaticDim),+> StaticSteps for ($($d,)+) {}
    };
}
static_steps!(D0);
static_steps!(D0, D1);
static_steps!(D0, D1, D2);
static_steps!(D0, D1, D2, D3);
#[diagnostic::do_not_recommend]
impl<T: StaticDim, F: StaticDim> StaticSteps for (T, Masked<F>) {}

/// The run-time steps of a batch `sizes` (batch axis first) of samples of
/// shape `F`: the second axis for sequences of run-time length, 1 for any
/// other shape.
pub(crate) fn steps_of<F: Features>(sizes: &[usize]) -> usize {
    match F::DYN_STEPS {
        true => sizes.get(1).copied().unwrap_or(0),
        false => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Const, Shape};
    extern crate alloc;
    use alloc::format;

    #[test]
    fn run_time_sequences_print_as_keras_and_count_one_step() {
        assert_eq!(format!("{}", <(Dyn,)>::keras_shape()), "(None, None)");
        type M = (Dyn, Masked<Const<2>>);
        assert_eq!(format!("{}", M::keras_shape()), "(None, None, 2)");
        assert_eq!(<M as StaticShape>::NUMEL, 3);
        assert_eq!(<M as Features>::MASK_STRIDE, 3);
        let batch = <(Dyn, Const<4>)>::batched_steps(Dyn(3), 7);
        assert_eq!(batch.numel(), 3 * 7 * 4);
        assert_eq!(steps_of::<(Dyn, Const<4>)>(&[3, 7, 4]), 7);
        assert_eq!(steps_of::<(Const<7>, Const<4>)>(&[3, 7, 4]), 1);
    }
}
