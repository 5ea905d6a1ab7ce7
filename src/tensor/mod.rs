//! Tensors generic over shape, element type and storage.

mod data;
mod display;
mod elementwise;
mod matmul;
#[cfg(feature = "std")]
mod npy;

pub use data::{Data, DataMut};
#[cfg(feature = "std")]
pub use npy::Npz;

use crate::error::Error;
use crate::shape::{Const, Shape, Sizes, StaticShape};
use crate::Element;
use core::marker::PhantomData;

/// The storage a tensor uses when none is named: `Vec<E>` with `alloc`, a
/// borrowed slice without.
#[cfg(feature = "alloc")]
pub type DefaultData<E> = alloc::vec::Vec<E>;
/// The storage a tensor uses when none is named: `Vec<E>` with `alloc`, a
/// borrowed slice without.
#[cfg(not(feature = "alloc"))]
pub type DefaultData<E> = &'static [E];

/// A tensor: a shape `S` (a tuple of dimensions), elements of type `E` stored
/// row-major in `D`.
///
/// ```
/// use corten::shape::{Const, Dyn};
/// use corten::Tensor;
/// // From nested arrays: the compiler checks the shape; storage is inline.
/// let x = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(x.shape(), &(Const::<2>, Const::<2>));
/// // From a Vec: checked at run time.
/// let y = Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(2), Const), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!(x.as_slice(), y.as_slice());
/// assert!(Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(2), Const), vec![1.0]).is_err());
/// assert_eq!(format!("{x}"), "[[1, 2],\n [3, 4]]");
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Tensor<S: Shape, E: Element = f32, D = DefaultData<E>> {
    shape: S,
    data: D,
    element: PhantomData<E>,
}

impl<S: Shape, E: Element, D: Data<E>> Tensor<S, E, D> {
    /// A tensor of `shape` over `data`; an error when `data` has another length.
    ///
    /// ```
    /// use corten::shape::Const;
    /// use corten::Tensor;
    /// static W: [f32; 6] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let w = Tensor::<(Const<2>, Const<3>), f32, &'static [f32]>::from_data(Default::default(), &W[..]).unwrap();
    /// assert_eq!(w.as_slice()[5], 6.0);
    /// ```
    pub fn from_data(shape: S, data: D) -> Result<Self, Error> {
        crate::error::check_sizes("tensor data", shape.sizes(), data.as_slice().len())?;
        Ok(Tensor {
            shape,
            data,
            element: PhantomData,
        })
    }

    /// The shape.
    ///
    /// ```
    /// use corten::shape::Const;
    /// use corten::Tensor;
    /// let t = Tensor::from_array([[1.0f32, 2.0, 3.0]]);
    /// assert_eq!(*t.shape(), (Const::<1>, Const::<3>));
    /// ```
    pub fn shape(&self) -> &S {
        &self.shape
    }

    /// The axis sizes.
    ///
    /// ```
    /// use corten::Tensor;
    /// assert_eq!(Tensor::from_array([[[0.0f32; 4]; 3]; 2]).sizes()[..], [2, 3, 4]);
    /// ```
    pub fn sizes(&self) -> Sizes {
        self.shape.sizes()
    }

    /// The elements, row-major.
    ///
    /// ```
    /// use corten::Tensor;
    /// assert_eq!(Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]]).as_slice(), &[1.0, 2.0, 3.0, 4.0]);
    /// ```
    pub fn as_slice(&self) -> &[E] {
        self.data.as_slice()
    }

    /// The storage.
    ///
    /// ```
    /// use corten::Tensor;
    /// assert_eq!(Tensor::from_array([[1.0f32, 2.0]]).into_data(), [[1.0, 2.0]]);
    /// ```
    pub fn into_data(self) -> D {
        self.data
    }

    /// The same elements behind a borrowed view.
    ///
    /// ```
    /// use corten::Tensor;
    /// let t = Tensor::from_array([1.0f32, 2.0]);
    /// let v = t.view();
    /// assert_eq!(v.as_slice().as_ptr(), t.as_slice().as_ptr()); // not a copy
    /// ```
    pub fn view(&self) -> Tensor<S, E, &[E]> {
        Tensor {
            shape: self.shape,
            data: self.data.as_slice(),
            element: PhantomData,
        }
    }

    /// The first index where a value is NaN or infinite, if any.
    ///
    /// ```
    /// use corten::Tensor;
    /// assert_eq!(Tensor::from_array([1.0f32, f32::INFINITY, f32::NAN]).first_non_finite(), Some(1));
    /// assert_eq!(Tensor::from_array([1.0f32, 2.0]).first_non_finite(), None);
    /// ```
    pub fn first_non_finite(&self) -> Option<usize> {
        crate::element::first_non_finite(self.as_slice())
    }

