//! Printing tensors the way numpy and Keras do: `[[3, 6, 9]]`.

use super::{Data, Tensor};
use crate::shape::Shape;
use crate::Element;
use core::fmt;

/// Prints nested brackets, rows of the last axis on one line, like numpy but
/// with commas: `[[1, 2],\n [3, 4]]`. A precision (`{:.3}`) applies to every
/// element.
impl<S: Shape, E: Element, D: Data<E>> fmt::Display for Tensor<S, E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes = self.sizes();
        write_nested(f, sizes.as_slice(), self.as_slice(), 0)
    }
}

impl<S: Shape, E: Element, D: Data<E>> fmt::Debug for Tensor<S, E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor(shape={}, dtype={}, ", self.sizes(), E::DTYPE)?;
        fmt::Display::fmt(self, f)?;
        f.write_str(")")
    }
}

fn write_nested<E: Element>(
    f: &mut fmt::Formatter<'_>,
    sizes: &[usize],
    data: &[E],
    depth: usize,
) -> fmt::Result {
    let Some((&n, rest)) = sizes.split_first() else {
        return write_element(f, data[0]);
    };
    f.write_str("[")?;
    let step: usize = rest.iter().product();
    for i in 0..n {
        if i > 0 {
            if rest.is_empty() {
                f.write_str(", ")?;
            } else {
                f.write_str(",")?;
                for _ in 0..rest.len() {
                    f.write_str("\n")?;
                }
                for _ in 0..=depth {
                    f.write_str(" ")?;
                }
            }
        }
        write_nested(f, rest, &data[i * step..(i + 1) * step], depth + 1)?;
    }
    f.write_str("]")
}

fn write_element<E: Element>(f: &mut fmt::Formatter<'_>, v: E) -> fmt::Result {
    match f.precision() {
        Some(p) => write!(f, "{v:.p$}"),
        None => write!(f, "{v}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;
    extern crate alloc;
    use alloc::format;

    #[test]
    fn prints_like_numpy_with_commas() {
        assert_eq!(
            format!("{}", Tensor::from_array([[3.0f32, 6.0, 9.0, 12.0, 15.0]])),
            "[[3, 6, 9, 12, 15]]"
        );
        assert_eq!(
            format!("{}", Tensor::from_array([1.5f32, -2.0])),
            "[1.5, -2]"
        );
        assert_eq!(
            format!("{:.2}", Tensor::from_array([[1.0f64], [2.0]])),
            "[[1.00],\n [2.00]]"
        );
        assert_eq!(
            format!(
                "{}",
                Tensor::from_array([[[1.0f32, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])
            ),
            "[[[1, 2],\n  [3, 4]],\n\n [[5, 6],\n  [7, 8]]]"
        );
    }

    #[test]
    fn debug_names_shape_and_dtype() {
        assert_eq!(
            format!("{:?}", Tensor::from_array([1.0f32, 2.0])),
            "Tensor(shape=(2,), dtype=float32, [1, 2])"
        );
    }
}
