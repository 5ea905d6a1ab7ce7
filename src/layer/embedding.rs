//! `Embedding`: integer ids looked up in a table of vectors.

use super::{BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
use crate::error::Error;
use crate::shape::{Const, Shape, StaticDim};
use crate::tensor::Data;
use crate::Element;
use core::marker::PhantomData;

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

/// A built Embedding over sequences of `T` ids (`()` before it is in a model).
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingLayer<const VOCAB: usize, const DIM: usize, E, D, T = ()> {
    table: D,
    name: LayerName,
    types: PhantomData<(E, T)>,
}

impl<const VOCAB: usize, const DIM: usize> Embedding<VOCAB, DIM> {
    /// An Embedding over the table `[[E; DIM]; VOCAB]`, stored inline.
    pub fn from_weights<E: Element>(
        table: [[E; DIM]; VOCAB],
    ) -> EmbeddingLayer<VOCAB, DIM, E, [[E; DIM]; VOCAB]> {
        EmbeddingLayer {
            table,
            name: LayerName {
                base: "embedding",
                index: 0,
            },
            types: PhantomData,
        }
    }

    /// An Embedding over a `VOCAB × DIM` table in any storage; an error when
    /// its length differs.
    pub fn from_data<E: Element, D: Data<E>>(
        table: D,
    ) -> Result<EmbeddingLayer<VOCAB, DIM, E, D>, Error> {
        crate::error::check_weight("Embedding table", [VOCAB, DIM], table.as_slice())?;
        Ok(EmbeddingLayer {
            table,
            name: LayerName {
                base: "embedding",
                index: 0,
            },
            types: PhantomData,
        })
    }
}

#[cfg(feature = "std")]
impl<const VOCAB: usize, const DIM: usize, T: StaticDim, E: Element> BuildLayer<(T,), E>
    for Embedding<VOCAB, DIM>
{
    type Layer = EmbeddingLayer<VOCAB, DIM, E, alloc::vec::Vec<E>, T>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        // Keras's `embeddings_initializer="uniform"`.
        let uniform = crate::init::Initializer::RandomUniform {
            min: -0.05,
            max: 0.05,
        };
        let table = uniform.fill(ctx.rng(), (VOCAB, DIM), VOCAB, DIM);
        EmbeddingLayer {
            table,
            name: ctx.name("embedding"),
            types: PhantomData,
        }
    }
}

impl<const VOCAB: usize, const DIM: usize, T: StaticDim, E: Element, D: Data<E>> BuildLayer<(T,), E>
    for EmbeddingLayer<VOCAB, DIM, E, D>
{
    type Layer = EmbeddingLayer<VOCAB, DIM, E, D, T>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        EmbeddingLayer {
            table: self.table,
            name: ctx.name("embedding"),
            types: PhantomData,
        }
    }
}

impl<const VOCAB: usize, const DIM: usize, T: StaticDim, E: Element, D: Data<E>> Layer<E>
    for EmbeddingLayer<VOCAB, DIM, E, D, T>
{
    type Input = (T,);
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

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        let table = self.table.as_slice();
        for (&id, out) in x.iter().zip(y.chunks_exact_mut(DIM.max(1))) {
            // `check_input` ran first; clamp so that even unchecked input
            // cannot read outside the table.
            let row = (id.to_f64().max(0.0) as usize).min(VOCAB.saturating_sub(1));
            out.copy_from_slice(&table[row * DIM..(row + 1) * DIM]);
        }
    }

    fn param_count(&self) -> usize {
        VOCAB * DIM
    }

    /// Each looked-up row's gradient added to the table row it came from;
    /// ids have no gradient.
    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: super::Backprop<'_, E>,
        _tape: &mut [super::Tape<E>],
        grads: &mut [E],
    ) {
        grads.fill(E::ZERO);
        for (&id, dy) in pass.x.iter().zip(pass.dy.chunks_exact(DIM.max(1))) {
            let row = (id.to_f64().max(0.0) as usize).min(VOCAB.saturating_sub(1));
            for (g, &d) in grads[row * DIM..(row + 1) * DIM].iter_mut().zip(dy) {
                *g += d;
            }
        }
        if let Some(dx) = pass.dx {
            dx.fill(E::ZERO);
        }
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(super::Weight<'a, E>)) {
        visit(super::Weight::trainable(
            "embeddings",
            self.table.writable(),
        ));
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (T::default(), Const::<DIM>).sizes();
        row(SummaryRow {
            name: self.name,
            kind: "Embedding",
            output,
            params: VOCAB * DIM,
        })
    }
}

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