    /// The elements copied to a `Vec`.
    ///
    /// ```
    /// use corten::Tensor;
    /// assert_eq!(Tensor::from_array([[1.0f32], [2.0]]).to_vec(), vec![1.0, 2.0]);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<E> {
        self.as_slice().to_vec()
    }
}

impl<S: Shape, E: Element, D: DataMut<E>> Tensor<S, E, D> {
    /// The elements, row-major, writable.
    ///
    /// ```
    /// use corten::Tensor;
    /// let mut t = Tensor::from_array([[0.0f32; 2]; 2]);
    /// t.as_mut_slice()[3] = 1.0;
    /// assert_eq!(t.into_data(), [[0.0, 0.0], [0.0, 1.0]]);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [E] {
        self.data.as_mut_slice()
    }
}

#[cfg(feature = "alloc")]
impl<S: Shape, E: Element> Tensor<S, E, alloc::vec::Vec<E>> {
    /// A tensor owning `data`; an error when its length differs from the
    /// shape's element count.
    ///
    /// ```
    /// use corten::shape::{Const, Dyn};
    /// use corten::Tensor;
    /// // A batch of 2 samples of 3 features, the batch size known at run time.
    /// let t = Tensor::from_vec((Dyn(2), Const::<3>), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// assert_eq!(t.sizes()[..], [2, 3]);
    /// assert!(Tensor::from_vec((Dyn(2), Const::<3>), vec![1.0f32; 5]).is_err());
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn from_vec(shape: S, data: alloc::vec::Vec<E>) -> Result<Self, Error> {
        Self::from_data(shape, data)
    }

    /// A tensor of `shape` with the elements copied from `data`; an error when
    /// the length differs.
    ///
    /// ```
    /// use corten::shape::{Const, Dyn};
    /// use corten::Tensor;
    /// let pixels = [0.5f32; 2 * 64];
    /// let batch = Tensor::from_slice((Dyn(2), Const::<8>, Const::<8>, Const::<1>), &pixels)?;
    /// assert_eq!(batch.sizes()[..], [2, 8, 8, 1]);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn from_slice(shape: S, data: &[E]) -> Result<Self, Error> {
        Self::from_data(shape, data.to_vec())
    }

    /// A tensor of integers — an Embedding's token ids, class labels — from
    /// any integer type (`u32` from a tokenizer, `i64`, `usize`), each made
    /// an `E` exactly: an integer too large for `E` to tell from its
    /// neighbours (2²⁴ and past for `f32`, 2⁵³ for `f64`) is
    /// [`Error::IntegerNotExact`], never a different id. An error too when
    /// the length differs from the shape's.
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::layer::Embedding;
    /// let table = [[0.0f32, 0.5], [1.0, 1.5], [2.0, 2.5]];
    /// let model = sequential![Input<3>, (Embedding::<3, 2>::from_weights(table))];
    /// let ids: Vec<u32> = vec![2, 0, 1];
    /// let x = Tensor::from_ids((Dyn(1), Const::<3>), &ids)?;
    /// assert_eq!(model.predict(&x)?.as_slice(), &[2.0, 2.5, 0.0, 0.5, 1.0, 1.5]);
    /// let err = Tensor::<_, f32>::from_ids((Dyn(1), Const::<1>), &[16_777_217u32]).unwrap_err();
    /// assert!(err.to_string().starts_with("integer too large for float32: element 0 is 16777217"));
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn from_ids<I: crate::Integer>(shape: S, ids: &[I]) -> Result<Self, Error> {
        let values = ids
            .iter()
            .enumerate()
            .map(|(index, id)| crate::element::exact_integer(id.to_i128(), index))
            .collect::<Result<alloc::vec::Vec<E>, Error>>()?;
        Self::from_data(shape, values)
    }

    /// A tensor of sizes given at run time (checked against the static axes)
    /// with the elements from `data`.
    ///
    /// ```
    /// use corten::shape::{Const, Dyn};
    /// use corten::Tensor;
    /// let t = Tensor::<(Dyn, Const<3>)>::from_sizes(&[2, 3], vec![0.0; 6]).unwrap();
    /// assert_eq!(t.sizes(), &[2, 3]);
    /// let err = Tensor::<(Dyn, Const<3>)>::from_sizes(&[2, 4], vec![0.0; 8]).unwrap_err();
    /// assert_eq!(err.to_string(), "tensor sizes: expected a shape like (0, 3) (0 = any size) but got (2, 4)");
    /// ```
    pub fn from_sizes(sizes: &[usize], data: alloc::vec::Vec<E>) -> Result<Self, Error> {
        let shape = S::from_sizes(sizes).ok_or_else(|| Error::ShapeMismatch {
            what: "tensor sizes",
            expected: S::static_sizes(),
            got: Sizes::first_axes(sizes),
        })?;
        Self::from_data(shape, data)
    }

    /// A tensor of zeros.
    ///
    /// ```
    /// use corten::shape::{Const, Dyn};
    /// use corten::Tensor;
    /// let t = Tensor::<(Dyn, Const<3>)>::zeros((Dyn(2), Const));
    /// assert_eq!(t.as_slice(), &[0.0; 6]);
    /// ```
    ///
    /// # Panics
    /// When the shape's element count overflows `usize` or cannot be
    /// allocated (as `vec!` does); [`Tensor::try_zeros`] returns an error
    /// instead for the first.
    pub fn zeros(shape: S) -> Self {
        Tensor {
            shape,
            data: alloc::vec![E::ZERO; shape.numel()],
            element: PhantomData,
        }
    }

    /// A tensor of zeros; an error when the shape's element count overflows
    /// `usize`.
    ///
    /// ```
    /// use corten::shape::Dyn;
    /// use corten::Tensor;
    /// assert_eq!(Tensor::<(Dyn, Dyn)>::try_zeros((Dyn(2), Dyn(3))).unwrap().as_slice(), &[0.0; 6]);
    /// assert!(Tensor::<(Dyn, Dyn)>::try_zeros((Dyn(1 << 40), Dyn(1 << 40))).is_err());
    /// ```
    pub fn try_zeros(shape: S) -> Result<Self, Error> {
        let n = shape.checked_numel().ok_or(Error::SizeOverflow {
            what: "tensor of zeros",
            shape: shape.sizes(),
        })?;
        Ok(Tensor {
            shape,
            data: alloc::vec![E::ZERO; n],
            element: PhantomData,
        })
    }
}

