//! `LSTM`: gates `i, f, c, o` (in Keras's order in the kernels), `c' = f∘c
//! + i∘g`, `h' = o∘activation(c')`.

use super::recurrent::{
    add_rec_grad_masked, recurrent_layer, times_rec_masked, times_rec_t_masked, Backward, CellMath,
    Forward,
};
use super::{LastOutput, Options, Returns, Sequences};
use crate::activation::{Activation, Sigmoid, Tanh};
use crate::layer::DenseElement;
use crate::Element;
use core::marker::PhantomData;

/// The LSTM spec: `Lstm<UNITS, Activation, RecurrentActivation>` (Keras's
/// `LSTM`: tanh and sigmoid by default, `unit_forget_bias`) over sequences
/// `(steps, features)`, returning the last step's output — or every step's
/// after [`return_sequences`](Lstm::return_sequences).
///
/// ```
/// use corten::prelude::*;
/// let model = sequential![Input<20, 3>, Lstm<16>.return_sequences(), Lstm<8>, Dense<1>];
/// assert_eq!(model.output_shape().to_string(), "(None, 1)");
/// assert_eq!(model.param_count(), 4 * (3 * 16 + 16 * 16 + 16) + 4 * (16 * 8 + 8 * 8 + 8) + 9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lstm<
    const UNITS: usize,
    A: Activation = Tanh,
    RA: Activation = Sigmoid,
    R: Returns = LastOutput,
> {
    activation: A,
    recurrent_activation: RA,
    options: Options,
    unit_forget_bias: bool,
    returns: PhantomData<R>,
}

impl<const UNITS: usize, A: Activation, RA: Activation, R: Returns> Default
    for Lstm<UNITS, A, RA, R>
{
    fn default() -> Self {
        Lstm {
            activation: A::default(),
            recurrent_activation: RA::default(),
            options: Options::default(),
            unit_forget_bias: true,
            returns: PhantomData,
        }
    }
}

impl<const UNITS: usize, A: Activation, RA: Activation, R: Returns> Lstm<UNITS, A, RA, R> {
    /// Every step's output, `(None, steps, units)` (Keras's
    /// `return_sequences=True`).
    pub fn return_sequences(self) -> Lstm<UNITS, A, RA, Sequences> {
        Lstm {
            activation: self.activation,
            recurrent_activation: self.recurrent_activation,
            options: self.options,
            unit_forget_bias: self.unit_forget_bias,
            returns: PhantomData,
        }
    }

    /// The forget-gate bias starts at the bias initializer's value rather
    /// than at 1 (Keras's `unit_forget_bias=False`).
    pub fn without_unit_forget_bias(mut self) -> Self {
        self.unit_forget_bias = false;
        self
    }
}

/// Offsets (in units) of the values an LSTM step keeps per sample: the
/// four pre-activations, the four gates, `activation(c')`.
const Z: usize = 0;
const GATE: usize = 4;
const ACTIVE_C: usize = 8;

