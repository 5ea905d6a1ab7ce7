//! Where a tensor's elements live: on the heap, inline, or borrowed.

use crate::Element;

/// Contiguous, row-major element storage.
///
/// Implemented for heap storage (`Vec<E>`, with `alloc`), inline storage (arrays
/// `[E; N]`, nested arrays up to rank 4, and `GenericArray<E, N>`), and borrowed
/// storage (`&[E]`, so weights can be `&'static` data in flash).
///
/// ```
/// use corten::tensor::Data;
/// let inline = [[1.0f32, 2.0], [3.0, 4.0]];
/// assert_eq!(Data::<f32>::as_slice(&inline), &[1.0, 2.0, 3.0, 4.0]);
/// static FLASH: [f32; 3] = [1.0, 2.0, 3.0];
/// let borrowed: &'static [f32] = &FLASH;
/// assert_eq!(Data::<f32>::as_slice(&borrowed).len(), 3);
/// ```
pub trait Data<E: Element> {
    /// The elements, row-major.
    fn as_slice(&self) -> &[E];

    /// The elements, writable, when the storage allows it (`None` for
    /// borrowed `&[E]`): what training updates.
    fn writable(&mut self) -> Option<&mut [E]> {
        None
    }
}

/// Storage whose elements can be written.
pub trait DataMut<E: Element>: Data<E> {
    /// The elements, row-major, writable.
    fn as_mut_slice(&mut self) -> &mut [E];
}

impl<E: Element> Data<E> for &[E] {
    fn as_slice(&self) -> &[E] {
        self
    }
}

impl<E: Element> Data<E> for &mut [E] {
    fn as_slice(&self) -> &[E] {
        self
    }
    fn writable(&mut self) -> Option<&mut [E]> {
        Some(self)
    }
}

impl<E: Element> DataMut<E> for &mut [E] {
    fn as_mut_slice(&mut self) -> &mut [E] {
        self
    }
}

#[cfg(feature = "alloc")]
impl<E: Element> Data<E> for alloc::vec::Vec<E> {
    fn as_slice(&self) -> &[E] {
        self
    }
    fn writable(&mut self) -> Option<&mut [E]> {
        Some(self)
    }
}

#[cfg(feature = "alloc")]
impl<E: Element> DataMut<E> for alloc::vec::Vec<E> {
    fn as_mut_slice(&mut self) -> &mut [E] {
        self
    }
}

impl<E: Element, N: generic_array::ArrayLength> Data<E> for generic_array::GenericArray<E, N> {
    fn as_slice(&self) -> &[E] {
        self
    }
    fn writable(&mut self) -> Option<&mut [E]> {
        Some(self)
    }
}

impl<E: Element, N: generic_array::ArrayLength> DataMut<E> for generic_array::GenericArray<E, N> {
    fn as_mut_slice(&mut self) -> &mut [E] {
        self
    }
}

macro_rules! impl_array_data {
    ($arr:ty, [$($n:ident),+], |$s:ident| $flat:expr, |$m:ident| $flat_mut:expr) => {
        impl<E: Element, $(const $n: usize),+> Data<E> for $arr {
            fn as_slice(&self) -> &[E] {
                let $s = self;
                $flat
            }
            fn writable(&mut self) -> Option<&mut [E]> {
                Some(DataMut::<E>::as_mut_slice(self))
            }
        }
        impl<E: Element, $(const $n: usize),+> DataMut<E> for $arr {
            fn as_mut_slice(&mut self) -> &mut [E] {
                let $m = self;
                $flat_mut
            }
        }
    };
}

impl_array_data!([E; A], [A], |s| s, |m| m);
impl_array_data!([[E; B]; A], [A, B], |s| s.as_flattened(), |m| m
    .as_flattened_mut());
impl_array_data!(
    [[[E; C]; B]; A],
    [A, B, C],
    |s| s.as_flattened().as_flattened(),
    |m| m.as_flattened_mut().as_flattened_mut()
);
impl_array_data!(
    [[[[E; D]; C]; B]; A],
    [A, B, C, D],
    |s| s.as_flattened().as_flattened().as_flattened(),
    |m| m.as_flattened_mut().as_flattened_mut().as_flattened_mut()
);

/// Arrays borrowed in place (`&'static` weights in flash), read-only as
/// `&[E]` is; the sizes stay in the types.
macro_rules! impl_array_ref_data {
    ($arr:ty, [$($n:ident),+], |$s:ident| $flat:expr) => {
        impl<E: Element, $(const $n: usize),+> Data<E> for &$arr {
            fn as_slice(&self) -> &[E] {
                let $s = *self;
                $flat
            }
        }
    };
}

impl_array_ref_data!([E; A], [A], |s| s);
impl_array_ref_data!([[E; B]; A], [A, B], |s| s.as_flattened());
impl_array_ref_data!([[[E; C]; B]; A], [A, B, C], |s| s
    .as_flattened()
    .as_flattened());
impl_array_ref_data!([[[[E; D]; C]; B]; A], [A, B, C, D], |s| s
    .as_flattened()
    .as_flattened()
    .as_flattened());
