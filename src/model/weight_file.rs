//! A model's weights in a safetensors file (corten's own format): one
//! tensor per weight, named as Keras names it (`dense_1/kernel`), in the
//! model's element type, with its Keras shape.

use super::weights::{self, Weighted};
use crate::error::Error;
use crate::shape::Sizes;
use crate::Element;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

/// Each weight's tensor name and shape, in the model's weight order:
/// `layer/weight`, with `_1`, `_2`, … after a name a layer's weights repeat
/// (a `Bidirectional`'s two directions).
fn names<E: Element>(model: &impl Weighted<E>) -> Vec<(String, Sizes)> {
    let owners = weights::owners(model);
    let mut shapes = Vec::new();
    model.weight_values(&mut |_, shape, _| shapes.push(shape));
    let mut names: Vec<(String, Sizes)> = Vec::with_capacity(shapes.len());
    for ((layer, weight), shape) in owners.into_iter().zip(shapes) {
        let base = format!("{layer}/{weight}");
        let repeats = names.iter().filter(|(n, _)| same_base(n, &base)).count();
        let name = match repeats {
            0 => base,
            k => format!("{base}_{k}"),
        };
        names.push((name, shape));
    }
    names
}

/// Whether `name` is `base` or `base_<k>`.
fn same_base(name: &str, base: &str) -> bool {
    name == base
        || name
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|k| k.parse::<usize>().is_ok())
}

/// The safetensors dtype of `E`.
fn dtype<E: Element>() -> Dtype {
    match core::mem::size_of::<E>() {
        4 => Dtype::F32,
        _ => Dtype::F64,
    }
}

/// The model's weights as the bytes of a safetensors file.
pub(crate) fn to_bytes<E: Element>(model: &impl Weighted<E>) -> Result<Vec<u8>, Error> {
    let names = names(model);
    let values = weights::get(model);
    let bytes: Vec<Vec<u8>> = values.iter().map(|v| encode(v)).collect();
    let mut views = Vec::with_capacity(names.len());
    for ((name, shape), data) in names.iter().zip(&bytes) {
        let view = TensorView::new(dtype::<E>(), shape.as_slice().to_vec(), data)
            .map_err(|e| file_error(Some(name), e.to_string()))?;
        views.push((name.clone(), view));
    }
    let mut info = std::collections::HashMap::new();
    info.insert("format".to_string(), "corten".to_string());
    safetensors::serialize(views, Some(info)).map_err(|e| file_error(None, e.to_string()))
}

/// Values as little-endian bytes of `E`'s width.
fn encode<E: Element>(values: &[E]) -> Vec<u8> {
    let mut out = Vec::with_capacity(core::mem::size_of_val(values));
    for v in values {
        match dtype::<E>() {
            Dtype::F32 => out.extend_from_slice(&(v.to_f64() as f32).to_le_bytes()),
            _ => out.extend_from_slice(&v.to_f64().to_le_bytes()),
        }
    }
    out
}

/// Little-endian bytes of `dtype` as values of `E`.
fn decode<E: Element>(bytes: &[u8], dtype: Dtype) -> Vec<E> {
    match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|b| E::from_f64(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64))
            .collect(),
        _ => bytes
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                E::from_f64(f64::from_le_bytes(a))
            })
            .collect(),
    }
}

fn file_error(tensor: Option<&str>, problem: String) -> Error {
    Error::WeightFile {
        tensor: tensor.map(Into::into),
        problem,
    }
}

