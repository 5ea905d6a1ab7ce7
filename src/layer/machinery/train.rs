//! What the training pass keeps between the forward and the backward pass,
//! and how a layer shows its weights to an optimizer.

use crate::activation::Activation;
use crate::Element;
use alloc::vec::Vec;

/// What one layer keeps from its training forward pass for its backward pass.
/// A model owns one per layer and reuses them from batch to batch, so after
/// the first batch training allocates nothing here.
#[derive(Clone, Debug, Default)]
pub struct Tape<E> {
    /// The layer's output (the next layer's input).
    pub output: Vec<E>,
    /// The gradient of the loss with respect to that output.
    pub output_grad: Vec<E>,
    /// What the layer saves for its backward pass (pre-activations, a
    /// dropout mask, batch statistics).
    pub cache: Vec<E>,
    /// Working space.
    pub scratch: Vec<E>,
}

/// The buffers of one backward step through a layer.
#[derive(Debug)]
pub struct Backprop<'a, E> {
    /// The layer's input in the forward pass.
    pub x: &'a [E],
    /// The layer's output in the forward pass.
    pub y: &'a [E],
    /// The gradient of the loss with respect to `y`; the layer may overwrite
    /// it (an activation turns it into the gradient before the activation).
    pub dy: &'a mut [E],
    /// Where the gradient with respect to `x` goes, when the layer before
    /// needs it (`None` for the model's first layer).
    pub dx: Option<&'a mut [E]>,
    /// Samples in the batch.
    pub batch: usize,
    /// Timesteps of each input sample when they are known only at run time
    /// (`Input<Dyn, F>`), else 1.
    pub steps: usize,
}

impl<'a, E> Backprop<'a, E> {
    /// The same pass over `batch · steps` rows of one step each: how a
    /// layer that works step by step sees sequences of run-time length.
    pub fn as_rows(self) -> Self {
        Backprop {
            batch: self.batch * self.steps,
            steps: 1,
            ..self
        }
    }
}

/// One weight tensor of a layer, as an optimizer sees it.
#[derive(Debug)]
pub struct Weight<'a, E> {
    /// Keras's name for it (`kernel`, `bias`, `gamma`, `moving_mean`, …).
    pub name: &'static str,
    /// Its shape in Keras's layout (`(inputs, units)` for a Dense kernel).
    pub shape: crate::shape::Sizes,
    /// The values, or `None` when the layer's storage is read-only (weights
    /// borrowed from `&'static` data).
    pub values: Option<&'a mut [E]>,
    /// Whether training updates it by gradient (a batch norm's moving
    /// statistics are updated by the forward pass instead).
    pub trainable: bool,
}

impl<'a, E: Element> Weight<'a, E> {
    /// A trainable weight of this shape with these `values` (`None` when
    /// they are read-only).
    pub fn trainable(
        name: &'static str,
        shape: crate::shape::Sizes,
        values: Option<&'a mut [E]>,
    ) -> Self {
        Weight {
            name,
            shape,
            values,
            trainable: true,
        }
    }
}

/// The training forward pass of a layer `y = activation(z)`: `pre` computes
/// `z` (given working space of `scratch_len` elements) into the tape's cache,
/// where the backward pass finds it ([`activation_backward`]).
pub(crate) fn forward_keeping_z<E: Element, A: Activation>(
    tape: &mut Tape<E>,
    y: &mut [E],
    scratch_len: usize,
    (activation, width): (&A, usize),
    pre: impl FnOnce(&mut [E], &mut [E]),
) {
    tape.cache.resize(y.len(), E::ZERO);
    tape.scratch.resize(scratch_len, E::ZERO);
    pre(&mut tape.cache, &mut tape.scratch);
    activate(activation, &tape.cache, y, width);
}

/// For a product written tap by tap (`z[zi] += x[xi] · kernel[ki]`), the
/// tap that adds its share of the gradients given `dz`: of the kernel into
/// `d_kernel`, and of `x` into `dx` when asked (both zeroed here first).
pub(crate) fn tap_gradients<'a, E: Element>(
    (x, dz, kernel): (&'a [E], &'a [E], &'a [E]),
    d_kernel: &'a mut [E],
    mut dx: Option<&'a mut [E]>,
) -> impl FnMut(usize, usize, usize) + 'a {
    d_kernel.fill(E::ZERO);
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(E::ZERO);
    }
    move |xi, ki, zi| {
        d_kernel[ki] += x[xi] * dz[zi];
        if let Some(dx) = dx.as_deref_mut() {
            dx[xi] += kernel[ki] * dz[zi];
        }
    }
}

