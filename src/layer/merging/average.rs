//! `Average`: the element-wise mean of its inputs (Keras's
//! `layers.Average`; the pooling operation is [`AveragePool`](crate::layer::AveragePool)).

use super::merge_op::{fold_elementwise, same_shape_merge, MergeOp};
use crate::shape::Sizes;
use crate::Element;

/// The mean of 2 to 4 inputs of one shape, element by element (Keras's
/// `Average`).
///
/// ```
/// use corten::layer::merging::MergeOp;
/// use corten::layer::Average;
/// use corten::shape::Sizes;
/// let shape = Sizes::new(&[2])?;
/// let mut y = [0.0f32; 2];
/// Average.forward(&[shape, shape], &[&[1.0, 2.0], &[10.0, 20.0]], &mut y, 1);
/// assert_eq!(y, [5.5, 11.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Average;

same_shape_merge!(Average);

fn inverse_count<E: Element>(xs: usize) -> E {
    E::ONE / E::from_f64(xs as f64)
}

impl MergeOp for Average {
    const KERAS_NAME: &'static str = "Average";
    const BASE_NAME: &'static str = "average";

    fn forward<E: Element>(&self, _: &[Sizes], xs: &[&[E]], y: &mut [E], _: usize) {
        fold_elementwise(xs, y, |a, b| a + b);
        let scale = inverse_count::<E>(xs.len());
        for y in y.iter_mut() {
            *y *= scale;
        }
    }

    fn backward<E: Element>(
        &self,
        _: &[Sizes],
        xs: &[&[E]],
        _: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        _: usize,
    ) {
        let scale = inverse_count::<E>(xs.len());
        for dx in dxs {
            for (dx, &dy) in dx.iter_mut().zip(dy) {
                *dx = dy * scale;
            }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::merge_op::check;
    use super::*;
    use alloc::vec;

    #[test]
    fn averages_four_inputs() {
        let s = Sizes::of([1]);
        let y = check::forward(
            &Average,
            &[s, s, s, s],
            s,
            &[vec![1.0], vec![2.0], vec![3.0], vec![10.0]],
            1,
        );
        assert_eq!(y, [4.0]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = Sizes::of([3]);
        check::gradients(&Average, &[s, s, s], s, 2);
    }
}
