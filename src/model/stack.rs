//! A model's layers as a chain of types: `Stack<Stack<Empty<In>, L1>, L2>`.
//! A chain has no length limit, and each link checks that its layer takes the
//! previous link's output.

use crate::layer::{Layer, SummaryRow};
use crate::shape::{Features, StaticShape};
use crate::Element;
use core::marker::PhantomData;

/// The start of a chain: the model's input, passed through unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Empty<F>(PhantomData<F>);

impl<F: Features, E: Element> Layer<E> for Empty<F> {
    type Input = F;
    type Output = F;
    const IS_IDENTITY: bool = true;
    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(x);
    }
    fn param_count(&self) -> usize {
        0
    }
    fn visit_rows(&self, _row: &mut dyn FnMut(SummaryRow)) {}
}

/// The layers before (`P`) followed by one more layer `L`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack<P, L> {
    /// The layers before.
    pub prev: P,
    /// The last layer.
    pub last: L,
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

impl<P, L, E> Layer<E> for Stack<P, L>
where
    E: Element,
    P: Layer<E>,
    L: Layer<E, Input = P::Output>,
{
    type Input = P::Input;
    type Output = L::Output;
    const SCRATCH_PER_SAMPLE: usize = if P::IS_IDENTITY {
        L::SCRATCH_PER_SAMPLE
    } else {
        <P::Output as StaticShape>::NUMEL + max(P::SCRATCH_PER_SAMPLE, L::SCRATCH_PER_SAMPLE)
    };

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        if P::IS_IDENTITY {
            return self.last.forward_slices(x, y, batch, scratch);
        }
        let (mid, rest) = scratch.split_at_mut(batch * <P::Output as StaticShape>::NUMEL);
        self.prev.forward_slices(x, mid, batch, rest);
        self.last.forward_slices(mid, y, batch, rest);
    }

    fn param_count(&self) -> usize {
        self.prev.param_count() + self.last.param_count()
    }

    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        if P::IS_IDENTITY {
            self.last.check_input(x)
        } else {
            self.prev.check_input(x)
        }
    }

    fn non_trainable_count(&self) -> usize {
        self.prev.non_trainable_count() + self.last.non_trainable_count()
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        self.prev.visit_rows(row);
        self.last.visit_rows(row);
    }
}
