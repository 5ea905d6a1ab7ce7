//! `Reshape`: the same elements, row-major, under another sample shape.

use super::flatten::Flattened;
use super::shaped::Shaped;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{Const, Features};
use crate::Element;
use core::marker::PhantomData;

/// Keras `Reshape(target_shape)` to the sample shape `T` (a tuple of dims).
/// The element counts must agree, which the compiler checks.
///
/// ```
/// use corten::layer::Reshape2;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<6>, Reshape2<2, 3>];
/// assert_eq!(model.output_shape().to_string(), "(None, 2, 3)");
/// let y = model.predict(&Tensor::from_array([[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]])).unwrap();
/// assert_eq!(y.as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reshape<T>(PhantomData<T>);

/// `Reshape` to `(A,)`.
pub type Reshape1<const A: usize> = Reshape<(Const<A>,)>;
/// `Reshape` to `(A, B)`.
pub type Reshape2<const A: usize, const B: usize> = Reshape<(Const<A>, Const<B>)>;
/// `Reshape` to `(A, B, C)`.
pub type Reshape3<const A: usize, const B: usize, const C: usize> =
    Reshape<(Const<A>, Const<B>, Const<C>)>;

/// Samples of shape `In` hold as many elements as samples of shape `T`: the
/// leaf check, implemented when the two element counts (`Self` and `Other`,
/// both in canonical form) are the same type.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: cannot reshape samples of shape `{In}` into `{T}`: the element counts differ",
    label = "a reshape keeps every element, so both shapes must hold the same number"
)]
pub trait CountsAgree<In, T, Other> {}

impl<In, T, X> CountsAgree<In, T, X> for X {}

impl<In, T, E> BuildLayer<In, E> for Reshape<T>
where
    In: Flattened,
    T: Flattened,
    E: Element,
    <In as Flattened>::Output: CountsAgree<In, T, <T as Flattened>::Output>,
{
    type Layer = Shaped<Self, (In, T)>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name("reshape"))
    }
}

impl<In: Features, T: Features, E: Element> Layer<E> for Shaped<Reshape<T>, (In, T)> {
    type Input = In;
    type Output = T;

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(x);
    }

    fn param_count(&self) -> usize {
        0
    }

    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: super::Backprop<'_, E>,
        _tape: &mut [super::Tape<E>],
        _grads: &mut [E],
    ) {
        super::pass_through(pass);
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "Reshape",
            output: T::default().sizes(),
            params: 0,
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
        check::gradients(
            &check::build::<(N<2>, N<6>), _>(Reshape::<(N<3>, N<4>)>::default()),
            2,
            None,
        );
    }
}