impl<const UNITS: usize, A: Activation, RA: Activation, R: Returns> CellMath
    for Lstm<UNITS, A, RA, R>
{
    const GATES: usize = 4;
    const STATES: usize = 2;
    const CACHE: usize = 9;
    const WORK: usize = 4;

    fn options(&self) -> &Options {
        &self.options
    }

    fn adjust_initial<E: Element>(&self, index: usize, values: &mut [E]) {
        if index == 2 && self.unit_forget_bias {
            values[UNITS..2 * UNITS].fill(E::ONE);
        }
    }

    fn forward_step<E: DenseElement>(&self, mut s: Forward<'_, E>) {
        let (u, d) = (s.d.units, s.d);
        let width = 4 * u;
        let z_all = &mut s.work[..d.batch * width];
        let cols = (0, width, width);
        times_rec_masked(d, (s.prev, u), s.rec, cols, z_all, width, &mut s.masks);
        let c_prev = &s.prev[d.batch * u..];
        let (h_next, c_next) = s.next.split_at_mut(d.batch * u);
        let mut cache = s.cache;
        for b in 0..d.batch {
            // z = x·W + b + h·U, then the gates in place, block by block.
            let z = &mut z_all[b * width..(b + 1) * width];
            for (z, &zx) in z.iter_mut().zip(&s.zx[b * width..(b + 1) * width]) {
                *z += zx;
            }
            let mut row = cache
                .as_deref_mut()
                .map(|c| &mut c[b * 9 * u..(b + 1) * 9 * u]);
            if let Some(row) = row.as_deref_mut() {
                row[Z * u..GATE * u].copy_from_slice(z);
            }
            let (ifg, o) = z.split_at_mut(3 * u);
            let (i_f, g) = ifg.split_at_mut(2 * u);
            i_f.iter_mut()
                .chain(o.iter_mut())
                .for_each(|v| *v = self.recurrent_activation.scalar(*v));
            g.iter_mut().for_each(|v| *v = self.activation.scalar(*v));
            let (i, f) = i_f.split_at(u);
            let at = b * u..(b + 1) * u;
            let states = c_next[at.clone()].iter_mut().zip(&mut h_next[at.clone()]);
            let gates = i.iter().zip(f).zip(&*g).zip(&*o).zip(&c_prev[at]);
            let cell = |(((&i, &f), &g), &o): (((&E, &E), &E), &E), c_prev: E| {
                let c = f * c_prev + i * g;
                let ac = self.activation.scalar(c);
                (c, o * ac, ac)
            };
            match row {
                None => {
                    for ((c, h), (gate, &c_prev)) in states.zip(gates) {
                        (*c, *h, _) = cell(gate, c_prev);
                    }
                }
                Some(row) => {
                    let (kept, active_c) = row.split_at_mut(ACTIVE_C * u);
                    for (((c, h), (gate, &c_prev)), ac) in states.zip(gates).zip(active_c) {
                        (*c, *h, *ac) = cell(gate, c_prev);
                    }
                    kept[GATE * u..(GATE + 2) * u].copy_from_slice(i_f);
                    kept[(GATE + 2) * u..(GATE + 3) * u].copy_from_slice(g);
                    kept[(GATE + 3) * u..].copy_from_slice(o);
                }
            }
        }
    }

    fn backward_step<E: DenseElement>(&self, mut s: Backward<'_, E>) {
        let (u, d) = (s.d.units, s.d);
        let width = 4 * u;
        let (h_prev, c_prev) = s.prev.split_at(d.batch * u);
        let c_next = &s.next[d.batch * u..];
        let (dh_next, dc_next) = s.d_next.split_at(d.batch * u);
        let (dh_prev, dc_prev) = s.d_prev.split_at_mut(d.batch * u);
        let ra = &self.recurrent_activation;
        for b in 0..d.batch {
            let row = &s.cache[b * 9 * u..(b + 1) * 9 * u];
            let dz = &mut s.dzx[b * width..(b + 1) * width];
            for j in 0..u {
                let at = |q: usize| row[q * u + j];
                let (i, f, g, o, ac) = (
                    at(GATE),
                    at(GATE + 1),
                    at(GATE + 2),
                    at(GATE + 3),
                    at(ACTIVE_C),
                );
                let n = b * u + j;
                let dh = dh_next[n];
                let dc = dc_next[n] + dh * o * self.activation.derivative(c_next[n], ac);
                dc_prev[n] = dc * f;
                dz[j] = dc * g * ra.derivative(at(Z), i);
                dz[u + j] = dc * c_prev[n] * ra.derivative(at(Z + 1), f);
                dz[2 * u + j] = dc * i * self.activation.derivative(at(Z + 2), g);
                dz[3 * u + j] = dh * ac * ra.derivative(at(Z + 3), o);
            }
        }
        let cols = (0, width, width);
        add_rec_grad_masked(d, (h_prev, u), (s.dzx, width), cols, s.d_rec, &mut s.masks);
        times_rec_t_masked(d, (s.dzx, width), s.rec, cols, dh_prev, false, &mut s.masks);
    }
}

recurrent_layer!("LSTM", "lstm", UNITS, R, states(h, c), [const UNITS: usize, A: Activation, RA: Activation, R: Returns] Lstm<UNITS, A, RA, R>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::layer::{BuildContext, BuildLayer, Layer};
    use crate::Const as N;

    #[test]
    fn gradients_through_time_match_finite_differences() {
        type Seq = (N<3>, N<2>);
        check::gradients(&check::build::<Seq, _>(Lstm::<2>::new()), 2, None);
        let sequences = Lstm::<2>::new().return_sequences().go_backwards();
        check::gradients(&check::build::<Seq, _>(sequences), 2, None);
        check::gradients(
            &check::build::<Seq, _>(Lstm::<2>::new().dropout(0.4)),
            2,
            None,
        );
        // Recurrent dropout: a mask per gate, for the state and the input.
        let both = Lstm::<3>::new().dropout(0.3).recurrent_dropout(0.4);
        check::gradients(&check::build::<Seq, _>(both), 2, None);
        let recurrent = Lstm::<3>::new().return_sequences().recurrent_dropout(0.5);
        check::gradients(&check::build::<Seq, _>(recurrent), 2, None);
    }

    #[test]
    fn the_forget_gate_bias_starts_at_one() {
        let mut lstm = <Lstm<3> as BuildLayer<(N<2>, N<4>), f32>>::build(
            Lstm::new(),
            &mut BuildContext::new(0),
        );
        let mut bias = alloc::vec::Vec::new();
        lstm.visit_weights(&mut |w| {
            if w.name == "bias" {
                bias = w.values.unwrap().to_vec();
            }
        });
        assert_eq!(
            bias,
            [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
    }
}
