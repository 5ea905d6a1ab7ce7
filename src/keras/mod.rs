//! Keras's own files: weights read into a corten model of the same
//! architecture — Keras 3's `model.save_weights("m.weights.h5")` and
//! `model.save("m.keras")` (a zip holding `config.json` and
//! `model.weights.h5`), and legacy `.h5` files — and the Rust source of
//! that architecture written from a `.keras` file's `config.json`
//! ([`rust_from_keras`], the `corten-keras` tool).
//!
//! Keras 3 stores each layer's weights under `layers/<key>/…/vars/<i>`,
//! where `<key>` is the layer's class in snake case, numbered in the
//! model's layer order (`dense`, `dense_1`, …, whatever the layers were
//! named), and a layer's parts nest further (`lstm/cell/vars`,
//! `bidirectional/forward_layer/cell/vars`). The model's layers are matched
//! to those keys in its layer order, their weights checked by count and
//! shape.

mod codegen;
pub(crate) mod hdf5;

pub use codegen::{rust_from_keras, rust_from_keras_checked, rust_from_keras_config};

use crate::error::Error;
use crate::layer::SummaryRow;
use crate::model::weights::{self, Weighted};
use crate::shape::Sizes;
use crate::Element;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use hdf5::{Dataset, File, Object};

/// Keras's `naming.to_snake_case` of a class name: `Conv2D` → `conv2d`,
/// `SimpleRNN` → `simple_rnn`, `BatchNormalization` → `batch_normalization`.
pub(crate) fn snake_case(class: &str) -> String {
    let c: Vec<char> = class
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    // First pass: `(.)([A-Z][a-z]+)` → `\1_\2`.
    let mut first = String::new();
    for (i, &ch) in c.iter().enumerate() {
        if i > 0 && ch.is_ascii_uppercase() && c.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
        {
            first.push('_');
        }
        first.push(ch);
    }
    // Second pass: `([a-z])([A-Z])` → `\1_\2`, then lower case.
    let f: Vec<char> = first.chars().collect();
    let mut out = String::new();
    for (i, &ch) in f.iter().enumerate() {
        if i > 0 && ch.is_ascii_uppercase() && f[i - 1].is_ascii_lowercase() {
            out.push('_');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// Keras's automatic layer names, class by class in the model's order:
/// `dense`, `dense_1`, … (Keras 3 also keys its weight files by them).
#[derive(Default)]
pub(crate) struct AutomaticNames(Vec<(String, usize)>);

impl AutomaticNames {
    /// The name Keras gives the next layer of class `class`.
    pub(crate) fn next(&mut self, class: &str) -> String {
        let base = snake_case(class);
        match self.0.iter_mut().find(|(b, _)| *b == base) {
            Some((_, n)) => {
                *n += 1;
                format!("{base}_{}", *n - 1)
            }
            None => {
                self.0.push((base.clone(), 1));
                base
            }
        }
    }

    /// Whether `name` is the automatic name of the next layer of `class`,
    /// which is then counted; a layer named by hand leaves the automatic
    /// names of the others as they were, as in Keras and corten.
    pub(crate) fn is_next(&mut self, class: &str, name: &str) -> bool {
        let mut after = AutomaticNames(self.0.clone());
        let automatic = after.next(class) == name;
        if automatic {
            *self = after;
        }
        automatic
    }
}

/// The model's layers in order, each with its weights' names and shapes
/// (the next weights whose sizes add up to its parameter count).
fn layers_and_weights<E: Element>(
    model: &impl Weighted<E>,
) -> Vec<(SummaryRow, Vec<(&'static str, Sizes)>)> {
    let mut rows = Vec::new();
    model.rows(&mut |row| rows.push(row));
    let mut shapes: Vec<(&'static str, Sizes)> = Vec::new();
    model.weight_values(&mut |name, shape, _| shapes.push((name, shape)));
    let mut next = 0;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut mine = Vec::new();
        let mut total = 0;
        while total < row.params && next < shapes.len() {
            total += shapes[next].1.numel();
            mine.push(shapes[next]);
            next += 1;
        }
        out.push((row, mine));
    }
    out
}

/// A shape as Python prints a tuple: `(3, 4)`, `(5,)`.
fn keras_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|d| format!("{d}")).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// A layer group's datasets in Keras's weight order: its own `vars` (by
/// number), then its parts — `forward_layer` before `backward_layer`, the
/// others by name.
fn datasets<'a>(
    file: &File<'a>,
    group: &[(String, u64)],
    out: &mut Vec<Dataset<'a>>,
    depth: usize,
) -> Result<(), Error> {
    if depth > 8 {
        return Err(Error::WeightFile {
            tensor: None,
            problem: "layer groups nested more than 8 deep".into(),
        });
    }
    if let Some(&(_, vars)) = group.iter().find(|(n, _)| n == "vars") {
        if let Object::Group(members) = file.object(vars)? {
            let mut numbered: Vec<(usize, u64)> = Vec::with_capacity(members.len());
            for (name, address) in members {
                let i = name.parse::<usize>().map_err(|_| Error::WeightFile {
                    tensor: Some(name.clone()),
                    problem: "a weight not numbered as Keras numbers them".into(),
                })?;
                numbered.push((i, address));
            }
            numbered.sort();
            for (_, address) in numbered {
                match file.object(address)? {
                    Object::Dataset(d) => out.push(d),
                    _ => {
                        return Err(Error::WeightFile {
                            tensor: None,
                            problem: "a weight that is not a dataset".into(),
                        })
                    }
                }
            }
        }
    }
    let rank = |name: &str| match name {
        "forward_layer" => 0,
        "backward_layer" => 1,
        _ => 2,
    };
    let mut parts: Vec<&(String, u64)> = group.iter().filter(|(n, _)| n != "vars").collect();
    parts.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    for (_, address) in parts {
        if let Object::Group(members) = file.object(*address)? {
            datasets(file, &members, out, depth + 1)?;
        }
    }
    Ok(())
}

/// Sets the model's weights from the bytes of a Keras 3 `.weights.h5`
/// file; nothing changes unless every layer's weights are there, in
/// Keras's order, of the model's shapes, and valid.
pub(crate) fn load_weights_h5<E: Element>(
    model: &mut impl Weighted<E>,
    bytes: &[u8],
) -> Result<(), Error> {
    let file = File::open(bytes)?;
    let layers = match (file.get("layers")?, file.get("model_weights")?) {
        (Some(Object::Group(layers)), _) => layers,
        (_, Some(Object::Group(layers))) => {
            return load_legacy_h5(model, &file, "model_weights/", &layers)
        }
        _ => match file.get("")? {
            Some(Object::Group(layers)) => return load_legacy_h5(model, &file, "", &layers),
            _ => {
                return Err(Error::WeightFile {
                    tensor: None,
                    problem: "the root is not a group: not a weights file Keras writes".into(),
                })
            }
        },
    };
    let mut names = AutomaticNames::default();
    let mut values = Vec::new();
    let mut used_keys = Vec::new();
    for (row, mine) in &layers_and_weights(model) {
        let key = names.next(row.kind);
        let found = match layers.iter().find(|(n, _)| *n == key) {
            Some(&(_, address)) => match file.object(address)? {
                Object::Group(members) => {
                    let mut found = Vec::new();
                    datasets(&file, &members, &mut found, 0)?;
                    found
                }
                _ => Vec::new(),
            },
            None if mine.is_empty() => continue,
            None => {
                return Err(Error::WeightFile {
                    tensor: Some(format!("layers/{key}")),
                    problem: format!(
                        "layer `{}` ({}) has {} weights, but the file has no layer `{key}`",
                        row.name,
                        row.kind,
                        mine.len()
                    ),
                })
            }
        };
        used_keys.push(key.clone());
        if found.len() != mine.len() {
            return Err(Error::WeightFile {
                tensor: Some(format!("layers/{key}")),
                problem: format!(
                    "layer `{}` ({}) has {} weights, the file's `{key}` {}",
                    row.name,
                    row.kind,
                    mine.len(),
                    found.len()
                ),
            });
        }
        for (&(name, shape), dataset) in mine.iter().zip(&found) {
            values.push(checked_values(
                row,
                (name, shape),
                dataset,
                &format!("layers/{key}"),
            )?);
        }
    }
    // A layer with weights in the file that the model does not have.
    for (key, address) in &layers {
        if used_keys.contains(key) {
            continue;
        }
        if let Object::Group(members) = file.object(*address)? {
            let mut found = Vec::new();
            datasets(&file, &members, &mut found, 0)?;
            if !found.is_empty() {
                return Err(Error::WeightFile {
                    tensor: Some(format!("layers/{key}")),
                    problem: format!(
                        "the file's layer `{key}` has {} weights, but the model has no such layer",
                        found.len()
                    ),
                });
            }
        }
    }
    weights::set(model, &values)
}

/// The values of `dataset` for `row`'s weight `name` of shape `shape` (the
/// dataset at `tensor`), or an error naming them when the shapes differ.
fn checked_values<E: Element>(
    row: &SummaryRow,
    (name, shape): (&str, Sizes),
    dataset: &Dataset<'_>,
    tensor: &str,
) -> Result<Vec<E>, Error> {
    if dataset.shape.as_slice() != shape.as_slice() {
        return Err(Error::WeightFile {
            tensor: Some(tensor.into()),
            problem: format!(
                "layer `{}`, weight `{name}`: shape {} in the file, {shape} in the model",
                row.name,
                keras_shape(&dataset.shape)
            ),
        });
    }
    Ok(dataset.values().into_iter().map(E::from_f64).collect())
}

/// Every dataset below a group, with its path from there, in path order.
fn datasets_below<'a>(
    file: &File<'a>,
    members: &[(String, u64)],
    prefix: &str,
    out: &mut Vec<(String, Dataset<'a>)>,
    depth: usize,
) -> Result<(), Error> {
    if depth > 8 {
        return Err(Error::WeightFile {
            tensor: Some(prefix.into()),
            problem: "groups nested more than 8 deep".into(),
        });
    }
    for (name, address) in members {
        let path = format!("{prefix}/{name}");
        match file.object(*address)? {
            Object::Group(inner) => datasets_below(file, &inner, &path, out, depth + 1)?,
            Object::Dataset(d) => out.push((path, d)),
            Object::Other => {}
        }
    }
    Ok(())
}

/// Sets the model's weights from a legacy HDF5 file — Keras 2's (tf.keras)
/// `model.save("m.h5")` or `save_weights("w.h5")`, or Keras 3's legacy
/// `.h5` — whose layer groups (under `model_weights`, or at the root) are
/// keyed by the layers' names, each weight a dataset below its layer's
/// group named after it (`kernel`, or `kernel:0`), a `Bidirectional`'s
/// forward layer's before its backward one's. Nothing changes unless every
/// layer of the model is there, with its weights of its shapes, and the
/// file has no other layer with weights.
fn load_legacy_h5<E: Element>(
    model: &mut impl Weighted<E>,
    file: &File<'_>,
    container: &str,
    layers: &[(String, u64)],
) -> Result<(), Error> {
    let mut values = Vec::new();
    let mut used = Vec::new();
    for (row, mine) in &layers_and_weights(model) {
        if mine.is_empty() {
            continue;
        }
        let key = row.name.to_string();
        let Some(&(_, address)) = layers.iter().find(|(n, _)| *n == key) else {
            let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::WeightFile {
                tensor: Some(format!("{container}{key}")),
                problem: format!(
                    "layer `{key}` ({}) has {} weights, but the file has no layer `{key}` (it has {})",
                    row.kind,
                    mine.len(),
                    names.join(", ")
                ),
            });
        };
        used.push(key.clone());
        let mut found = Vec::new();
        if let Object::Group(members) = file.object(address)? {
            datasets_below(file, &members, &format!("{container}{key}"), &mut found, 0)?;
        }
        // A forward layer's weights before its backward layer's.
        let rank = |path: &str| match () {
            _ if path.contains("/forward_") => 0,
            _ if path.contains("/backward_") => 1,
            _ => 2,
        };
        found.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
        let mut taken = alloc::vec![false; found.len()];
        for &(name, shape) in mine {
            let leaf = |path: &str| {
                let leaf = path.rsplit('/').next().unwrap_or(path);
                leaf.strip_suffix(":0").unwrap_or(leaf).to_string()
            };
            let Some(i) = (0..found.len()).find(|&i| !taken[i] && leaf(&found[i].0) == name) else {
                return Err(Error::WeightFile {
                    tensor: Some(format!("{container}{key}")),
                    problem: format!(
                        "layer `{key}` ({}) has a weight `{name}` of shape {shape}, but the file's `{key}` has none left of that name",
                        row.kind
                    ),
                });
            };
            taken[i] = true;
            values.push(checked_values(
                row,
                (name, shape),
                &found[i].1,
                &found[i].0,
            )?);
        }
        if let Some(i) = taken.iter().position(|t| !t) {
            return Err(Error::WeightFile {
                tensor: Some(found[i].0.clone()),
                problem: format!(
                    "the file's layer `{key}` has a weight the model's ({}) does not",
                    row.kind
                ),
            });
        }
    }
    for (key, address) in layers {
        if used.contains(key) {
            continue;
        }
        let mut found = Vec::new();
        if let Object::Group(members) = file.object(*address)? {
            datasets_below(file, &members, key, &mut found, 0)?;
        }
        if !found.is_empty() {
            return Err(Error::WeightFile {
                tensor: Some(format!("{container}{key}")),
                problem: format!(
                    "the file's layer `{key}` has {} weights, but the model has no layer of that name",
                    found.len()
                ),
            });
        }
    }
    weights::set(model, &values)
}

/// The weights file inside a `.keras` zip, or the bytes themselves for a
/// `.weights.h5` file.
pub(crate) fn weights_h5(bytes: &[u8]) -> Result<alloc::borrow::Cow<'_, [u8]>, Error> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(alloc::borrow::Cow::Borrowed(bytes));
    }
    zip_entry(bytes, "model.weights.h5").map(alloc::borrow::Cow::Owned)
}

