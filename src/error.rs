//! The error type of every fallible operation.

use crate::shape::Sizes;
use core::fmt;

/// What went wrong. Shape errors the compiler can see are compile errors; these
/// are the ones only the data can show (a `Vec` of the wrong length, a dynamic
/// batch that differs, a scratch buffer too small).
///
/// Each variant carries what went wrong as data (to match on) and prints a
/// message naming it:
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Error, Tensor};
/// let model = sequential![Input<2>, Dense<1>];
/// let err = model.predict(&Tensor::from_array([[1.0f32, f32::NAN]])).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { what: "model input", index: 1 }));
/// assert_eq!(err.to_string(), "model input: element 1 is NaN or infinite");
/// // A scratch buffer too small for predict_into.
/// let mut y = Tensor::from_array([[0.0f32]]);
/// let err = model.predict_into(&Tensor::from_array([[1.0f32, 2.0]]), &mut y, &mut []);
/// assert!(err.is_ok()); // a single Dense needs none
/// let deeper = sequential![Input<2>, Dense<4>, Dense<1>];
/// let err = deeper.predict_into(&Tensor::from_array([[1.0f32, 2.0]]), &mut y, &mut []).unwrap_err();
/// assert_eq!(err, Error::ScratchTooSmall { needed: 4, got: 0 });
/// ```
///
/// On bare-metal targets (`target_os = "none"`) its `Debug` is its message:
/// a derived `Debug` would link the float-formatting code into firmware
/// (+29 KB with a panic handler that prints, as `unwrap` needs).
#[derive(Clone, PartialEq)]
#[cfg_attr(not(target_os = "none"), derive(Debug))]
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
    /// Sizes whose product (the element count, or a matrix's extent) does
    /// not fit in `usize`: no buffer can hold that many elements.
    SizeOverflow {
        /// What was being built.
        what: &'static str,
        /// The sizes given.
        shape: Sizes,
    },
    /// More axes than a shape can have ([`MAX_RANK`](crate::shape::MAX_RANK)).
    TooManyAxes {
        /// Axes given.
        rank: usize,
        /// The most a shape has.
        max: usize,
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
    /// Sequences of run-time length (`Input<Dyn, F>`) too short for a
    /// layer: a window longer than the sequence with `Valid` padding, or no
    /// timesteps at all.
    TooFewSteps {
        /// The layer's Keras class (`Conv1D`), or `"model input"`.
        layer: &'static str,
        /// Timesteps the layer was given.
        steps: usize,
        /// Timesteps it needs at least.
        needs: usize,
    },
    /// An output tensor whose timesteps differ from those the model gives
    /// for its input's (a model over sequences of run-time length).
    StepsMismatch {
        /// Timesteps the model gives.
        expected: usize,
        /// Timesteps of the output tensor.
        got: usize,
    },
    /// Input data holds NaN or an infinity.
    NonFinite {
        /// What held it.
        what: &'static str,
        /// The position of the first such element (row-major).
        index: usize,
    },
    /// A weight given to a layer holds NaN or an infinity (or, for a
    /// BatchNormalization variance, a value below zero).
    NonFiniteWeight {
        /// The layer, when it is in a model (`dense_1`).
        layer: Option<crate::layer::LayerName>,
        /// The weight: Keras's name (`kernel`), or the layer kind and the
        /// name (`Dense kernel`) for a layer not yet in a model.
        weight: &'static str,
        /// The position of the first such element (row-major).
        index: usize,
    },
    /// A weight given to a model's layer does not have the layer's shape
    /// (a transposed kernel), or, given without a shape, not as many values.
    #[cfg(feature = "alloc")]
    WeightShape {
        /// The layer and Keras's name for the weight: `dense_1/kernel`.
        weight: alloc::string::String,
        /// The layer's shape for it.
        expected: Sizes,
        /// The shape given (for values without one: their count).
        got: Sizes,
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
    /// An integer (an id, a label) is too large for the element type to
    /// tell it from its neighbours: `f32` tells apart the integers below
    /// 2²⁴, `f64` those below 2⁵³.
    IntegerNotExact {
        /// The position of the element (row-major).
        index: usize,
        /// The integer (saturated to `i64`'s range).
        value: i64,
        /// The element type (`float32`).
        dtype: &'static str,
        /// The size below which it tells integers apart.
        limit: u64,
    },
    /// A scratch buffer is smaller than the forward pass needs.
    ScratchTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        got: usize,
    },
    /// Labels do not fit the samples: another count, or another number of
    /// values per sample than the loss needs.
    LabelMismatch {
        /// Samples in `x`.
        samples: usize,
        /// Label values the loss needs per sample.
        per_sample: usize,
        /// Label values given in all.
        got: usize,
    },
    /// A class label (sparse categorical) is not a whole number in range.
    LabelOutOfRange {
        /// The position of the label (row-major).
        index: usize,
        /// Its value.
        value: f64,
        /// The number of classes (the model's output width).
        classes: usize,
    },
    /// A dataset with another number of input or label tensors than the
    /// model has inputs or outputs.
    TensorCount {
        /// Which dataset (`training data`, `validation data`).
        what: &'static str,
        /// `input tensors` or `label tensors`.
        kind: &'static str,
        /// As many as the model's inputs (or outputs).
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// Two layers of a functional model with one name (Keras requires
    /// names to be unique within a model).
    DuplicateName {
        /// The name.
        name: crate::layer::LayerName,
    },
    /// A dataset with no samples.
    EmptyDataset {
        /// Which one (`training data`, `validation data`).
        what: &'static str,
    },
    /// The loss became NaN or infinite during training; `fit` stopped (as
    /// Keras's `TerminateOnNaN` does) and put every weight and the
    /// optimizer's state back as they were before that batch: as the last
    /// finite step left them.
    NonFiniteLoss {
        /// The epoch, from 1.
        epoch: usize,
        /// The batch within the epoch, from 1.
        batch: usize,
    },
    /// An update made a weight NaN or infinite; `fit` stopped and put the
    /// model back as [`Error::NonFiniteLoss`] does.
    NonFiniteUpdate {
        /// The epoch, from 1.
        epoch: usize,
        /// The batch within the epoch, from 1.
        batch: usize,
    },
    /// The model's output holds NaN or an infinity although its input and
    /// weights are finite: a value overflowed inside the model.
    NonFiniteOutput {
        /// What was being computed (`predict`, `evaluate`).
        what: &'static str,
        /// The position of the first such element (row-major).
        index: usize,
    },
    /// `fit` or `evaluate` before `compile`.
    NotCompiled,
    /// A weight training must update is borrowed read-only (`&'static` data).
    ReadOnlyWeight {
        /// Keras's name for the weight (`kernel`).
        name: &'static str,
    },
    /// Data in a file or buffer is not in the format expected.
    Format {
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A callback watches a log that `fit` does not write (a misspelled
    /// `val_los`, or `val_loss` without validation data).
    #[cfg(feature = "alloc")]
    UnknownLog {
        /// The log asked for.
        name: alloc::string::String,
        /// The logs `fit` writes, comma-separated.
        available: alloc::string::String,
    },
    /// A weights file that does not fit the model (a weight missing, of
    /// another shape or element type, a tensor the model does not have) or
    /// is not a safetensors file.
    #[cfg(feature = "alloc")]
    WeightFile {
        /// The tensor at fault (`dense_1/kernel`), when one is.
        tensor: Option<alloc::string::String>,
        /// What is wrong.
        problem: alloc::string::String,
    },
    /// A numpy `.npy` / `.npz` file that is not one numpy writes, or holds
    /// what the tensor cannot take (big-endian data, Fortran order).
    #[cfg(feature = "alloc")]
    Numpy {
        /// What is wrong.
        problem: alloc::string::String,
    },
    /// A Keras model's `config.json` holds what the Rust generator cannot
    /// write as a corten model (a layer or an option corten does not have).
    #[cfg(feature = "alloc")]
    KerasConfig {
        /// The layer, with its class: `conv2d_1 (Conv2D)`.
        layer: Option<alloc::string::String>,
        /// What is wrong.
        problem: alloc::string::String,
    },
    /// A file could not be read or written.
    #[cfg(feature = "alloc")]
    Io {
        /// The file.
        path: alloc::string::String,
        /// The system's message.
        problem: alloc::string::String,
    },
    /// A functional model that cannot be built from the nodes given (see
    /// [`Graph::build`](crate::model::Graph::build)).
    InvalidGraph {
        /// What is wrong.
        problem: &'static str,
    },
    /// An option outside its range (a batch size of 0, a validation split
    /// of 1).
    InvalidOption {
        /// The option.
        what: &'static str,
        /// What it must be.
        rule: &'static str,
    },
}

/// `Ok` when `got` elements fill `shape`, else [`Error::LengthMismatch`]
/// (or [`Error::SizeOverflow`] when the shape's element count overflows).
#[cfg(feature = "std")]
pub(crate) fn check_length<const N: usize>(
    what: &'static str,
    shape: [usize; N],
    got: usize,
) -> Result<(), Error> {
    check_sizes(what, Sizes::of(shape), got)
}

/// `Ok` when every value is finite, else [`Error::NonFiniteWeight`].
pub(crate) fn check_finite_weight<E: crate::Element>(
    layer: Option<crate::layer::LayerName>,
    weight: &'static str,
    values: &[E],
) -> Result<(), Error> {
    match crate::element::first_non_finite(values) {
        None => Ok(()),
        Some(index) => Err(Error::NonFiniteWeight {
            layer,
            weight,
            index,
        }),
    }
}

/// `Ok` when every output value is finite, else [`Error::NonFiniteOutput`]
/// (`offset`: where `output` starts in the whole output).
pub(crate) fn check_output<E: crate::Element>(
    what: &'static str,
    output: &[E],
    offset: usize,
) -> Result<(), Error> {
    match crate::element::first_non_finite(output) {
        None => Ok(()),
        Some(i) => Err(Error::NonFiniteOutput {
            what,
            index: offset + i,
        }),
    }
}

/// [`check_length`] for sizes already gathered.
pub(crate) fn check_sizes(what: &'static str, shape: Sizes, got: usize) -> Result<(), Error> {
    let expected = shape
        .checked_numel()
        .ok_or(Error::SizeOverflow { what, shape })?;
    if got == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what,
            shape,
            expected,
            got,
        })
    }
}

