//! Masked sequences (Keras's mask on a sequence): the sample shape
//! `(T, Masked<F>)` is `T` steps of `F` features, each step followed in
//! memory by its mask value (1 for a step that counts, 0 for padding), so
//! that the mask travels with the data from the layer that makes it
//! (`Masking`, `Embedding::mask_zero`) to the layers that use it (the
//! recurrent layers, `GlobalAveragePooling1D`). Only layers that know the
//! mask take these shapes: any other is a compile error, where Keras would
//! drop the mask with a warning.

use super::dim::{Dim, StaticDim};
use super::tuple::{Batched, Features, Sizes, StaticShape};
use crate::Element;
use core::fmt;
use core::marker::PhantomData;

/// A step's `F` features with the step's mask value after them: `F + 1`
/// values in memory, `F` as Keras prints the shape.
pub struct Masked<F>(PhantomData<fn() -> F>);

impl<F> Clone for Masked<F> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F> Copy for Masked<F> {}
impl<F> Default for Masked<F> {
    fn default() -> Self {
        Masked(PhantomData)
    }
}
impl<F> PartialEq for Masked<F> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<F: StaticDim> fmt::Debug for Masked<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Masked<{}>", F::SIZE)
    }
}

impl<F: StaticDim> Dim for Masked<F> {
    const STATIC: Option<usize> = Some(F::SIZE + 1);
    fn size(&self) -> usize {
        F::SIZE + 1
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == F::SIZE + 1).then(Self::default)
    }
}

impl<T: StaticDim, F: StaticDim> StaticShape for (T, Masked<F>) {
    const NUMEL: usize = T::SIZE * (F::SIZE + 1);
}

impl<T: StaticDim, F: StaticDim> Features for (T, Masked<F>) {
    type Batched<B: Dim> = (B, T, Masked<F>);
    const MASK_STRIDE: usize = F::SIZE + 1;
    fn batched<B: Dim>(batch: B) -> Self::Batched<B> {
        (batch, T::default(), Masked::default())
    }
    fn keras_sizes() -> Sizes {
        Sizes::of([T::SIZE, F::SIZE])
    }
}

impl<B: Dim, T: StaticDim, F: StaticDim> Batched for (B, T, Masked<F>) {
    type Batch = B;
    type Features = (T, Masked<F>);
    fn batch(&self) -> B {
        self.0
    }
}

/// The mask value of each step of masked samples `x` (`stride` values a
/// step, the last the mask), in order over the batch.
pub(crate) fn step_masks<E: Copy>(x: &[E], stride: usize) -> impl Iterator<Item = E> + '_ {
    x.chunks_exact(stride.max(1))
        .map(move |step| step[stride - 1])
}

/// Splits masked sequences `x` (rows of `width + 1`, the last the mask)
/// into their values (rows of `width`) and their mask (one per row).
pub(crate) fn unmask<E: Element>(x: &[E], width: usize, values: &mut [E], mask: &mut [E]) {
    for ((row, v), m) in x
        .chunks_exact(width + 1)
        .zip(values.chunks_exact_mut(width.max(1)))
        .zip(mask.iter_mut())
    {
        v.copy_from_slice(&row[..width]);
        *m = row[width];
    }
    if width == 0 {
        for (row, m) in x.iter().zip(mask) {
            *m = *row;
        }
    }
}

/// A masked sequence's values (`rows` rows of `width`) and mask, apart.
#[cfg(feature = "std")]
pub(crate) fn unmasked<E: Element>(
    x: &[E],
    width: usize,
    rows: usize,
) -> (alloc::vec::Vec<E>, alloc::vec::Vec<E>) {
    let mut values = alloc::vec![E::ZERO; rows * width];
    let mut mask = alloc::vec![E::ZERO; rows];
    unmask(x, width, &mut values, &mut mask);
    (values, mask)
}

/// Writes `values` (rows of `width`) with `mask` after each row into `y`.
pub(crate) fn with_mask<E: Element>(values: &[E], mask: &[E], width: usize, y: &mut [E]) {
    for (i, (row, &m)) in y.chunks_exact_mut(width + 1).zip(mask).enumerate() {
        row[..width].copy_from_slice(&values[i * width..(i + 1) * width]);
        row[width] = m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Const, Shape};
    extern crate alloc;
    use alloc::format;

    #[test]
    fn a_masked_sequence_holds_its_mask_and_prints_as_keras() {
        type S = (Const<4>, Masked<Const<3>>);
        assert_eq!(<S as StaticShape>::NUMEL, 16);
        assert_eq!(S::default().sizes(), &[4, 4]);
        assert_eq!(format!("{}", S::keras_shape()), "(None, 4, 3)");
        assert_eq!(<S as Features>::MASK_STRIDE, 4);
        let x = [1.0f32, 2.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(
            step_masks(&x, 4).collect::<alloc::vec::Vec<_>>(),
            [1.0, 0.0]
        );
    }
}
