//! `SimpleRNN`: `h' = activation(x·W + h·U + b)`.

use super::recurrent::{
    add_rec_grad_masked, recurrent_layer, times_rec_masked, times_rec_t_masked, Backward, CellMath,
    Forward,
};
use super::{LastOutput, Options, Returns, Sequences};
use crate::activation::{Activation, Tanh};
use crate::layer::DenseElement;
use core::marker::PhantomData;

/// The SimpleRNN spec: `SimpleRnn<UNITS, Activation>` (Keras's `SimpleRNN`,
/// activation tanh by default) over sequences `(steps, features)`, returning
/// the last step's output — or every step's after
/// [`return_sequences`](SimpleRnn::return_sequences).
///
/// ```
/// use corten::prelude::*;
/// let model = sequential![Input<10, 3>, SimpleRnn<8>.return_sequences(), SimpleRnn<4, Relu>];
/// assert_eq!(model.output_shape().to_string(), "(None, 4)");
/// // kernel (3, 8), recurrent_kernel (8, 8), bias (8); then (8, 4), (4, 4), (4).
/// assert_eq!(model.param_count(), 3 * 8 + 8 * 8 + 8 + 8 * 4 + 4 * 4 + 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimpleRnn<const UNITS: usize, A: Activation = Tanh, R: Returns = LastOutput> {
    activation: A,
    options: Options,
    returns: PhantomData<R>,
}

impl<const UNITS: usize, A: Activation, R: Returns> Default for SimpleRnn<UNITS, A, R> {
    fn default() -> Self {
        SimpleRnn {
            activation: A::default(),
            options: Options::default(),
            returns: PhantomData,
        }
    }
}

impl<const UNITS: usize, A: Activation, R: Returns> SimpleRnn<UNITS, A, R> {
    /// The spec with a configured activation.
    pub fn with_activation(activation: A) -> Self {
        SimpleRnn {
            activation,
            ..Self::default()
        }
    }

    /// Every step's output, `(None, steps, units)` (Keras's
    /// `return_sequences=True`).
    pub fn return_sequences(self) -> SimpleRnn<UNITS, A, Sequences> {
        SimpleRnn {
            activation: self.activation,
            options: self.options,
            returns: PhantomData,
        }
    }
}

impl<const UNITS: usize, A: Activation, R: Returns> CellMath for SimpleRnn<UNITS, A, R> {
    const GATES: usize = 1;
    const STATES: usize = 1;
    /// The pre-activation `z`.
    const CACHE: usize = 1;
    const WORK: usize = 0;

    fn options(&self) -> &Options {
        &self.options
    }

    fn forward_step<E: DenseElement>(&self, mut s: Forward<'_, E>) {
        let (u, d) = (s.d.units, s.d);
        times_rec_masked(d, (s.prev, u), s.rec, (0, u, u), s.next, u, &mut s.masks);
        for (z, &zx) in s.next.iter_mut().zip(s.zx) {
            *z += zx;
        }
        if let Some(cache) = s.cache {
            cache.copy_from_slice(s.next);
        }
        for h in s.next.iter_mut() {
            *h = self.activation.scalar(*h);
        }
    }

    fn backward_step<E: DenseElement>(&self, mut s: Backward<'_, E>) {
        let (u, d) = (s.d.units, s.d);
        for (((dz, &dh), &z), &h) in s.dzx.iter_mut().zip(&*s.d_next).zip(s.cache).zip(s.next) {
            *dz = dh * self.activation.derivative(z, h);
        }
        add_rec_grad_masked(d, (s.prev, u), (s.dzx, u), (0, u, u), s.d_rec, &mut s.masks);
        times_rec_t_masked(
            d,
            (s.dzx, u),
            s.rec,
            (0, u, u),
            s.d_prev,
            false,
            &mut s.masks,
        );
    }
}

recurrent_layer!("SimpleRNN", "simple_rnn", UNITS, R, states(h), [const UNITS: usize, A: Activation, R: Returns] SimpleRnn<UNITS, A, R>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::Relu;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_through_time_match_finite_differences() {
        type Seq = (N<4>, N<3>);
        check::gradients(&check::build::<Seq, _>(SimpleRnn::<3>::new()), 2, None);
        let backwards = SimpleRnn::<3>::new().return_sequences().go_backwards();
        check::gradients(&check::build::<Seq, _>(backwards), 2, None);
        check::gradients(
            &check::build::<Seq, _>(SimpleRnn::<2, Relu>::new().return_sequences()),
            2,
            None,
        );
        let dropped = SimpleRnn::<3>::new().return_sequences().dropout(0.5);
        check::gradients(&check::build::<Seq, _>(dropped), 2, None);
        let both = SimpleRnn::<3>::new().dropout(0.3).recurrent_dropout(0.4);
        check::gradients(&check::build::<Seq, _>(both), 2, None);
    }

    /// In training, a dropped feature has no effect on the output; in
    /// inference nothing is dropped.
    #[test]
    fn dropout_drops_whole_features_in_training_only() {
        use crate::layer::{Layer, Tape};
        type Seq = (N<4>, N<3>);
        let mut layer = check::build::<Seq, _>(SimpleRnn::<2>::new().dropout(0.999_999));
        let x = [0.5f64; 12];
        let run = |layer: &mut _, x: &[f64]| {
            let mut y = [0.0; 2];
            let mut tape = alloc::vec![Tape::default(); 1];
            let mut rng = crate::random::Rng::seed_from(1);
            Layer::forward_train(layer, x, &mut y, 1, &mut tape, &mut rng);
            y
        };
        // Every feature dropped: the output is that of a zero input.
        assert_eq!(run(&mut layer, &x), run(&mut layer, &[0.0; 12]));
        let mut inference = [0.0; 2];
        layer.forward_slices(&x, &mut inference, 1, &mut [0.0; 64]);
        assert_ne!(inference, run(&mut layer, &[0.0; 12]));
    }
}
