//! Tensors from and to numpy's `.npy` files (and arrays inside `.npz`
//! archives), the format most Keras users keep their datasets in.

use super::Tensor;
use crate::error::Error;
use crate::shape::Shape;
use crate::Element;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

const MAGIC: &[u8] = b"\x93NUMPY";

fn bad(problem: impl Into<String>) -> Error {
    Error::Numpy {
        problem: problem.into(),
    }
}

/// The element types a `.npy` file may hold (little-endian, or one byte).
#[derive(Clone, Copy, Debug)]
enum Dtype {
    Float(usize),
    Int(usize),
    Uint(usize),
    Bool,
}

impl Dtype {
    fn parse(descr: &str) -> Result<Self, Error> {
        // `<f4`: byte order, kind, width (ASCII; anything else is refused).
        let unknown = || bad(format!("element type `{descr}` is not one corten reads"));
        let (order, kind, width) = match (descr.get(..1), descr.get(1..2), descr.get(2..)) {
            (Some(o), Some(k), Some(w)) => (o, k, w),
            _ => return Err(unknown()),
        };
        let width: usize = width.parse().map_err(|_| unknown())?;
        if !matches!(order, "<" | "|" | "=" | ">") {
            return Err(unknown());
        }
        if order == ">" && width > 1 {
            return Err(bad(format!(
                "big-endian element type `{descr}` is not read"
            )));
        }
        match (kind, width) {
            ("f", 4 | 8) => Ok(Dtype::Float(width)),
            ("i", 1 | 2 | 4 | 8) => Ok(Dtype::Int(width)),
            ("u", 1 | 2 | 4 | 8) => Ok(Dtype::Uint(width)),
            ("b", 1) => Ok(Dtype::Bool),
            _ => Err(bad(format!(
                "element type `{descr}` is not one corten reads (floats, integers, bools)"
            ))),
        }
    }

    fn width(self) -> usize {
        match self {
            Dtype::Float(w) | Dtype::Int(w) | Dtype::Uint(w) => w,
            Dtype::Bool => 1,
        }
    }

    /// Element `index` (its bytes `b`) as an `E`: floats rounded to `E`,
    /// integers exactly or [`Error::IntegerNotExact`].
    fn value<E: Element>(self, b: &[u8], index: usize) -> Result<E, Error> {
        let mut a = [0u8; 8];
        a[..b.len()].copy_from_slice(b);
        let unsigned = u64::from_le_bytes(a);
        let bits = 8 * b.len() as u32;
        match self {
            Dtype::Float(4) => Ok(E::from_f64(f64::from(f32::from_le_bytes([
                b[0], b[1], b[2], b[3],
            ])))),
            Dtype::Float(_) => Ok(E::from_f64(f64::from_le_bytes(a))),
            Dtype::Uint(_) => crate::element::exact_integer(i128::from(unsigned), index),
            Dtype::Int(_) => {
                // Sign-extend from the value's width.
                let shift = 64 - bits;
                let signed = (unsigned << shift) as i64 >> shift;
                crate::element::exact_integer(i128::from(signed), index)
            }
            Dtype::Bool => Ok(if b[0] != 0 { E::ONE } else { E::ZERO }),
        }
    }
}

/// The header's value for `key` (`'descr': '<f4'` → `<f4`), as text.
fn field<'h>(header: &'h str, key: &str) -> Result<&'h str, Error> {
    let quoted = format!("'{key}':");
    let at = header
        .find(&quoted)
        .ok_or_else(|| bad(format!("the header has no `{key}`")))?;
    Ok(header[at + quoted.len()..].trim_start())
}