/// Sets the model's weights from the bytes of a safetensors file written
/// by [`to_bytes`] (or any with the same names, shapes and dtype). Nothing
/// changes unless every weight is there with its shape and dtype, the file
/// holds no other tensor, and every value is valid ([`weights::set`]).
pub(crate) fn from_bytes<E: Element>(
    model: &mut impl Weighted<E>,
    bytes: &[u8],
) -> Result<(), Error> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| file_error(None, e.to_string()))?;
    let names = names(model);
    let mut values = Vec::with_capacity(names.len());
    for (name, shape) in &names {
        let tensor = file.tensor(name).map_err(|_| {
            file_error(
                Some(name),
                format!("the model has this weight, of shape {shape}, but the file does not"),
            )
        })?;
        if tensor.dtype() != dtype::<E>() {
            return Err(file_error(
                Some(name),
                format!(
                    "the file holds {:?} values, the model's weights are {:?}",
                    tensor.dtype(),
                    dtype::<E>()
                ),
            ));
        }
        if tensor.shape() != shape.as_slice() {
            return Err(file_error(
                Some(name),
                format!(
                    "shape {} in the file, {shape} in the model",
                    Sizes::new(tensor.shape())
                        .map_or_else(|_| format!("{:?}", tensor.shape()), |s| s.to_string())
                ),
            ));
        }
        values.push(decode::<E>(tensor.data(), tensor.dtype()));
    }
    if let Some(extra) = file
        .names()
        .into_iter()
        .find(|n| !names.iter().any(|(m, _)| m == *n))
    {
        return Err(file_error(
            Some(extra),
            "the file holds this tensor, but the model has no such weight".into(),
        ));
    }
    weights::set(model, &values)
}

/// The tensors of a safetensors file (what
/// [`save_weights`](crate::model::Sequential::save_weights) writes), read
/// in place: each tensor is a slice of the file's bytes, not a copy — a
/// `&'static` blob (`include_bytes!`) stays where it is, and layers over
/// `&'static [f32]` weights (`from_data`) run on it directly.
///
/// A tensor's values must start at a multiple of their size in memory (4
/// bytes for `f32`): safetensors places every tensor at a multiple of 8
/// from the file's start, so a blob aligned to 8 has every tensor aligned.
/// `include_bytes!` gives no alignment; wrap it in a type that does (below)
/// or read a misaligned tensor with [`tensor_copied`](Self::tensor_copied).
///
/// ```
/// use corten::layer::BatchNormalization;
/// use corten::model::SafeTensorsView;
/// use corten::prelude::*;
///
/// // The weights `save_weights` wrote for
/// // sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>],
/// // in the binary, aligned to 8 bytes.
/// #[repr(C, align(8))]
/// struct Aligned<B: ?Sized>(B);
/// static BLOB: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/tests/fixtures/corten/mlp_bn.safetensors"
/// )));
///
/// let view = SafeTensorsView::new(&BLOB.0)?;
/// let kernel: &'static [f32] = view.tensor("dense/kernel")?;
/// assert!(BLOB.0.as_ptr_range().contains(&kernel.as_ptr().cast())); // not a copy
/// // A layer over the blob's own bytes (`from_data` checks the lengths).
/// let bias: &'static [f32] = view.tensor("dense/bias")?;
/// let dense = Dense::<4, Relu>::from_data::<Const<3>, f32, _, _>(kernel, bias)?;
/// let first = sequential![Input<3>, (dense)];
/// let y = first.predict(&Tensor::from_array([[0.5f32, -1.0, 2.0]]))?;
/// assert_eq!(y.as_slice().len(), 4);
/// // The same values `load_weights` copies into a model of its own.
/// let mut loaded = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
/// loaded.load_weights_from_bytes(&BLOB.0)?;
/// assert_eq!(loaded.get_weights()[0], kernel);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Debug)]
pub struct SafeTensorsView<'a> {
    file: SafeTensors<'a>,
}

