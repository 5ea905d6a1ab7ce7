//! `Embedding`: integer ids looked up in a table of vectors.

use crate::error::Error;
use crate::init::Initializer;
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{
    Built, FromInput, LayerKind, LayerOp, Random, WeightInfo, WeightShapes, Weights,
};
use crate::shape::{Const, Features, Sizes, StaticDim, StepsDim};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

/// Keras `Embedding(input_dim=VOCAB, output_dim=DIM)`: a sequence of `T` ids
/// becomes `(T, DIM)`. Ids travel in the model's element type: give integers
/// with [`Tensor::from_ids`](crate::Tensor::from_ids) (any integer type) or
/// [`Tensor::read_npy`](crate::Tensor::read_npy) (numpy's integer arrays),
/// which make each exactly or refuse it. An `f32` model tells apart the ids
/// below 2²⁴ (16 777 216 rows), an `f64` one those below 2⁵³; an id outside
/// `0..VOCAB`, not whole, or past that is an error
/// ([`Error::IndexOutOfRange`], [`Error::IntegerNotExact`]), never a panic,
/// a read out of bounds or another row. Without given weights it starts
/// from Keras's `uniform(-0.05, 0.05)`.
///
/// ```
/// use corten::layer::Embedding;
/// use corten::{sequential, Tensor};
/// let table = [[0.0f32, 0.5], [1.0, 1.5], [2.0, 2.5]];
/// let model = sequential![Input<2>, (Embedding::<3, 2>::from_weights(table))];
/// let y = model.predict(&Tensor::from_array([[2.0f32, 0.0]])).unwrap();
/// assert_eq!(y.as_slice(), &[2.0, 2.5, 0.0, 0.5]);
/// assert!(model.predict(&Tensor::from_array([[3.0f32, 0.0]])).is_err());
/// ```
///
/// With [`mask_zero`](Embedding::mask_zero) (Keras's `mask_zero=True`), id
/// 0 is padding: the output is a masked sequence `(T, Masked<DIM>)` whose
/// steps of id 0 the recurrent layers and `GlobalAveragePooling1D` skip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Embedding<const VOCAB: usize, const DIM: usize, M: IdMask = NoMask>(PhantomData<M>);

/// Whether an [`Embedding`] masks id 0 ([`MaskZero`]) or not ([`NoMask`]).
pub trait IdMask:
    Copy + Default + core::fmt::Debug + PartialEq + Eq + Send + Sync + 'static
{
    /// Whether id 0 is padding.
    const MASK_ZERO: bool;
    /// The output for `T` ids of `D` values each.
    type Output<T: StepsDim, D: StaticDim>: Features;
}

/// Every id counts (Keras's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoMask;

/// Id 0 is padding, masked (Keras's `mask_zero=True`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaskZero;

impl IdMask for NoMask {
    const MASK_ZERO: bool = false;
    type Output<T: StepsDim, D: StaticDim> = T::Sequence<D>;
}

impl IdMask for MaskZero {
    const MASK_ZERO: bool = true;
    type Output<T: StepsDim, D: StaticDim> = T::MaskedSequence<D>;
}

impl<const VOCAB: usize, const DIM: usize> Embedding<VOCAB, DIM> {
    /// The spec with Keras's defaults (`uniform(-0.05, 0.05)` table, no mask).
    pub fn new() -> Self {
        Self::default()
    }

    /// Id 0 is padding: the output is masked where the id is 0 (Keras's
    /// `mask_zero=True`).
    ///
    /// ```
    /// use corten::prelude::*;
    /// // Sentences of up to 6 word ids, padded with 0.
    /// let model = sequential![Input<6>, Embedding<50, 8>.mask_zero(), Lstm<4>, Dense<1, Sigmoid>];
    /// let y = model.predict(&Tensor::from_array([[4.0f32, 17.0, 9.0, 0.0, 0.0, 0.0]]))?;
    /// assert_eq!(y.sizes(), &[1, 1]);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn mask_zero(self) -> Embedding<VOCAB, DIM, MaskZero> {
        Embedding(PhantomData)
    }

    /// An Embedding over the table `[[E; DIM]; VOCAB]`, stored inline.
    pub fn from_weights<E: Element>(
        table: [[E; DIM]; VOCAB],
    ) -> Built<Self, (FromInput,), E, ([[E; DIM]; VOCAB],)> {
        Built::new_unchecked(Embedding(PhantomData), (table,))
    }

    /// An Embedding over a `VOCAB × DIM` table in any storage; an error when
    /// its length differs or a value is NaN or infinite.
    pub fn from_data<E: Element, D: Data<E>>(
        table: D,
    ) -> Result<Built<Self, (FromInput,), E, (D,)>, Error> {
        Built::from_parts(Embedding(PhantomData), (table,))
    }
}

impl<const VOCAB: usize, const DIM: usize, M: IdMask> LayerKind for Embedding<VOCAB, DIM, M> {
    const KERAS_NAME: &'static str = "Embedding";
    const BASE_NAME: &'static str = "embedding";
    const WEIGHTS: &'static [WeightInfo] =
        &[WeightInfo::trainable("embeddings", "Embedding table")];
    type Fresh<E: Element> = Random<E>;
    /// Keras's `embeddings_initializer="uniform"`.
    fn initializer(&self, _index: usize) -> Initializer {
        Initializer::RandomUniform {
            min: -0.05,
            max: 0.05,
        }
    }
}

