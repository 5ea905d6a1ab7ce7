//! `GRU`: gates `z, r, h` (in Keras's order), `h' = z∘h + (1 − z)∘h̃`, with
//! the reset gate applied after the recurrent product (`reset_after`,
//! Keras's default) or before it.

use super::recurrent::{
    add_rec_grad, add_rec_grad_masked, recurrent_layer, times_rec, times_rec_masked, times_rec_t,
    times_rec_t_masked, Backward, CellMath, Forward,
};
use super::{LastOutput, Options, Returns, Sequences};
use crate::activation::{Activation, Sigmoid, Tanh};
use crate::layer::DenseElement;
use core::marker::PhantomData;

/// Where a GRU applies its reset gate.
pub trait ResetGate: Copy + Default + core::fmt::Debug + Send + Sync + 'static {
    /// Whether after the recurrent product (Keras's `reset_after=True`:
    /// `h̃ = act(x·Wh + bx + r∘(h·Uh + bh))`, bias `(2, 3·units)`) or before
    /// it (`reset_after=False`: `h̃ = act(x·Wh + (r∘h)·Uh + b)`, bias
    /// `(3·units,)`).
    const AFTER: bool;
}

/// `reset_after=True`, Keras's default (and cuDNN's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResetAfter;

/// `reset_after=False`, Keras 2's original GRU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResetBefore;

impl ResetGate for ResetAfter {
    const AFTER: bool = true;
}

impl ResetGate for ResetBefore {
    const AFTER: bool = false;
}

/// The GRU spec: `Gru<UNITS, Activation, RecurrentActivation>` (Keras's
/// `GRU`: tanh and sigmoid by default, `reset_after=True`) over sequences
/// `(steps, features)`, returning the last step's output — or every step's
/// after [`return_sequences`](Gru::return_sequences).
///
/// ```
/// use corten::prelude::*;
/// let after = sequential![Input<20, 3>, Gru<8>];
/// // kernel (3, 24), recurrent_kernel (8, 24), bias (2, 24).
/// assert_eq!(after.param_count(), 3 * 24 + 8 * 24 + 2 * 24);
/// let before = sequential![Input<20, 3>, Gru<8>.reset_before()];
/// assert_eq!(before.param_count(), 3 * 24 + 8 * 24 + 24);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gru<
    const UNITS: usize,
    A: Activation = Tanh,
    RA: Activation = Sigmoid,
    R: Returns = LastOutput,
    G: ResetGate = ResetAfter,
> {
    activation: A,
    recurrent_activation: RA,
    options: Options,
    types: PhantomData<(R, G)>,
}

impl<const UNITS: usize, A: Activation, RA: Activation, R: Returns, G: ResetGate> Default
    for Gru<UNITS, A, RA, R, G>
{
    fn default() -> Self {
        Gru {
            activation: A::default(),
            recurrent_activation: RA::default(),
            options: Options::default(),
            types: PhantomData,
        }
    }
}

impl<const UNITS: usize, A: Activation, RA: Activation, R: Returns, G: ResetGate>
    Gru<UNITS, A, RA, R, G>
{
    fn retyped<R2: Returns, G2: ResetGate>(self) -> Gru<UNITS, A, RA, R2, G2> {
        Gru {
            activation: self.activation,
            recurrent_activation: self.recurrent_activation,
            options: self.options,
            types: PhantomData,
        }
    }

    /// Every step's output, `(None, steps, units)` (Keras's
    /// `return_sequences=True`).
    pub fn return_sequences(self) -> Gru<UNITS, A, RA, Sequences, G> {
        self.retyped()
    }

    /// The reset gate applied before the recurrent product (Keras's
    /// `reset_after=False`; bias `(3·units,)`).
    pub fn reset_before(self) -> Gru<UNITS, A, RA, R, ResetBefore> {
        self.retyped()
    }
}

/// Offsets (in units) of what a GRU step keeps per sample: the update and
/// reset pre-activations and gates, the recurrent input of `h̃` (`h·Uh +
/// bh` after, `r∘h` before), `h̃`'s pre-activation and `h̃`.
const Z_PRE: usize = 0;
const R_PRE: usize = 1;
const Z_GATE: usize = 2;
const R_GATE: usize = 3;
const HH_IN: usize = 4;
const HH_PRE: usize = 5;
const HH: usize = 6;
const CACHE: usize = 7;

