//! `Reshape`: the same elements, row-major, under another sample shape.

use super::flatten::Flattened;
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::train::pass_through;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
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

impl<T: Features> Stateless for Reshape<T> {
    const KERAS_NAME: &'static str = "Reshape";
    const BASE_NAME: &'static str = "reshape";
}

impl<In, T, E> LayerOp<In, E> for Reshape<T>
where
    In: Flattened,
    T: Flattened,
    E: Element,
    <In as Flattened>::Output: CountsAgree<In, T, <T as Flattened>::Output>,
{
    type Output = T;

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        y.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        pass_through(pass);
    }
}

builds_from_spec!([T: Features] Reshape<T>);

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