/// `y = activation(z)` over rows of `width` values (the last axis).
fn activate<E: Element, A: Activation>(activation: &A, z: &[E], y: &mut [E], width: usize) {
    y.copy_from_slice(z);
    crate::layer::activate_in_place(activation, y, width);
}

/// Turns `dy` into the gradient before the activation, row by row, given the
/// pre-activations `z` and the outputs `y`.
pub(crate) fn activation_backward<E: Element, A: Activation>(
    activation: &A,
    z: &[E],
    y: &[E],
    dy: &mut [E],
    width: usize,
) {
    if width == 0 {
        return;
    }
    for ((dy, z), y) in dy
        .chunks_exact_mut(width)
        .zip(z.chunks_exact(width))
        .zip(y.chunks_exact(width))
    {
        activation.backward(z, y, dy);
    }
}

/// The backward pass of a layer that only reinterprets its input's shape.
pub(crate) fn pass_through<E: Element>(pass: Backprop<'_, E>) {
    if let Some(dx) = pass.dx {
        dx.copy_from_slice(pass.dy);
    }
}

/// Sets `out` to `Σ_rows dz[row]`, the gradient of a bias added to each row.
pub(crate) fn sum_rows<E: Element>(dz: &[E], out: &mut [E]) {
    out.fill(E::ZERO);
    if out.is_empty() {
        return;
    }
    for row in dz.chunks_exact(out.len()) {
        for (o, &d) in out.iter_mut().zip(row) {
            *o += d;
        }
    }
}

/// The backward pass of a second branch that read the same input as a first
/// (a residual block's shortcut, a bidirectional layer's backward copy):
/// its input's gradient into `spare` (reused), added to `dx` when asked.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_adding<E: Element, L: crate::layer::Layer<E>>(
    layer: &L,
    (x, y, dy): (&[E], &[E], &mut [E]),
    dx: Option<&mut [E]>,
    (batch, steps): (usize, usize),
    spare: &mut alloc::vec::Vec<E>,
    tape: &mut [Tape<E>],
    grads: &mut [E],
) {
    spare.resize(x.len(), E::ZERO);
    let pass = Backprop {
        x,
        y,
        dy,
        dx: dx.is_some().then_some(&mut spare[..]),
        batch,
        steps,
    };
    layer.backward(pass, tape, grads);
    if let Some(dx) = dx {
        crate::element::add_into(dx, spare);
    }
}

/// A finite-difference check of a layer's backward pass, in f64.
#[cfg(test)]
pub(crate) mod check {
    use super::*;
    use crate::layer::Layer;
    use crate::shape::StaticShape;
    use alloc::vec;
    use rand::Rng;

    /// `spec` built for inputs of shape `In` in f64, with seeded weights.
    pub(crate) fn build<In: crate::shape::Features, S: crate::layer::BuildLayer<In, f64>>(
        spec: S,
    ) -> S::Layer {
        spec.build(&mut crate::layer::BuildContext::new(3))
    }

    fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = crate::random::Rng::seed_from(seed);
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// `L = Σ r·y` for a fixed random `r`, after a training forward pass
    /// with a freshly seeded generator (so dropout draws the same mask).
    fn loss<L: Layer<f64> + Clone>(layer: &L, x: &[f64], r: &[f64], batch: (usize, usize)) -> f64 {
        let mut layer = layer.clone();
        let mut tape = vec![Tape::default(); L::DEPTH.max(1)];
        let mut y = vec![0.0; r.len()];
        let mut rng = crate::random::Rng::seed_from(99);
        layer.forward_train_steps(x, &mut y, batch, &mut tape, &mut rng);
        y.iter().zip(r).map(|(y, r)| y * r).sum()
    }

    /// Checks the gradients a layer's backward pass gives for its input and
    /// for each trainable weight against central differences of the loss
    /// `Σ r·y` over a random batch (`input` overrides the random input, for
    /// layers whose input must be ids; the input gradient is then not
    /// checked).
    pub(crate) fn gradients<L: Layer<f64> + Clone>(
        layer: &L,
        batch: usize,
        input: Option<Vec<f64>>,
    ) {
        gradients_over_steps(layer, (batch, 1), input)
    }

