//! The typed matrix product, on top of [`crate::linalg::matmul`].

use super::{Data, DataMut, Tensor};
use crate::error::Error;
use crate::shape::{MatMulRhs, OutputFits, Shape};

impl<S: Shape, D: Data<f32>> Tensor<S, f32, D> {
    /// `self · rhs` written into `out`: shapes `(m, k) · (k, n) → (m, n)`,
    /// checked by the compiler (dynamic axes at run time: an error names the
    /// shape the right operand needs).
    ///
    /// ```
    /// use corten::shape::Dyn;
    /// use corten::Tensor;
    /// let a = Tensor::<(Dyn, Dyn)>::from_vec((Dyn(2), Dyn(3)), vec![0.0; 6]).unwrap();
    /// let b = Tensor::<(Dyn, Dyn)>::from_vec((Dyn(2), Dyn(3)), vec![0.0; 6]).unwrap();
    /// let mut c = Tensor::<(Dyn, Dyn)>::zeros((Dyn(2), Dyn(3)));
    /// let err = a.matmul_into(&b, &mut c).unwrap_err();
    /// assert_eq!(err.to_string(), "matmul right operand: expected a shape like (3, 3) (0 = any size) but got (2, 3)");
    /// ```
    ///
    /// ```
    /// use corten::Tensor;
    /// let a = Tensor::from_array([[1.0f32, 2.0]]);
    /// let b = Tensor::from_array([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// let mut c = Tensor::from_array([[0.0f32; 3]]);
    /// a.matmul_into(&b, &mut c).unwrap();
    /// assert_eq!(c.as_slice(), &[9.0, 12.0, 15.0]);
    /// ```
    pub fn matmul_into<S2, D2: Data<f32>, S3, D3: DataMut<f32>>(
        &self,
        rhs: &Tensor<S2, f32, D2>,
        out: &mut Tensor<S3, f32, D3>,
    ) -> Result<(), Error>
    where
        S2: Shape + MatMulRhs<S>,
        S3: Shape + OutputFits<S2::Output>,
    {
        let (a, b) = (self.sizes(), rhs.sizes());
        if a[1] != b[0] {
            // The right operand must have as many rows as the left has columns.
            return Err(Error::ShapeMismatch {
                what: "matmul right operand",
                expected: crate::shape::Sizes::of([a[1], b[1]]),
                got: b,
            });
        }
        let expected = S2::product_shape(self.shape(), rhs.shape()).sizes();
        if out.sizes() != expected {
            return Err(Error::ShapeMismatch {
                what: "matmul output",
                expected,
                got: out.sizes(),
            });
        }
        crate::linalg::matmul(
            a[0],
            a[1],
            b[1],
            self.as_slice(),
            rhs.as_slice(),
            out.as_mut_slice(),
        );
        Ok(())
    }

    /// `self · rhs` into a new tensor.
    ///
    /// ```
    /// use corten::Tensor;
    /// let a = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]]);
    /// let i = Tensor::from_array([[1.0f32, 0.0], [0.0, 1.0]]);
    /// assert_eq!(a.matmul(&i).unwrap().as_slice(), a.as_slice());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn matmul<S2, D2: Data<f32>>(
        &self,
        rhs: &Tensor<S2, f32, D2>,
    ) -> Result<Tensor<S2::Output, f32, alloc::vec::Vec<f32>>, Error>
    where
        S2: Shape + MatMulRhs<S>,
    {
        let mut out = Tensor::try_zeros(S2::product_shape(self.shape(), rhs.shape()))?;
        self.matmul_into(rhs, &mut out)?;
        Ok(out)
    }
}