impl<'a> SafeTensorsView<'a> {
    /// The file in `bytes`; an error when it is not a safetensors file.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Error> {
        let file = SafeTensors::deserialize(bytes).map_err(|e| file_error(None, e.to_string()))?;
        Ok(SafeTensorsView { file })
    }

    /// The tensors' names (`dense/kernel`, …), sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.file.names();
        names.sort_unstable();
        names
    }

    /// Tensor `name`'s shape.
    pub fn shape(&self, name: &str) -> Result<Sizes, Error> {
        let tensor = self.view(name)?;
        Sizes::new(tensor.shape())
    }

    fn view(&self, name: &str) -> Result<TensorView<'a>, Error> {
        self.file
            .tensor(name)
            .map_err(|_| file_error(Some(name), "no tensor of that name in the file".into()))
    }

    /// Tensor `name`'s values in place (row-major); an error when there is
    /// none of that name, its values are not `E`'s dtype, they are not
    /// aligned for `E` in memory (see above), or this machine is big-endian
    /// (safetensors is little-endian).
    pub fn tensor<E: Element>(&self, name: &str) -> Result<&'a [E], Error> {
        let tensor = self.typed::<E>(name)?;
        if cfg!(target_endian = "big") {
            return Err(file_error(
                Some(name),
                "read in place only on little-endian machines: use `tensor_copied`".into(),
            ));
        }
        bytemuck::try_cast_slice(tensor.data()).map_err(|_| {
            file_error(
                Some(name),
                format!(
                    "its values start at address {:#x}, not a multiple of {} (align the blob to 8 bytes, or use `tensor_copied`)",
                    tensor.data().as_ptr() as usize,
                    core::mem::align_of::<E>()
                ),
            )
        })
    }

    /// Tensor `name`'s values, copied out: any alignment, any machine.
    pub fn tensor_copied<E: Element>(&self, name: &str) -> Result<Vec<E>, Error> {
        let tensor = self.typed::<E>(name)?;
        Ok(decode::<E>(tensor.data(), tensor.dtype()))
    }

    /// The Rust source of every tensor as a `static` nested array, for a
    /// firmware crate: `dense_1/kernel` of shape (16, 8) becomes `pub static
    /// DENSE_1_KERNEL: [[f32; 8]; 16] = […];`, which
    /// `Dense::from_weights(&DENSE_1_KERNEL, &DENSE_1_BIAS)` reads in place
    /// from flash in a model built at compile time (`sequential![const …]`).
    /// Each value is written exactly (the shortest decimal that reads back
    /// as the same float). What the `corten-weights` tool writes. An error
    /// for a value that is NaN or infinite, or two names that make the same
    /// Rust name.
    ///
    /// ```
    /// use corten::model::SafeTensorsView;
    /// use corten::prelude::*;
    /// let mut model = sequential![Input<2>, Dense<3>];
    /// model.set_weights(&[&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0][..], &[0.5, 0.0, -0.25]])?;
    /// let bytes = model.weights_to_bytes()?;
    /// let rust = SafeTensorsView::new(&bytes)?.rust_statics()?;
    /// assert!(rust.contains("pub static DENSE_KERNEL: [[f32; 3]; 2] = [\n    [1.0, 2.0, 3.0],\n    [4.0, 5.0, 6.0],\n];"));
    /// assert!(rust.contains("pub static DENSE_BIAS: [f32; 3] = [0.5, 0.0, -0.25];"));
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn rust_statics(&self) -> Result<String, Error> {
        use core::fmt::Write;
        let mut rust = String::new();
        let mut idents: Vec<(String, &str)> = Vec::new();
        for name in self.names() {
            let ident: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let ident = match ident.starts_with(|c: char| c.is_ascii_digit()) || ident.is_empty() {
                true => format!("W_{ident}"),
                false => ident,
            };
            if let Some((_, other)) = idents.iter().find(|(i, _)| *i == ident) {
                return Err(file_error(
                    Some(name),
                    format!("its Rust name {ident} is also `{other}`'s"),
                ));
            }
            let view = self.view(name)?;
            let (element, values): (&str, Vec<String>) = match view.dtype() {
                Dtype::F64 => (
                    "f64",
                    finite_literals(name, &self.tensor_copied::<f64>(name)?)?,
                ),
                _ => (
                    "f32",
                    finite_literals(name, &self.tensor_copied::<f32>(name)?)?,
                ),
            };
            let shape = view.shape();
            let ty = shape
                .iter()
                .rev()
                .fold(element.to_string(), |inner, n| format!("[{inner}; {n}]"));
            let sizes = Sizes::new(shape)?;
            let _ = writeln!(
                rust,
                "/// `{name}`, shape {sizes}.\n#[rustfmt::skip]\npub static {ident}: {ty} = {};",
                nested(&values, shape, 0)
            );
            idents.push((ident, name));
        }
        Ok(rust)
    }

    fn typed<E: Element>(&self, name: &str) -> Result<TensorView<'a>, Error> {
        let tensor = self.view(name)?;
        if tensor.dtype() != dtype::<E>() {
            return Err(file_error(
                Some(name),
                format!(
                    "the file holds {:?} values, not {}",
                    tensor.dtype(),
                    E::DTYPE
                ),
            ));
        }
        Ok(tensor)
    }
}

