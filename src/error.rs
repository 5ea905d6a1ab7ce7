//! The error type of every fallible operation.

use crate::shape::Sizes;
use core::fmt;

/// What went wrong. Shape errors the compiler can see are compile errors; these
/// are the ones only the data can show (a `Vec` of the wrong length, a dynamic
/// batch that differs, a scratch buffer too small).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A buffer holds the wrong number of elements for the shape.
    LengthMismatch {
        /// What the buffer was for.
        what: &'static str,
        /// The shape it should fill.
        shape: Sizes,
        /// Elements the shape needs.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// Sizes given at run time do not fit the shape type (wrong rank, or a
    /// static axis with another size).
    ShapeMismatch {
        /// What was being built.
        what: &'static str,
        /// The shape the type requires, `0` where an axis is dynamic.
        expected: Sizes,
        /// The sizes given.
        got: Sizes,
    },
    /// Two dynamic batch axes that must agree do not.
    BatchMismatch {
        /// The batch of the input.
        expected: usize,
        /// The batch of the other tensor.
        got: usize,
    },
    /// Input data holds NaN or an infinity.
    NonFinite {
        /// What held it.
        what: &'static str,
        /// The position of the first such element (row-major).
        index: usize,
    },
    /// An integer input (an Embedding's token id) is outside its range, or not
    /// a whole number.
    IndexOutOfRange {
        /// The position of the element (row-major).
        index: usize,
        /// Its value.
        value: f64,
        /// The exclusive upper bound (the vocabulary size).
        limit: usize,
    },
    /// A scratch buffer is smaller than the forward pass needs.
    ScratchTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        got: usize,
    },
}

/// `Ok` when `got` elements fill `shape`, else [`Error::LengthMismatch`].
pub(crate) fn check_length(what: &'static str, shape: &[usize], got: usize) -> Result<(), Error> {
    let expected = shape.iter().product();
    if got == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what,
            shape: Sizes::new(shape),
            expected,
            got,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LengthMismatch { what, shape, expected, got } => write!(
                f,
                "{what}: shape {shape} needs {expected} elements but {got} were given"
            ),
            Error::ShapeMismatch { what, expected, got } => write!(
                f,
                "{what}: expected a shape like {expected} (0 = any size) but got {got}"
            ),
            Error::BatchMismatch { expected, got } => write!(
                f,
                "batch size mismatch: the input has {expected} samples but the other tensor has {got}"
            ),
            Error::NonFinite { what, index } => {
                write!(f, "{what}: element {index} is NaN or infinite")
            }
            Error::IndexOutOfRange { index, value, limit } => write!(
                f,
                "index out of range: input element {index} is {value}, but indices must be whole numbers in 0..{limit}"
            ),
            Error::ScratchTooSmall { needed, got } => write!(
                f,
                "scratch buffer too small: the forward pass needs {needed} elements but {got} were given"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