/// The entry `name` of the `.keras` zip in `bytes`.
pub(crate) fn zip_entry(bytes: &[u8], name: &str) -> Result<Vec<u8>, Error> {
    let zip_error = |e: zip::result::ZipError| Error::WeightFile {
        tensor: None,
        problem: format!("a damaged .keras file: {e}"),
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
    let entry = archive.by_name(name).map_err(|_| Error::WeightFile {
        tensor: None,
        problem: format!("a .keras file without `{name}`"),
    })?;
    // No entry holds more than the archive: a size field claiming more is
    // not trusted for an allocation.
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(entry, bytes.len() as u64),
        &mut out,
    )
    .map_err(|e| Error::WeightFile {
        tensor: None,
        problem: format!("a damaged .keras file: {e}"),
    })?;
    Ok(out)
}

/// `load_keras_weights` for a model type that is [`Weighted`].
macro_rules! keras_weights_methods {
    () => {
        /// Sets every weight from a file Keras 3 wrote with
        /// `model.save_weights("m.weights.h5")` or `model.save("m.keras")`,
        /// or a legacy `.h5` (Keras 2's `model.save("m.h5")` or
        /// `save_weights("w.h5")`), for a model of the same architecture.
        /// In Keras 3's files each layer is matched to Keras's entry for it
        /// by class and position, as Keras keys them (the layers' names do
        /// not matter); in a legacy `.h5` by the layer's name (corten's
        /// automatic names are Keras's; `.named(…)` gives another) and each
        /// weight by its name. Weights are checked by count and shape. An error naming
        /// the layer — and nothing changed — when a layer or a weight is
        /// missing or extra, a shape differs (a transposed kernel), a value
        /// is NaN or infinite, or the file is not one Keras writes.
        pub fn load_keras_weights(
            &mut self,
            path: impl AsRef<std::path::Path>,
        ) -> Result<(), Error> {
            let bytes = crate::model::weight_file::read(path.as_ref())?;
            self.load_keras_weights_from_bytes(&bytes)
        }

        /// [`load_keras_weights`](Self::load_keras_weights) from the bytes of a file.
        pub fn load_keras_weights_from_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
            let weights = crate::keras::weights_h5(bytes)?;
            crate::keras::load_weights_h5(self, &weights)
        }
    };
}
pub(crate) use keras_weights_methods;

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn class_names_snake_case_as_keras_does() {
        for (class, key) in [
            ("Dense", "dense"),
            ("Conv2D", "conv2d"),
            ("Conv2DTranspose", "conv2d_transpose"),
            ("DepthwiseConv2D", "depthwise_conv2d"),
            ("SimpleRNN", "simple_rnn"),
            ("LSTM", "lstm"),
            ("GRU", "gru"),
            ("BatchNormalization", "batch_normalization"),
            ("TimeDistributed", "time_distributed"),
            ("GlobalAveragePooling2D", "global_average_pooling2d"),
            ("MaxPooling1D", "max_pooling1d"),
        ] {
            assert_eq!(snake_case(class), key);
        }
    }
}