/// Each value as the shortest Rust literal that reads back as it; an error
/// naming tensor `name` for one that is NaN or infinite.
fn finite_literals<E: Element>(name: &str, values: &[E]) -> Result<Vec<String>, Error> {
    match crate::element::first_non_finite(values) {
        Some(index) => Err(file_error(
            Some(name),
            format!("value {index} is NaN or infinite"),
        )),
        None => Ok(values.iter().map(|v| format!("{v:?}")).collect()),
    }
}

/// `values` (row-major, of `shape` from axis `axis` on) as nested array
/// literals: the innermost arrays one per line.
fn nested(values: &[String], shape: &[usize], axis: usize) -> String {
    match shape.len() - axis {
        0 => values.first().cloned().unwrap_or_default(),
        1 => format!("[{}]", values.join(", ")),
        _ => {
            let indent = "    ".repeat(axis + 1);
            let size: usize = shape[axis + 1..].iter().product();
            let rows: Vec<String> = (0..shape[axis])
                .map(|i| {
                    format!(
                        "{indent}{},\n",
                        nested(&values[i * size..(i + 1) * size], shape, axis + 1)
                    )
                })
                .collect();
            format!("[\n{}{}]", rows.concat(), "    ".repeat(axis))
        }
    }
}

/// Writes `bytes` to `path`, naming the path in the error.
pub(crate) fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| Error::Io {
        path: path.display().to_string(),
        problem: e.to_string(),
    })
}

/// Reads `path`, naming it in the error.
pub(crate) fn read(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        problem: e.to_string(),
    })
}

/// `save_weights`, `load_weights` and their in-memory forms, for a model
/// type that is [`Weighted`].
macro_rules! weight_file_methods {
    () => {
        /// Writes every weight (trainable or not) to a safetensors file at
        /// `path` (Keras's `model.save_weights`), each tensor named as Keras
        /// names the weight (`dense_1/kernel`), in the model's element type.
        ///
        /// ```
        /// use corten::prelude::*;
        /// let path = std::env::temp_dir().join(format!("corten-doc-{}.safetensors", std::process::id()));
        /// let mut trained = sequential![Input<3>, Dense<4, Relu>, Dense<2>];
        /// let moved: Vec<Vec<f32>> =
        ///     trained.get_weights().iter().map(|w| w.iter().map(|v| v + 0.5).collect()).collect();
        /// trained.set_weights(&moved)?;
        /// trained.save_weights(&path)?;
        ///
        /// let mut fresh = sequential![Input<3>, Dense<4, Relu>, Dense<2>];
        /// fresh.load_weights(&path)?;
        /// assert_eq!(fresh.get_weights(), moved);
        /// # std::fs::remove_file(&path).unwrap();
        /// # Ok::<(), corten::Error>(())
        /// ```
        pub fn save_weights(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
            let bytes = self.weights_to_bytes()?;
            crate::model::weight_file::write(path.as_ref(), &bytes)
        }

        /// Sets every weight from a safetensors file written by
        /// [`save_weights`](Self::save_weights) (Keras's
        /// `model.load_weights`). An error, and nothing changed, when a
        /// weight is missing, has another shape or element type, the file
        /// holds a tensor the model does not have, a value is NaN or
        /// infinite, or the file is not a safetensors file: the error names
        /// the tensor.
        pub fn load_weights(&mut self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
            let bytes = crate::model::weight_file::read(path.as_ref())?;
            self.load_weights_from_bytes(&bytes)
        }

        /// The bytes [`save_weights`](Self::save_weights) writes.
        pub fn weights_to_bytes(&self) -> Result<alloc::vec::Vec<u8>, Error> {
            crate::model::weight_file::to_bytes(self)
        }

        /// [`load_weights`](Self::load_weights) from the bytes of a file.
        pub fn load_weights_from_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
            crate::model::weight_file::from_bytes(self, bytes)
        }
    };
}
pub(crate) use weight_file_methods;
