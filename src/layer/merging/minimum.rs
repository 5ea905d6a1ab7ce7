//! `Minimum`: the element-wise smallest of its inputs (Keras's
//! `layers.Minimum`).

use super::merge_op::{fold_elementwise, route_to_extreme, same_shape_merge, MergeOp};
use crate::shape::Sizes;
use crate::Element;

/// The smallest of 2 to 4 inputs of one shape, element by element (Keras's
/// `Minimum`). NaN wins, as in Keras. The gradient goes to the first input
/// holding the smallest value (the first of tied inputs).
///
/// ```
/// use corten::layer::merging::MergeOp;
/// use corten::layer::Minimum;
/// use corten::shape::Sizes;
/// let shape = Sizes::new(&[2])?;
/// let mut y = [0.0f32; 2];
/// Minimum.forward(&[shape, shape], &[&[1.0, 2.0], &[10.0, -20.0]], &mut y, 1);
/// assert_eq!(y, [1.0, -20.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Minimum;

same_shape_merge!(Minimum);

impl MergeOp for Minimum {
    const KERAS_NAME: &'static str = "Minimum";
    const BASE_NAME: &'static str = "minimum";

    fn forward<E: Element>(&self, _: &[Sizes], xs: &[&[E]], y: &mut [E], _: usize) {
        fold_elementwise(xs, y, |a, b| if a.is_nan() || a < b { a } else { b });
    }

    fn backward<E: Element>(
        &self,
        _: &[Sizes],
        xs: &[&[E]],
        y: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        _: usize,
    ) {
        route_to_extreme(xs, y, dy, dxs);
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::merge_op::check;
    use super::*;
    use alloc::vec;

    #[test]
    fn takes_the_smallest_of_three_inputs() {
        let s = Sizes::of([2]);
        let y = check::forward(
            &Minimum,
            &[s, s, s],
            s,
            &[vec![1.0, 5.0], vec![3.0, 0.0], vec![-2.0, 1.0]],
            1,
        );
        assert_eq!(y, [-2.0, 0.0]);
    }

    #[test]
    fn nan_wins_as_in_keras() {
        let s = Sizes::of([1]);
        for inputs in [[f64::NAN, 1.0], [1.0, f64::NAN]] {
            let y = check::forward(&Minimum, &[s, s], s, &[vec![inputs[0]], vec![inputs[1]]], 1);
            assert!(y[0].is_nan());
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = Sizes::of([2, 3]);
        check::gradients(&Minimum, &[s, s, s], s, 2);
    }

    #[test]
    fn ties_send_the_gradient_to_the_first_input() {
        let s = Sizes::of([1]);
        let (mut d0, mut d1) = ([f64::NAN], [f64::NAN]);
        Minimum.backward(
            &[s, s],
            &[&[2.0], &[2.0]],
            &[2.0],
            &[1.5],
            &mut [&mut d0, &mut d1],
            1,
        );
        assert_eq!((d0, d1), ([1.5], [0.0]));
    }
}