#[cfg(target_os = "none")]
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A value an error quotes (an id or a label that is not a whole number in
/// range) as `{}` prints it; on bare metal without the float-formatting
/// code (see [`write_compact`]).
struct Quoted(f64);

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match cfg!(target_os = "none") {
            true => write_compact(self.0, f),
            false => write!(f, "{}", self.0),
        }
    }
}

/// `v` with integer formatting only: its whole part, then up to six
/// decimals (trailing zeros dropped); `NaN`, `inf`, `-inf` as `{}` writes
/// them; whole parts past `u64::MAX` saturate.
fn write_compact(v: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if v.is_nan() {
        return f.write_str("NaN");
    }
    if v < 0.0 {
        f.write_str("-")?;
    }
    let a = v.abs();
    if a.is_infinite() {
        return f.write_str("inf");
    }
    let (mut whole, mut millionths) = (a as u64, libm::round((a - libm::trunc(a)) * 1e6) as u64);
    if millionths >= 1_000_000 {
        (whole, millionths) = (whole.saturating_add(1), 0);
    }
    write!(f, "{whole}")?;
    if millionths > 0 {
        let mut digits = 6;
        while millionths % 10 == 0 {
            millionths /= 10;
            digits -= 1;
        }
        write!(f, ".{millionths:0digits$}")?;
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LengthMismatch { what, shape, expected, got } => write!(
                f,
                "{what}: shape {shape} needs {expected} elements but {got} were given"
            ),
            Error::SizeOverflow { what, shape } => write!(
                f,
                "{what}: shape {shape} has more elements than fit in memory (their count overflows usize)"
            ),
            Error::TooManyAxes { rank, max } => {
                write!(f, "{rank} axes given, but a shape has at most {max}")
            }
            Error::ShapeMismatch { what, expected, got } => write!(
                f,
                "{what}: expected a shape like {expected} (0 = any size) but got {got}"
            ),
            Error::BatchMismatch { expected, got } => write!(
                f,
                "batch size mismatch: the input has {expected} samples but the other tensor has {got}"
            ),
            Error::TooFewSteps { layer, steps, needs } => write!(
                f,
                "{layer}: sequences of {steps} timesteps are too short, it needs at least {needs}"
            ),
            Error::StepsMismatch { expected, got } => write!(
                f,
                "timesteps mismatch: the model gives {expected} timesteps but the output tensor has {got}"
            ),
            Error::NonFinite { what, index } => {
                write!(f, "{what}: element {index} is NaN or infinite")
            }
            Error::NonFiniteWeight { layer: Some(layer), weight, index } => write!(
                f,
                "layer `{layer}`, weight `{weight}`: element {index} is not a valid value (NaN, infinite, or a negative variance)"
            ),
            Error::NonFiniteWeight { layer: None, weight, index } => write!(
                f,
                "{weight}: element {index} is not a valid value (NaN, infinite, or a negative variance)"
            ),
            #[cfg(feature = "alloc")]
            Error::WeightShape { weight, expected, got } => write!(
                f,
                "weight `{weight}`: the layer's shape is {expected} ({} values), the one given {got} ({} values)",
                expected.numel(),
                got.numel()
            ),
            Error::IndexOutOfRange { index, value, limit } => write!(
                f,
                "index out of range: input element {index} is {}, but indices must be whole numbers in 0..{limit}",
                Quoted(*value)
            ),
            Error::IntegerNotExact { index, value, dtype, limit } => write!(
                f,
                "integer too large for {dtype}: element {index} is {value}, but {dtype} tells apart only the integers below {limit} in size; use f64 elements"
            ),
            Error::ScratchTooSmall { needed, got } => write!(
                f,
                "scratch buffer too small: the forward pass needs {needed} elements but {got} were given"
            ),
            Error::LabelMismatch { samples, per_sample, got } => write!(
                f,
                "labels do not fit the samples: {samples} samples need {} label values ({per_sample} each) but {got} were given",
                samples * per_sample
            ),
            Error::LabelOutOfRange { index, value, classes } => write!(
                f,
                "label out of range: label {index} is {}, but class labels must be whole numbers in 0..{classes}",
                Quoted(*value)
            ),
            Error::TensorCount { what, kind, expected, got } => write!(
                f,
                "{what}: {got} {kind} given, but the model needs {expected} (one per {})",
                if *kind == "input tensors" { "input" } else { "output" }
            ),
            Error::DuplicateName { name } => write!(
                f,
                "invalid functional model: the name `{name}` is used by two layers; layer names must be unique"
            ),
            Error::EmptyDataset { what } => write!(f, "{what} holds no samples"),
            Error::NonFiniteLoss { epoch, batch } => write!(
                f,
                "the loss became NaN or infinite at epoch {epoch}, batch {batch}; training stopped and the weights were put back as the last finite step left them"
            ),
            Error::NonFiniteUpdate { epoch, batch } => write!(
                f,
                "an update made a weight NaN or infinite at epoch {epoch}, batch {batch}; training stopped and the weights were put back as the last finite step left them"
            ),
            Error::NonFiniteOutput { what, index } => write!(
                f,
                "{what}: output element {index} is NaN or infinite although the input and the weights are finite (a value overflowed)"
            ),
            Error::NotCompiled => {
                f.write_str("the model is not compiled: call `compile` with an optimizer and a loss first")
            }
            Error::ReadOnlyWeight { name } => write!(
                f,
                "weight `{name}` is borrowed read-only; train a model whose weights it owns (Vec or arrays)"
            ),
            Error::Format { what, problem } => write!(f, "{what}: {problem}"),
            #[cfg(feature = "alloc")]
            Error::UnknownLog { name, available } => write!(
                f,
                "a callback monitors `{name}`, but fit logs only {available}"
            ),
            #[cfg(feature = "alloc")]
            Error::WeightFile { tensor: Some(tensor), problem } => {
                write!(f, "weights file, tensor `{tensor}`: {problem}")
            }
            #[cfg(feature = "alloc")]
            Error::WeightFile { tensor: None, problem } => write!(f, "weights file: {problem}"),
            #[cfg(feature = "alloc")]
            Error::Numpy { problem } => write!(f, "numpy file: {problem}"),
            #[cfg(feature = "alloc")]
            Error::KerasConfig { layer: Some(layer), problem } => {
                write!(f, "Keras model, layer `{layer}`: {problem}")
            }
            #[cfg(feature = "alloc")]
            Error::KerasConfig { layer: None, problem } => write!(f, "Keras model: {problem}"),
            #[cfg(feature = "alloc")]
            Error::Io { path, problem } => write!(f, "{path}: {problem}"),
            Error::InvalidOption { what, rule } => write!(f, "invalid option `{what}`: {rule}"),
            Error::InvalidGraph { problem } => write!(f, "invalid functional model: {problem}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(test)]
mod quoted_tests {
    extern crate std;
    use std::format;

    /// `write_compact` (bare metal's) writes what `{}` writes.
    #[test]
    fn compact_numbers_read_as_the_standard_ones() {
        struct Compact(f64);
        impl core::fmt::Display for Compact {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                super::write_compact(self.0, f)
            }
        }
        for v in [
            0.0,
            -1.0,
            3.5,
            0.25,
            -12.125,
            1e6,
            16777217.0,
            2.000001,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(format!("{}", Compact(v)), format!("{v}"), "{v}");
        }
        // Past six decimals: rounded.
        assert_eq!(format!("{}", Compact(0.9999999)), "1");
        assert_eq!(format!("{}", Compact(1.23456789)), "1.234568");
        assert_eq!(format!("{}", Compact(0.0000005)), "0.000001");
    }
}