impl<S: StaticShape, E: Element, D: Data<E>> Tensor<S, E, D> {
    /// A tensor of a static shape over `data`; an error when the length differs.
    ///
    /// ```
    /// use corten::shape::Const;
    /// use corten::Tensor;
    /// static DATA: [f32; 4] = [1.0, 2.0, 3.0, 4.0];
    /// let t = Tensor::<(Const<2>, Const<2>), f32, &'static [f32]>::from_static_data(&DATA[..])?;
    /// assert_eq!(t.sizes()[..], [2, 2]);
    /// assert!(Tensor::<(Const<3>,), f32, &'static [f32]>::from_static_data(&DATA[..]).is_err());
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn from_static_data(data: D) -> Result<Self, Error> {
        Self::from_data(S::default(), data)
    }
}

/// A nested array (`[E; N]` up to `[[[[E; D]; C]; B]; A]`) whose shape the
/// compiler knows.
///
/// ```
/// use corten::shape::Const;
/// use corten::tensor::NestedArray;
/// fn shape_of<A: NestedArray<f32>>(_: &A) -> A::Shape { Default::default() }
/// assert_eq!(shape_of(&[[0.0f32; 3]; 2]), (Const::<2>, Const::<3>));
/// ```
pub trait NestedArray<E: Element>: DataMut<E> {
    /// Its shape.
    type Shape: StaticShape;
}

impl<E: Element, const A: usize> NestedArray<E> for [E; A] {
    type Shape = (Const<A>,);
}
impl<E: Element, const A: usize, const B: usize> NestedArray<E> for [[E; B]; A] {
    type Shape = (Const<A>, Const<B>);
}
impl<E: Element, const A: usize, const B: usize, const C: usize> NestedArray<E>
    for [[[E; C]; B]; A]
{
    type Shape = (Const<A>, Const<B>, Const<C>);
}
impl<E: Element, const A: usize, const B: usize, const C: usize, const D: usize> NestedArray<E>
    for [[[[E; D]; C]; B]; A]
{
    type Shape = (Const<A>, Const<B>, Const<C>, Const<D>);
}

impl<E: Element, A: NestedArray<E>> Tensor<A::Shape, E, A> {
    /// A tensor over a nested array, stored inline: the shape comes from the
    /// array's type, so a ragged or wrong-sized literal does not compile.
    ///
    /// ```
    /// use corten::Tensor;
    /// let x = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    /// assert_eq!(x.sizes()[..], [3, 2]);
    /// ```
    pub fn from_array(array: A) -> Self {
        Tensor {
            shape: A::Shape::default(),
            data: array,
            element: PhantomData,
        }
    }
}

impl<S: Shape, E: Element, D> Tensor<S, E, D> {
    /// A tensor from parts already known to agree.
    #[cfg(feature = "alloc")]
    pub(crate) fn from_parts_unchecked(shape: S, data: D) -> Self {
        Tensor {
            shape,
            data,
            element: PhantomData,
        }
    }
}