/// Parses a `.npy` file: its element type, shape and data bytes.
fn parse(bytes: &[u8]) -> Result<(Dtype, Vec<usize>, &[u8]), Error> {
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        return Err(bad("no numpy magic at its start"));
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => {
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (
                usize::try_from(n).map_err(|_| bad("a header too long"))?,
                12,
            )
        }
        v => return Err(bad(format!("format version {v} is not read"))),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("truncated in its header"))?;
    let header =
        core::str::from_utf8(&bytes[start..end]).map_err(|_| bad("a header that is not text"))?;
    let descr = field(header, "descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or_else(|| bad("a `descr` that is not a simple element type"))?;
    let dtype = Dtype::parse(descr)?;
    if field(header, "fortran_order")?.starts_with("True") {
        return Err(bad(
            "Fortran (column-major) order is not read; save with np.ascontiguousarray",
        ));
    }
    let shape_text = field(header, "shape")?;
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("a `shape` that is not a tuple"))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(format!("a shape entry `{s}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let len = shape
        .iter()
        .try_fold(dtype.width(), |n, &d| n.checked_mul(d))
        .ok_or_else(|| bad("a shape whose size overflows"))?;
    let data = bytes
        .get(end..)
        .and_then(|d| d.get(..len))
        .ok_or_else(|| bad(format!("truncated: the shape needs {len} bytes of data")))?;
    Ok((dtype, shape, data))
}

impl<S: Shape, E: Element> Tensor<S, E> {
    /// The tensor in a numpy `.npy` file (`np.save`): floats, integers or
    /// bools, converted to `E` (integers exactly, as
    /// [`from_ids`](Tensor::from_ids): one too large for `E` to tell from
    /// its neighbours, 2²⁴ and past for `f32`, is an error). An error when the file's shape does not fit `S` (a `Dyn`
    /// axis takes any size), or the file is not one numpy writes.
    ///
    /// ```
    /// use corten::shape::{Const, Dyn};
    /// use corten::Tensor;
    /// let path = std::env::temp_dir().join(format!("corten-doc-{}.npy", std::process::id()));
    /// let t = Tensor::from_array([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// t.write_npy(&path)?;
    /// let back = Tensor::<(Dyn, Const<3>), f32>::read_npy(&path)?;
    /// assert_eq!(back.as_slice(), t.as_slice());
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn read_npy(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let bytes = crate::model::weight_file::read(path.as_ref())?;
        Self::from_npy_bytes(&bytes)
    }

    /// [`read_npy`](Self::read_npy) from the bytes of a file.
    pub fn from_npy_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let (dtype, shape, data) = parse(bytes)?;
        let values = data
            .chunks_exact(dtype.width())
            .enumerate()
            .map(|(index, b)| dtype.value(b, index))
            .collect::<Result<Vec<E>, Error>>()?;
        Tensor::from_sizes(&shape, values)
    }

    /// Array `name` of a numpy `.npz` archive (`np.savez(path, x=…)`: `name`
    /// is `x`), as [`read_npy`](Self::read_npy) reads it. Compressed
    /// archives (`np.savez_compressed`) are not read.
    pub fn read_npz(path: impl AsRef<std::path::Path>, name: &str) -> Result<Self, Error> {
        let bytes = crate::model::weight_file::read(path.as_ref())?;
        Self::from_npz_bytes(&bytes, name)
    }

    /// [`read_npz`](Self::read_npz) from the bytes of an archive.
    pub fn from_npz_bytes(bytes: &[u8], name: &str) -> Result<Self, Error> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| bad(format!("a damaged .npz archive: {e}")))?;
        let entry = archive
            .by_name(&format!("{name}.npy"))
            .map_err(|e| match e {
                zip::result::ZipError::FileNotFound => {
                    bad(format!("no array `{name}` in the archive"))
                }
                zip::result::ZipError::CompressionMethodNotSupported(_) => bad(
                    "a compressed archive (np.savez_compressed) is not read; save it with np.savez",
                ),
                e => bad(format!("a damaged .npz archive: {e}")),
            })?;
        if entry.compression() != zip::CompressionMethod::Stored {
            return Err(bad(
                "a compressed archive (np.savez_compressed) is not read; save it with np.savez",
            ));
        }
        let mut npy = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(entry, bytes.len() as u64),
            &mut npy,
        )
        .map_err(|e| bad(format!("a damaged .npz archive: {e}")))?;
        Self::from_npy_bytes(&npy)
    }
}

impl<S: Shape, E: Element, D: super::Data<E>> Tensor<S, E, D> {
    /// Writes the tensor as a numpy `.npy` file (`<f4` or `<f8`), as
    /// `np.load` reads it.
    pub fn write_npy(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        crate::model::weight_file::write(path.as_ref(), &self.to_npy_bytes())
    }

    /// The bytes [`write_npy`](Self::write_npy) writes.
    pub fn to_npy_bytes(&self) -> Vec<u8> {
        let f32_elements = core::mem::size_of::<E>() == 4;
        let sizes = self.sizes();
        let dims: Vec<String> = sizes.as_slice().iter().map(|d| format!("{d}")).collect();
        let shape = match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        };
        let descr = if f32_elements { "<f4" } else { "<f8" };
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        // Padded with spaces so that the data starts on a 64-byte boundary.
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + self.as_slice().len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        for v in self.as_slice() {
            match f32_elements {
                true => out.extend_from_slice(&(v.to_f64() as f32).to_le_bytes()),
                false => out.extend_from_slice(&v.to_f64().to_le_bytes()),
            }
        }
        out
    }
}

/// A numpy `.npz` archive to write (what `np.savez(path, x=…, y=…)`
/// writes, and `np.load` reads): arrays of any shapes added by name, stored
/// uncompressed as `.npy` files (`<f4` or `<f8`).
///
/// ```
/// use corten::shape::{Const, Dyn};
/// use corten::tensor::Npz;
/// use corten::Tensor;
/// let x = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]]);
/// let y = Tensor::from_array([0.0f32, 1.0]);
/// let bytes = Npz::new().with("x", &x).with("y", &y).to_bytes()?;
/// let back = Tensor::<(Dyn, Const<2>)>::from_npz_bytes(&bytes, "x")?;
/// assert_eq!(back.as_slice(), x.as_slice());
/// assert_eq!(Tensor::<(Dyn,)>::from_npz_bytes(&bytes, "y")?.as_slice(), &[0.0, 1.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Npz {
    arrays: Vec<(String, Vec<u8>)>,
}

impl Npz {
    /// An archive without arrays.
    pub fn new() -> Self {
        Self::default()
    }

    /// The archive with `tensor` added as array `name` (a later array of
    /// the same name replaces it, as a dict in `np.savez(**arrays)` would).
    pub fn with<S: Shape, E: Element, D: super::Data<E>>(
        mut self,
        name: &str,
        tensor: &Tensor<S, E, D>,
    ) -> Self {
        self.arrays.retain(|(n, _)| n != name);
        self.arrays.push((name.into(), tensor.to_npy_bytes()));
        self
    }

    /// The archive's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let failed = |e: zip::result::ZipError| bad(format!("writing the .npz archive: {e}"));
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(
                self.arrays
                    .iter()
                    .any(|(_, npy)| npy.len() >= u32::MAX as usize),
            );
        for (name, npy) in &self.arrays {
            zip.start_file(format!("{name}.npy"), options)
                .map_err(failed)?;
            std::io::Write::write_all(&mut zip, npy)
                .map_err(|e| bad(format!("writing the .npz archive: {e}")))?;
        }
        Ok(zip.finish().map_err(failed)?.into_inner())
    }

    /// Writes the archive to `path`.
    pub fn write(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        crate::model::weight_file::write(path.as_ref(), &self.to_bytes()?)
    }
}
