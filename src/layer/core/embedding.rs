//! `Embedding`: integer ids looked up in a table of vectors.

use crate::error::Error;
use crate::init::Initializer;
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{
    Built, FromInput, LayerKind, LayerOp, Random, WeightInfo, WeightShapes, Weights,
};
use crate::shape::{Const, Sizes, StaticDim};
use crate::tensor::Data;
use crate::Element;

/// Keras `Embedding(input_dim=VOCAB, output_dim=DIM)`: a sequence of `T` ids
/// becomes `(T, DIM)`. Ids arrive as the model's element type (Keras feeds
/// integers; here they must be whole numbers) and one outside `0..VOCAB` is an
/// [`Error::IndexOutOfRange`], never a panic or a read out of bounds. Without
/// given weights it starts from Keras's `uniform(-0.05, 0.05)`.
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Embedding<const VOCAB: usize, const DIM: usize>;

impl<const VOCAB: usize, const DIM: usize> Embedding<VOCAB, DIM> {
    /// An Embedding over the table `[[E; DIM]; VOCAB]`, stored inline.
    pub fn from_weights<E: Element>(
        table: [[E; DIM]; VOCAB],
    ) -> Built<Self, (FromInput,), E, ([[E; DIM]; VOCAB],)> {
        Built::new_unchecked(Embedding, (table,))
    }

    /// An Embedding over a `VOCAB × DIM` table in any storage; an error when
    /// its length differs or a value is NaN or infinite.
    pub fn from_data<E: Element, D: Data<E>>(
        table: D,
    ) -> Result<Built<Self, (FromInput,), E, (D,)>, Error> {
        Built::from_parts(Embedding, (table,))
    }
}

impl<const VOCAB: usize, const DIM: usize> LayerKind for Embedding<VOCAB, DIM> {
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

impl<const VOCAB: usize, const DIM: usize, In> WeightShapes<In> for Embedding<VOCAB, DIM> {
    fn weight_shape(_index: usize) -> Sizes {
        Sizes::of([VOCAB, DIM])
    }
}

/// The row of the table an id picks, clamped so that even input
/// [`LayerOp::check_input`] did not see cannot read outside the table.
fn row_of<E: Element>(id: E, vocab: usize) -> usize {
    (id.to_f64().max(0.0) as usize).min(vocab.saturating_sub(1))
}

impl<const VOCAB: usize, const DIM: usize, T: StaticDim, E: Element> LayerOp<(T,), E>
    for Embedding<VOCAB, DIM>
{
    type Output = (T, Const<DIM>);

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
        }
        Ok(())
    }

    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        let table = w.at(0);
        for (&id, out) in x.iter().zip(y.chunks_exact_mut(DIM.max(1))) {
            let row = row_of(id, VOCAB);
            out.copy_from_slice(&table[row * DIM..(row + 1) * DIM]);
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
        for (&id, dy) in pass.x.iter().zip(pass.dy.chunks_exact(DIM.max(1))) {
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

builds_from_spec!([const VOCAB: usize, const DIM: usize] Embedding<VOCAB, DIM>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        let layer = check::build::<(N<4>,), _>(Embedding::<5, 3>);
        // Id 2 twice: its row's gradient sums both uses.
        check::gradients(
            &layer,
            2,
            Some(alloc::vec![0.0, 2.0, 4.0, 2.0, 1.0, 1.0, 3.0, 0.0]),
        );
    }
}