impl<const UNITS: usize, A: Activation, RA: Activation, R: Returns, G: ResetGate> CellMath
    for Gru<UNITS, A, RA, R, G>
{
    const GATES: usize = 3;
    const STATES: usize = 1;
    const CACHE: usize = CACHE;
    const WORK: usize = 4;
    const RECURRENT_BIAS: bool = G::AFTER;

    fn options(&self) -> &Options {
        &self.options
    }

    fn forward_step<E: DenseElement>(&self, mut s: Forward<'_, E>) {
        let (u, d) = (s.d.units, s.d);
        let width = 3 * u;
        let (zh, rh) = s.work.split_at_mut(d.batch * width);
        // The recurrent product: all three parts after; z and r before.
        let n = if G::AFTER { width } else { 2 * u };
        times_rec_masked(
            d,
            (s.prev, u),
            s.rec,
            (0, n, width),
            zh,
            width,
            &mut s.masks,
        );
        // h̃'s recurrent input reads h through its gate's mask.
        let h_mask = s.masks.mask(2, d);
        let ra = &self.recurrent_activation;
        let mut cache = s.cache;
        for b in 0..d.batch {
            let zx = &s.zx[b * width..(b + 1) * width];
            let zh = &mut zh[b * width..(b + 1) * width];
            if G::AFTER {
                for (v, &bias) in zh.iter_mut().zip(s.rec_bias) {
                    *v += bias;
                }
            }
            for j in 0..u {
                let (z_pre, r_pre) = (zx[j] + zh[j], zx[u + j] + zh[u + j]);
                let (z, r) = (ra.scalar(z_pre), ra.scalar(r_pre));
                zh[j] = z;
                zh[u + j] = r;
                let m = h_mask.map_or(E::ONE, |m| m[b * u + j]);
                rh[b * u + j] = r * s.prev[b * u + j] * m;
                if let Some(cache) = cache.as_deref_mut() {
                    let row = &mut cache[b * CACHE * u..(b + 1) * CACHE * u];
                    row[Z_PRE * u + j] = z_pre;
                    row[R_PRE * u + j] = r_pre;
                    row[Z_GATE * u + j] = z;
                    row[R_GATE * u + j] = r;
                    row[HH_IN * u + j] = if G::AFTER {
                        zh[2 * u + j]
                    } else {
                        rh[b * u + j]
                    };
                }
            }
        }
        if !G::AFTER {
            // (r∘h)·Uh into the third part.
            times_rec(
                d,
                rh,
                u,
                s.rec,
                (2 * u, u, width),
                &mut zh[2 * u..],
                width,
                false,
            );
        }
        for b in 0..d.batch {
            let zx = &s.zx[b * width..(b + 1) * width];
            let zh = &zh[b * width..(b + 1) * width];
            for j in 0..u {
                let (z, r) = (zh[j], zh[u + j]);
                let hh_pre = match G::AFTER {
                    true => zx[2 * u + j] + r * zh[2 * u + j],
                    false => zx[2 * u + j] + zh[2 * u + j],
                };
                let hh = self.activation.scalar(hh_pre);
                let h = s.prev[b * u + j];
                s.next[b * u + j] = z * h + (E::ONE - z) * hh;
                if let Some(cache) = cache.as_deref_mut() {
                    let row = &mut cache[b * CACHE * u..(b + 1) * CACHE * u];
                    row[HH_PRE * u + j] = hh_pre;
                    row[HH * u + j] = hh;
                }
            }
        }
    }

    fn backward_step<E: DenseElement>(&self, mut s: Backward<'_, E>) {
        let (u, d) = (s.d.units, s.d);
        let width = 3 * u;
        let h_mask = s.masks.mask(2, d);
        let ra = &self.recurrent_activation;
        // The gradient of the recurrent product's output (all three parts
        // after; z, r and, for before, that of r∘h in the third).
        let (dzh, _) = s.work.split_at_mut(d.batch * width);
        for b in 0..d.batch {
            let row = &s.cache[b * CACHE * u..(b + 1) * CACHE * u];
            let dzx = &mut s.dzx[b * width..(b + 1) * width];
            let dzh = &mut dzh[b * width..(b + 1) * width];
            for j in 0..u {
                let at = |q: usize| row[q * u + j];
                let n = b * u + j;
                let (z, r, hh) = (at(Z_GATE), at(R_GATE), at(HH));
                let dh = s.d_next[n];
                let d_hh_pre = dh * (E::ONE - z) * self.activation.derivative(at(HH_PRE), hh);
                let d_z = dh * (s.prev[n] - hh) * ra.derivative(at(Z_PRE), z);
                s.d_prev[n] = dh * z;
                dzx[j] = d_z;
                dzx[2 * u + j] = d_hh_pre;
                dzh[j] = d_z;
                if G::AFTER {
                    // h̃_pre = x·Wh + bx + r∘(h·Uh + bh).
                    dzx[u + j] = d_hh_pre * at(HH_IN) * ra.derivative(at(R_PRE), r);
                    dzh[u + j] = dzx[u + j];
                    dzh[2 * u + j] = d_hh_pre * r;
                }
            }
        }
        if !G::AFTER {
            // h̃_pre = x·Wh + (r∘h)·Uh + b: d(r∘h) = d_hh_pre · Uhᵀ.
            let drh = &mut s.d_next[..d.batch * u];
            times_rec_t(
                d,
                (&s.dzx[2 * u..], width),
                s.rec,
                (2 * u, u, width),
                drh,
                false,
            );
            for b in 0..d.batch {
                let row = &s.cache[b * CACHE * u..(b + 1) * CACHE * u];
                for j in 0..u {
                    let n = b * u + j;
                    let r = row[R_GATE * u + j];
                    let m = h_mask.map_or(E::ONE, |m| m[n]);
                    let d_r = drh[n] * s.prev[n] * m * ra.derivative(row[R_PRE * u + j], r);
                    s.dzx[b * width + u + j] = d_r;
                    dzh[b * width + u + j] = d_r;
                    s.d_prev[n] += drh[n] * r * m;
                }
            }
            // Uh's gradient: (r∘h)ᵀ · d_hh_pre.
            let rh = &s.cache[HH_IN * u..];
            add_rec_grad(
                d,
                (rh, CACHE * u),
                (&s.dzx[2 * u..], width),
                (2 * u, u, width),
                s.d_rec,
            );
        }
        let n = if G::AFTER { width } else { 2 * u };
        add_rec_grad_masked(
            d,
            (s.prev, u),
            (dzh, width),
            (0, n, width),
            s.d_rec,
            &mut s.masks,
        );
        if G::AFTER {
            for row in dzh.chunks_exact(width) {
                for (g, &v) in s.d_rec_bias.iter_mut().zip(row) {
                    *g += v;
                }
            }
        }
        times_rec_t_masked(
            d,
            (dzh, width),
            s.rec,
            (0, n, width),
            s.d_prev,
            true,
            &mut s.masks,
        );
    }
}