    /// [`gradients`] over `batch` sequences of `steps` run-time timesteps.
    pub(crate) fn gradients_over_steps<L: Layer<f64> + Clone>(
        layer: &L,
        (batch, steps): (usize, usize),
        input: Option<Vec<f64>>,
    ) {
        let out_steps = layer.output_steps(steps).expect("the steps fit the layer");
        let n_in = batch * steps * <L::Input as StaticShape>::NUMEL;
        let n_out = batch * out_steps * <L::Output as StaticShape>::NUMEL;
        let batch_steps = (batch, steps);
        let check_x = input.is_none();
        let stride = <L::Input as crate::shape::Features>::MASK_STRIDE;
        let is_mask = |i: usize| stride > 0 && i % stride == stride - 1;
        let x = input.unwrap_or_else(|| {
            // A masked sequence's mask: every third step masked.
            let mut x = random(n_in, 1);
            for (i, v) in x.iter_mut().enumerate().filter(|&(i, _)| is_mask(i)) {
                *v = if (i / stride) % 3 == 1 { 0.0 } else { 1.0 };
            }
            x
        });
        let r = random(n_out, 2);

        let mut trained = layer.clone();
        let mut tape = vec![Tape::default(); L::DEPTH.max(1)];
        let mut y = vec![0.0; n_out];
        let mut rng = crate::random::Rng::seed_from(99);
        trained.forward_train_steps(&x, &mut y, batch_steps, &mut tape, &mut rng);
        let mut dy = r.clone();
        let mut dx = vec![0.0; n_in];
        let trainable = layer.param_count() - layer.non_trainable_count();
        let mut grads = vec![f64::NAN; trainable];
        trained.backward(
            Backprop {
                x: &x,
                y: &y,
                dy: &mut dy,
                dx: check_x.then_some(&mut dx[..]),
                batch,
                steps,
            },
            &mut tape,
            &mut grads,
        );

        let h = 1e-6;
        // Every analytic gradient is computed; under miri (each numeric one
        // costs two forward passes, minutes in all; miri is there for the
        // memory safety of the passes, the numbers are checked natively)
        // about 2 per tensor, at its two ends, are compared.
        let probed = |len: usize| (0..len).step_by(if cfg!(miri) { (len - 1).max(1) } else { 1 });
        let close = |analytic: f64, numeric: f64, what: &str| {
            assert!(
                (analytic - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                "{what}: analytic {analytic} vs numeric {numeric}"
            );
        };
        if check_x {
            // (The mask is not differentiable: its gradient is 0.)
            for i in (0..n_in).filter(|&i| is_mask(i)) {
                assert_eq!(dx[i], 0.0, "d mask[{i}]");
            }
            for i in probed(n_in).filter(|&i| !is_mask(i)) {
                let mut xp = x.clone();
                xp[i] += h;
                let mut xm = x.clone();
                xm[i] -= h;
                let numeric = (loss(layer, &xp, &r, batch_steps)
                    - loss(layer, &xm, &r, batch_steps))
                    / (2.0 * h);
                close(dx[i], numeric, &alloc::format!("d input[{i}]"));
            }
        }
        let mut offset = 0;
        let mut probe = layer.clone();
        let mut shapes = Vec::new();
        probe.visit_weights(&mut |w| {
            if w.trainable {
                shapes.push((w.name, w.values.map_or(0, |v| v.len())));
            }
        });
        for (weight_count, (name, len)) in shapes.into_iter().enumerate() {
            for j in probed(len) {
                let shifted = |shift: f64| {
                    let mut l = layer.clone();
                    let mut k = 0;
                    l.visit_weights(&mut |w| {
                        if w.trainable {
                            if k == weight_count {
                                w.values.expect("writable")[j] += shift;
                            }
                            k += 1;
                        }
                    });
                    loss(&l, &x, &r, batch_steps)
                };
                let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
                close(grads[offset + j], numeric, &alloc::format!("d {name}[{j}]"));
            }
            offset += len;
        }
        assert_eq!(
            offset, trainable,
            "the trainable weights add up to the count"
        );
    }
}
