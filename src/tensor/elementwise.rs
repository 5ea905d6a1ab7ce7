//! Element-wise arithmetic between tensors of the same shape.

use super::{Data, DataMut, Tensor};
use crate::error::Error;
use crate::shape::{OutputFits, SameShape, Shape};
use crate::Element;

impl<S: Shape, E: Element, D: Data<E>> Tensor<S, E, D> {
    /// Writes `f(self[i], other[i])` into `out`, all three of one shape (the
    /// compiler checks the shape types; dynamic axes are checked here).
    ///
    /// ```
    /// use corten::Tensor;
    /// let a = Tensor::from_array([1.0f32, 2.0]);
    /// let b = Tensor::from_array([10.0f32, 20.0]);
    /// let mut out = Tensor::from_array([0.0f32; 2]);
    /// a.zip_map_into(&b, &mut out, |x, y| x * y).unwrap();
    /// assert_eq!(out.as_slice(), &[10.0, 40.0]);
    /// ```
    pub fn zip_map_into<S2, D2, S3, D3>(
        &self,
        other: &Tensor<S2, E, D2>,
        out: &mut Tensor<S3, E, D3>,
        f: impl Fn(E, E) -> E,
    ) -> Result<(), Error>
    where
        S2: Shape + SameShape<S>,
        S3: Shape + OutputFits<S>,
        D2: Data<E>,
        D3: DataMut<E>,
    {
        check_same_sizes(self.sizes().as_slice(), other.sizes().as_slice())?;
        check_same_sizes(self.sizes().as_slice(), out.sizes().as_slice())?;
        for ((o, &a), &b) in out
            .as_mut_slice()
            .iter_mut()
            .zip(self.as_slice())
            .zip(other.as_slice())
        {
            *o = f(a, b);
        }
        Ok(())
    }

    /// `f` applied to every element, into a new tensor.
    #[cfg(feature = "alloc")]
    pub fn map(&self, f: impl Fn(E) -> E) -> Tensor<S, E, alloc::vec::Vec<E>> {
        Tensor::from_parts_unchecked(self.shape, self.as_slice().iter().map(|&v| f(v)).collect())
    }

    /// `f(self[i], other[i])` into a new tensor.
    #[cfg(feature = "alloc")]
    pub fn zip_map<S2, D2: Data<E>>(
        &self,
        other: &Tensor<S2, E, D2>,
        f: impl Fn(E, E) -> E,
    ) -> Result<Tensor<S, E, alloc::vec::Vec<E>>, Error>
    where
        S2: Shape + SameShape<S>,
    {
        let mut out = Tensor::zeros(self.shape);
        self.zip_map_into(other, &mut out, f)?;
        Ok(out)
    }

    /// Element-wise sum; an error only when dynamic axes differ.
    ///
    /// ```
    /// use corten::Tensor;
    /// let a = Tensor::from_array([[1.0f32, 2.0]]);
    /// assert_eq!(a.add(&a).unwrap().as_slice(), &[2.0, 4.0]);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn add<S2, D2: Data<E>>(
        &self,
        other: &Tensor<S2, E, D2>,
    ) -> Result<Tensor<S, E, alloc::vec::Vec<E>>, Error>
    where
        S2: Shape + SameShape<S>,
    {
        self.zip_map(other, |a, b| a + b)
    }

    /// Element-wise difference; an error only when dynamic axes differ.
    #[cfg(feature = "alloc")]
    pub fn sub<S2, D2: Data<E>>(
        &self,
        other: &Tensor<S2, E, D2>,
    ) -> Result<Tensor<S, E, alloc::vec::Vec<E>>, Error>
    where
        S2: Shape + SameShape<S>,
    {
        self.zip_map(other, |a, b| a - b)
    }

    /// Element-wise product; an error only when dynamic axes differ.
    #[cfg(feature = "alloc")]
    pub fn mul<S2, D2: Data<E>>(
        &self,
        other: &Tensor<S2, E, D2>,
    ) -> Result<Tensor<S, E, alloc::vec::Vec<E>>, Error>
    where
        S2: Shape + SameShape<S>,
    {
        self.zip_map(other, |a, b| a * b)
    }
}

fn check_same_sizes(a: &[usize], b: &[usize]) -> Result<(), Error> {
    if a == b {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what: "element-wise operands",
            expected: crate::shape::Sizes::first_axes(a),
            got: crate::shape::Sizes::first_axes(b),
        })
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use crate::shape::{Const, Dyn};
    use crate::Tensor;
    use alloc::vec;

    #[test]
    fn dynamic_axes_are_checked_at_run_time() {
        let a = Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(1), Const), vec![1.0, 2.0]).unwrap();
        let b =
            Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(2), Const), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!(a.add(&b).is_err());
        assert_eq!(b.sub(&b).unwrap().as_slice(), &[0.0; 4]);
        assert_eq!(b.mul(&b).unwrap().as_slice(), &[1.0, 4.0, 9.0, 16.0]);
        assert_eq!(a.map(|v| -v).as_slice(), &[-1.0, -2.0]);
    }
}
