//! `Add`: the element-wise sum of its inputs (Keras's `layers.Add`).

use super::merge_op::{fold_elementwise, same_shape_merge, MergeOp};
use crate::shape::Sizes;
use crate::Element;

/// Sums 2 to 4 inputs of one shape, element by element (Keras's `Add`).
///
/// ```
/// use corten::layer::merging::MergeOp;
/// use corten::layer::Add;
/// use corten::shape::Sizes;
/// let shape = Sizes::new(&[2])?;
/// let mut y = [0.0f32; 2];
/// Add.forward(&[shape, shape], &[&[1.0, 2.0], &[10.0, 20.0]], &mut y, 1);
/// assert_eq!(y, [11.0, 22.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Add;

same_shape_merge!(Add);

impl MergeOp for Add {
    const KERAS_NAME: &'static str = "Add";
    const BASE_NAME: &'static str = "add";

    fn forward<E: Element>(&self, _: &[Sizes], xs: &[&[E]], y: &mut [E], _: usize) {
        fold_elementwise(xs, y, |a, b| a + b);
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
        for dx in dxs {
            dx.copy_from_slice(dy);
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::merge_op::check;
    use super::*;
    use crate::layer::merging::MergeShapes;
    use crate::shape::Const;
    use alloc::vec;

    #[test]
    fn sums_three_inputs() {
        let s = Sizes::of([2]);
        let y = check::forward(
            &Add,
            &[s, s, s],
            s,
            &[vec![1.0, 2.0], vec![10.0, 20.0], vec![100.0, -200.0]],
            1,
        );
        assert_eq!(y, [111.0, -178.0]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = Sizes::of([2, 3]);
        check::gradients(&Add, &[s, s], s, 2);
    }

    #[test]
    fn output_is_the_common_shape() {
        type Out = <Add as MergeShapes<((Const<4>, Const<2>), (Const<4>, Const<2>))>>::Output;
        let _: (Const<4>, Const<2>) = Out::default();
    }
}
