//! A model's weights in Keras's `get_weights()` order, for any model that
//! shows its layers' rows and weights ([`Weighted`]): a `Sequential`'s
//! chain of layers, a functional model's nodes.

use crate::error::Error;
use crate::layer::{LayerName, SummaryRow, Weight};
use crate::shape::Sizes;
use crate::Element;
use alloc::vec::Vec;

/// A model's layers as the weight functions see them.
pub(crate) trait Weighted<E: Element> {
    /// Each layer's summary row, in weight order.
    fn rows(&self, row: &mut dyn FnMut(SummaryRow));
    /// Each weight's name, shape and values, in Keras's order, read-only.
    fn weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E]));
    /// Each weight, in Keras's order.
    fn weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>));
}

/// Every weight (trainable or not), in order.
pub(crate) fn get<E: Element>(model: &impl Weighted<E>) -> Vec<Vec<E>> {
    let mut out = Vec::new();
    model.weight_values(&mut |_, _, values| out.push(values.to_vec()));
    out
}

/// A weight tensor as `set_weights` takes it: its values, row-major, and
/// its shape where it has one. A value given with a shape — `(Sizes,
/// Vec<E>)`, as Keras's `get_weights()` arrays carry theirs — must have the
/// layer's shape, so a transposed kernel is an error; a flat one (a `Vec`,
/// a slice, an array) only the layer's number of values.
///
/// ```
/// use corten::prelude::*;
/// use corten::shape::Sizes;
/// let mut model = sequential![Input<2>, Dense<3>];
/// assert_eq!(model.weight_shapes()[0], &[2, 3]);
/// let transposed = (Sizes::new(&[3, 2])?, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let bias = (Sizes::new(&[3])?, vec![0.0; 3]);
/// let err = model.set_weights(&[transposed, bias.clone()]).unwrap_err();
/// assert_eq!(err.to_string(), "weight `dense/kernel`: the layer's shape is (2, 3) (6 values), the one given (3, 2) (6 values)");
/// let kernel = (Sizes::new(&[2, 3])?, vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
/// model.set_weights(&[kernel, bias])?;
/// # Ok::<(), corten::Error>(())
/// ```
pub trait WeightValues<E: Element> {
    /// The values, row-major.
    fn values(&self) -> &[E];
    /// The shape, when the values have one (`None`: only their count is
    /// checked).
    fn shape(&self) -> Option<Sizes> {
        None
    }
}

impl<E: Element> WeightValues<E> for Vec<E> {
    fn values(&self) -> &[E] {
        self
    }
}

impl<E: Element> WeightValues<E> for &[E] {
    fn values(&self) -> &[E] {
        self
    }
}

impl<E: Element, const N: usize> WeightValues<E> for [E; N] {
    fn values(&self) -> &[E] {
        self
    }
}

impl<E: Element, V: WeightValues<E>> WeightValues<E> for (Sizes, V) {
    fn values(&self) -> &[E] {
        self.1.values()
    }
    fn shape(&self) -> Option<Sizes> {
        Some(self.0)
    }
}

/// Each weight's shape, in [`get`]'s order.
pub(crate) fn shapes<E: Element>(model: &impl Weighted<E>) -> Vec<Sizes> {
    let mut shapes = Vec::new();
    model.weight_values(&mut |_, shape, _| shapes.push(shape));
    shapes
}

/// Sets every weight from `weights`, in [`get`]'s order; an error (and
/// nothing changed) when a count, a shape or a length differs, or a value
/// is NaN or infinite (or a variance below zero), naming the layer and the
/// weight.
pub(crate) fn set<E: Element, W: WeightValues<E>>(
    model: &mut impl Weighted<E>,
    weights: &[W],
) -> Result<(), Error> {
    let shapes = shapes(model);
    if shapes.len() != weights.len() {
        return Err(Error::LengthMismatch {
            what: "set_weights: weight tensors",
            shape: Sizes::of([shapes.len()]),
            expected: shapes.len(),
            got: weights.len(),
        });
    }
    check_writable(model)?;
    let owners = owners(model);
    for ((shape, w), &(layer, name)) in shapes.iter().zip(weights).zip(&owners) {
        let values = w.values();
        let fits = match w.shape() {
            Some(given) => given.as_slice() == shape.as_slice(),
            None => values.len() == shape.numel(),
        };
        if !fits || values.len() != shape.numel() {
            return Err(Error::WeightShape {
                weight: alloc::format!("{layer}/{name}"),
                expected: *shape,
                got: w.shape().unwrap_or(Sizes::of([values.len()])),
            });
        }
        crate::error::check_finite_weight(Some(layer), name, values)?;
        if name == "moving_variance" {
            crate::layer::check_variance(Some(layer), name, values)?;
        }
    }
    let mut given = weights.iter();
    model.weights(&mut |w: Weight<'_, E>| {
        let source = given.next().expect("counts checked");
        if let Some(v) = w.values {
            v.copy_from_slice(source.values());
        }
    });
    Ok(())
}

/// The layer each weight belongs to, and the weight's name, in [`get`]'s
/// order: each layer's weights are the next ones whose sizes add up to its
/// parameter count.
pub(crate) fn owners<E: Element>(model: &impl Weighted<E>) -> Vec<(LayerName, &'static str)> {
    let mut layers = Vec::new();
    model.rows(&mut |row| {
        if row.params > 0 {
            layers.push((row.name, row.params));
        }
    });
    let mut owners = Vec::new();
    let (mut layer, mut used) = (0, 0);
    model.weight_values(&mut |name, _, values| {
        let owner = layers.get(layer).map_or(
            LayerName {
                base: "?",
                index: 0,
            },
            |l| l.0,
        );
        owners.push((owner, name));
        used += values.len();
        if layers.get(layer).is_some_and(|l| used >= l.1) {
            layer += 1;
            used = 0;
        }
    });
    owners
}

/// Checks that training can write every weight.
pub(crate) fn check_writable<E: Element>(model: &mut impl Weighted<E>) -> Result<(), Error> {
    let mut result = Ok(());
    model.weights(&mut |w: Weight<'_, E>| {
        if w.values.is_none() && result.is_ok() {
            result = Err(Error::ReadOnlyWeight { name: w.name });
        }
    });
    result
}