recurrent_layer!("GRU", "gru", UNITS, R, states(h), [const UNITS: usize, A: Activation, RA: Activation, R: Returns, G: ResetGate] Gru<UNITS, A, RA, R, G>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_through_time_match_finite_differences() {
        type Seq = (N<3>, N<2>);
        check::gradients(&check::build::<Seq, _>(Gru::<2>::new()), 2, None);
        check::gradients(
            &check::build::<Seq, _>(Gru::<2>::new().reset_before()),
            2,
            None,
        );
        let sequences = Gru::<2>::new().return_sequences().go_backwards();
        check::gradients(&check::build::<Seq, _>(sequences), 2, None);
        let sequences = Gru::<2>::new().reset_before().return_sequences();
        check::gradients(&check::build::<Seq, _>(sequences), 2, None);
        check::gradients(
            &check::build::<Seq, _>(Gru::<2>::new().dropout(0.4)),
            2,
            None,
        );
        let both = Gru::<3>::new().dropout(0.3).recurrent_dropout(0.4);
        check::gradients(&check::build::<Seq, _>(both), 2, None);
        let before = Gru::<3>::new()
            .reset_before()
            .dropout(0.3)
            .recurrent_dropout(0.4);
        check::gradients(&check::build::<Seq, _>(before), 2, None);
    }
}
