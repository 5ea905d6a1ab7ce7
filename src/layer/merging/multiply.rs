//! `Multiply`: the element-wise product of its inputs (Keras's
//! `layers.Multiply`).

use super::merge_op::{fold_elementwise, same_shape_merge, MergeOp};
use crate::shape::Sizes;
use crate::Element;

/// Multiplies 2 to 4 inputs of one shape, element by element (Keras's
/// `Multiply`).
///
/// ```
/// use corten::layer::merging::MergeOp;
/// use corten::layer::Multiply;
/// use corten::shape::Sizes;
/// let shape = Sizes::new(&[2])?;
/// let mut y = [0.0f32; 2];
/// Multiply.forward(&[shape, shape], &[&[1.0, 2.0], &[10.0, 20.0]], &mut y, 1);
/// assert_eq!(y, [10.0, 40.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Multiply;

same_shape_merge!(Multiply);

impl MergeOp for Multiply {
    const KERAS_NAME: &'static str = "Multiply";
    const BASE_NAME: &'static str = "multiply";

    fn forward<E: Element>(&self, _: &[Sizes], xs: &[&[E]], y: &mut [E], _: usize) {
        fold_elementwise(xs, y, |a, b| a * b);
    }

    /// `dxᵢ = dy · Πⱼ≠ᵢ xⱼ`, multiplied out (not `y / xᵢ`, which fails at 0).
    fn backward<E: Element>(
        &self,
        _: &[Sizes],
        xs: &[&[E]],
        _: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        _: usize,
    ) {
        for (i, dx) in dxs.iter_mut().enumerate() {
            dx.copy_from_slice(dy);
            for (_, x) in xs.iter().enumerate().filter(|&(j, _)| j != i) {
                for (dx, &x) in dx.iter_mut().zip(x.iter()) {
                    *dx *= x;
                }
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
    fn multiplies_three_inputs() {
        let s = Sizes::of([2]);
        let y = check::forward(
            &Multiply,
            &[s, s, s],
            s,
            &[vec![1.0, 2.0], vec![3.0, 0.0], vec![-2.0, 5.0]],
            1,
        );
        assert_eq!(y, [-6.0, 0.0]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = Sizes::of([2, 2]);
        check::gradients(&Multiply, &[s, s, s], s, 2);
    }
}
