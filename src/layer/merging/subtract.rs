//! `Subtract`: the first input minus the second (Keras's `layers.Subtract`).

use super::merge_op::{fold_elementwise, MergeOp, MergeShapes};
use crate::shape::Sizes;
use crate::Element;

/// `x₀ − x₁` for two inputs of one shape (Keras's `Subtract`, which takes
/// exactly two).
///
/// ```
/// use corten::layer::merging::MergeOp;
/// use corten::layer::Subtract;
/// use corten::shape::Sizes;
/// let shape = Sizes::new(&[2])?;
/// let mut y = [0.0f32; 2];
/// Subtract.forward(&[shape, shape], &[&[1.0, 2.0], &[10.0, 20.0]], &mut y, 1);
/// assert_eq!(y, [-9.0, -18.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subtract;

#[diagnostic::do_not_recommend]
impl<A: crate::shape::Unmasked> MergeShapes<(A, A)> for Subtract {
    type Output = A;
}

impl MergeOp for Subtract {
    const KERAS_NAME: &'static str = "Subtract";
    const BASE_NAME: &'static str = "subtract";

    fn forward<E: Element>(&self, _: &[Sizes], xs: &[&[E]], y: &mut [E], _: usize) {
        fold_elementwise(xs, y, |a, b| a - b);
    }

    fn backward<E: Element>(
        &self,
        _: &[Sizes],
        _: &[&[E]],
        _: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        _: usize,
    ) {
        let [first, second] = dxs else {
            unreachable!("Subtract's shape rule takes two inputs")
        };
        first.copy_from_slice(dy);
        for (dx, &dy) in second.iter_mut().zip(dy) {
            *dx = E::ZERO - dy;
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::merge_op::check;
    use super::*;
    use alloc::vec;

    #[test]
    fn subtracts_the_second_input() {
        let s = Sizes::of([3]);
        let y = check::forward(
            &Subtract,
            &[s, s],
            s,
            &[vec![1.0, 2.0, 3.0], vec![0.5, 4.0, -1.0]],
            1,
        );
        assert_eq!(y, [0.5, -2.0, 4.0]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = Sizes::of([5]);
        check::gradients(&Subtract, &[s, s], s, 3);
    }
}
