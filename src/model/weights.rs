//! A model's weights in Keras's `get_weights()` order, for any model that
//! shows its layers' rows and weights ([`Weighted`]): a `Sequential`'s
//! chain of layers, a functional model's nodes.

use crate::error::Error;
use crate::layer::{LayerName, SummaryRow, Weight};
use crate::Element;
use alloc::vec::Vec;

/// A model's layers as the weight functions see them.
pub(crate) trait Weighted<E: Element> {
    /// Each layer's summary row, in weight order.
    fn rows(&self, row: &mut dyn FnMut(SummaryRow));
    /// Each weight, in Keras's order.
    fn weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>));
}

/// Every weight (trainable or not), in order.
pub(crate) fn get<E: Element>(model: &mut impl Weighted<E>) -> Vec<Vec<E>> {
    let mut out = Vec::new();
    model.weights(&mut |w: Weight<'_, E>| {
        out.push(w.values.map(|v| v.to_vec()).unwrap_or_default())
    });
    out
}

/// Sets every weight from `weights`, in [`get`]'s order; an error (and
/// nothing changed) when a count or a length differs, or a value is NaN or
/// infinite (or a variance below zero), naming the layer and the weight.
pub(crate) fn set<E: Element>(
    model: &mut impl Weighted<E>,
    weights: &[Vec<E>],
) -> Result<(), Error> {
    let current = get(model);
    if current.len() != weights.len() {
        return Err(Error::LengthMismatch {
            what: "set_weights: weight tensors",
            shape: crate::shape::Sizes::of([current.len()]),
            expected: current.len(),
            got: weights.len(),
        });
    }
    check_writable(model)?;
    let owners = owners(model);
    for ((c, w), &(layer, name)) in current.iter().zip(weights).zip(&owners) {
        crate::error::check_length("set_weights: weight", [c.len()], w.len())?;
        crate::error::check_finite_weight(Some(layer), name, w)?;
        if name == "moving_variance" {
            crate::layer::check_variance(Some(layer), name, w)?;
        }
    }
    let mut given = weights.iter();
    model.weights(&mut |w: Weight<'_, E>| {
        let source = given.next().expect("counts checked");
        if let Some(v) = w.values {
            v.copy_from_slice(source);
        }
    });
    Ok(())
}

/// The layer each weight belongs to, and the weight's name, in [`get`]'s
/// order: each layer's weights are the next ones whose sizes add up to its
/// parameter count (every weight is writable: [`check_writable`] passed).
pub(crate) fn owners<E: Element>(model: &mut impl Weighted<E>) -> Vec<(LayerName, &'static str)> {
    let mut layers = Vec::new();
    model.rows(&mut |row| {
        if row.params > 0 {
            layers.push((row.name, row.params));
        }
    });
    let mut owners = Vec::new();
    let (mut layer, mut used) = (0, 0);
    model.weights(&mut |w: Weight<'_, E>| {
        let len = w.values.as_ref().map_or(0, |v| v.len());
        let name = layers.get(layer).map_or(
            LayerName {
                base: "?",
                index: 0,
            },
            |l| l.0,
        );
        owners.push((name, w.name));
        used += len;
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