impl<const VOCAB: usize, const DIM: usize, M: IdMask, In> WeightShapes<In>
    for Embedding<VOCAB, DIM, M>
{
    fn weight_shape(_index: usize) -> Sizes {
        Sizes::of([VOCAB, DIM])
    }
}

/// The row of the table an id picks, clamped so that even input
/// [`LayerOp::check_input`] did not see cannot read outside the table.
fn row_of<E: Element>(id: E, vocab: usize) -> usize {
    (id.to_f64().max(0.0) as usize).min(vocab.saturating_sub(1))
}

/// Ids of a static count or of one known only at run time (`Input<Dyn>`).
impl<const VOCAB: usize, const DIM: usize, M: IdMask, T: StepsDim, E: Element> LayerOp<(T,), E>
    for Embedding<VOCAB, DIM, M>
where
    (T,): Features,
{
    type Output = M::Output<T, Const<DIM>>;

    fn check_input(&self, x: &[E]) -> Result<(), Error> {
        for (index, &v) in x.iter().enumerate() {
            let id = v.to_f64();
            if !(id >= 0.0 && id < VOCAB as f64 && (id as usize) as f64 == id) {
                return Err(Error::IndexOutOfRange {
                    index,
                    value: id,
                    limit: VOCAB,
                });
            }
            // A table of more rows than `E` tells integers apart (2^24 in
            // f32): the id past that may have been rounded from another.
            if id >= E::EXACT_INTEGERS as f64 {
                return Err(Error::IntegerNotExact {
                    index,
                    value: id as i64,
                    dtype: E::DTYPE,
                    limit: E::EXACT_INTEGERS,
                });
            }
        }
        Ok(())
    }

    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        let table = w.at(0);
        for (&id, out) in x.iter().zip(y.chunks_exact_mut(Self::STRIDE.max(1))) {
            let row = row_of(id, VOCAB);
            out[..DIM].copy_from_slice(&table[row * DIM..(row + 1) * DIM]);
            if M::MASK_ZERO {
                out[DIM] = if id == E::ZERO { E::ZERO } else { E::ONE };
            }
        }
    }

    /// Each looked-up row's gradient added to the table row it came from;
    /// ids have no gradient.
    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        _w: &W,
        pass: Backprop<'_, E>,
        _tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        grads.fill(E::ZERO);
        for (&id, dy) in pass.x.iter().zip(pass.dy.chunks_exact(Self::STRIDE.max(1))) {
            let row = row_of(id, VOCAB);
            for (g, &d) in grads[row * DIM..(row + 1) * DIM].iter_mut().zip(dy) {
                *g += d;
            }
        }
        if let Some(dx) = pass.dx {
            dx.fill(E::ZERO);
        }
    }
}

impl<const VOCAB: usize, const DIM: usize, M: IdMask> Embedding<VOCAB, DIM, M> {
    /// Values per id in the output: the vector, and the mask with `mask_zero`.
    const STRIDE: usize = DIM + M::MASK_ZERO as usize;
}

builds_from_spec!([const VOCAB: usize, const DIM: usize, M: IdMask] Embedding<VOCAB, DIM, M>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        let layer = check::build::<(N<4>,), _>(Embedding::<5, 3>::default());
        // Id 2 twice: its row's gradient sums both uses.
        check::gradients(
            &layer,
            2,
            Some(alloc::vec![0.0, 2.0, 4.0, 2.0, 1.0, 1.0, 3.0, 0.0]),
        );
        let masked = check::build::<(N<4>,), _>(Embedding::<5, 3>::default().mask_zero());
        check::gradients(
            &masked,
            2,
            Some(alloc::vec![0.0, 2.0, 4.0, 2.0, 1.0, 1.0, 3.0, 0.0]),
        );
    }

    #[test]
    fn ids_past_what_the_element_type_tells_apart_are_errors() {
        // A table of more rows than f32 tells integers apart: 2^24 and
        // 2^24 + 1 are one f32, so either may be the id meant.
        let big = Embedding::<20_000_000, 1>::default();
        let ok = LayerOp::<(N<2>,), f32>::check_input(&big, &[16_777_215.0, 3.0]);
        assert_eq!(ok, Ok(()));
        let err = LayerOp::<(N<2>,), f32>::check_input(&big, &[3.0, 16_777_216.0]).unwrap_err();
        assert_eq!(
            err,
            Error::IntegerNotExact {
                index: 1,
                value: 16_777_216,
                dtype: "float32",
                limit: 1 << 24
            }
        );
        // f64 tells them apart.
        let ok = LayerOp::<(N<2>,), f64>::check_input(&big, &[16_777_217.0, 19_999_999.0]);
        assert_eq!(ok, Ok(()));
        let err = LayerOp::<(N<2>,), f64>::check_input(&big, &[20_000_000.0, 0.0]).unwrap_err();
        assert!(
            matches!(err, Error::IndexOutOfRange { index: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn mask_zero_masks_the_steps_of_id_zero() {
        use crate::layer::Layer;
        let masked = check::build::<(N<3>,), _>(Embedding::<2, 2>::default().mask_zero());
        let mut y = [f64::NAN; 9];
        masked.forward_slices(&[1.0, 0.0, 1.0], &mut y, 1, &mut []);
        let w = masked.weight(0);
        assert_eq!(y, [w[2], w[3], 1.0, w[0], w[1], 0.0, w[2], w[3], 1.0]);
    }
}
