//! Per-feature scale and shift along the last axis, shared by
//! `BatchNormalization` and `LayerNormalization`.

use crate::Element;

/// Keras's default `epsilon` for both normalizations.
pub const KERAS_EPSILON: f64 = 1e-3;

/// `y = (x − mean) · scale + shift` for each feature, given per-feature
/// `scale` and `shift` (already folded with gamma, beta and the variance).
pub(crate) fn affine<E: Element>(
    x: &[E],
    y: &mut [E],
    scale: impl Fn(usize) -> E,
    shift: impl Fn(usize) -> E,
    features: usize,
) {
    for (yr, xr) in y
        .chunks_exact_mut(features.max(1))
        .zip(x.chunks_exact(features.max(1)))
    {
        for (i, (o, &v)) in yr.iter_mut().zip(xr).enumerate() {
            *o = v * scale(i) + shift(i);
        }
    }
}
