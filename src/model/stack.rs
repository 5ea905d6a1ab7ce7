//! A model's layers as a chain of types: `Stack<Stack<Empty<In>, L1>, L2>`.
//! A chain has no length limit, and each link checks that its layer takes the
//! previous link's output.

#[cfg(feature = "std")]
use crate::layer::{Backprop, Tape, Weight};
use crate::layer::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{Features, StaticShape};
use crate::Element;
use core::marker::PhantomData;

/// The start of a chain: the model's input, passed through unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Empty<F>(PhantomData<F>);

impl<F> Empty<F> {
    /// The start of a chain, in a `const`.
    pub const fn new() -> Self {
        Empty(PhantomData)
    }
}

impl<F: Features, E: Element> Layer<E> for Empty<F> {
    type Input = F;
    type Output = F;
    const IS_IDENTITY: bool = true;
    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(x);
    }
    fn param_count(&self) -> usize {
        0
    }
    fn visit_rows(&self, _row: &mut dyn FnMut(SummaryRow)) {}

    #[cfg(feature = "std")]
    const DEPTH: usize = 0;

    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        _batch: usize,
        _tape: &mut [Tape<E>],
        _rng: &mut crate::random::Rng,
    ) {
        y.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, _tape: &mut [Tape<E>], _grads: &mut [E]) {
        if let Some(dx) = pass.dx {
            dx.copy_from_slice(pass.dy);
        }
    }
}

/// The layers before (`P`) followed by one more layer `L`.
///
/// ```
/// use corten::model::Stack;
/// use corten::prelude::*;
/// // sequential! builds a chain of them: the last link is the last layer.
/// let model = sequential![Input<2>, Dense<3>, Dense<4>];
/// let Stack { last, .. } = model.layers();
/// assert_eq!(last.kernel().len(), 3 * 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stack<P, L> {
    /// The layers before.
    pub prev: P,
    /// The last layer.
    pub last: L,
}

/// The larger of two scratch sizes, in a `const`.
pub(crate) const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

impl<P, L, E> Layer<E> for Stack<P, L>
where
    E: Element,
    P: Layer<E>,
    L: Layer<E, Input = P::Output>,
{
    type Input = P::Input;
    type Output = L::Output;
    /// Two buffers the intermediate outputs alternate between (see
    /// [`Layer::forward_alternating`]), and the largest scratch of a layer:
    /// the largest pair of adjacent activations at most, not one buffer per
    /// layer.
    const SCRATCH_PER_SAMPLE: usize = if P::IS_IDENTITY {
        L::SCRATCH_PER_SAMPLE
    } else {
        P::ALTERNATING[0] + P::ALTERNATING[1] + Self::WORK_PER_SAMPLE
    };
    /// The output in `out`, the layers before's in `other`, theirs before
    /// in `out` again, and so on.
    const ALTERNATING: [usize; 2] = if P::IS_IDENTITY {
        [<L::Output as StaticShape>::NUMEL, 0]
    } else {
        [
            max(<L::Output as StaticShape>::NUMEL, P::ALTERNATING[1]),
            P::ALTERNATING[0],
        ]
    };
    const WORK_PER_SAMPLE: usize = if P::IS_IDENTITY {
        L::SCRATCH_PER_SAMPLE
    } else {
        max(P::WORK_PER_SAMPLE, L::SCRATCH_PER_SAMPLE)
    };

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.forward_steps(x, y, batch, 1, scratch);
    }

    fn output_steps(&self, steps: usize) -> Result<usize, crate::Error> {
        self.last.output_steps(self.prev.output_steps(steps)?)
    }

    /// The layers before into one buffer (their intermediate outputs
    /// alternating with a second), then the last layer from it into `y`;
    /// each link's steps from [`output_steps`](Layer::output_steps) (which
    /// the caller checked on the whole chain).
    fn forward_steps(&self, x: &[E], y: &mut [E], batch: usize, steps: usize, scratch: &mut [E]) {
        if P::IS_IDENTITY {
            return self.last.forward_steps(x, y, batch, steps, scratch);
        }
        let rows = batch * steps;
        let (out, rest) = scratch.split_at_mut(rows * P::ALTERNATING[0]);
        let (other, work) = rest.split_at_mut(rows * P::ALTERNATING[1]);
        self.prev
            .forward_alternating(x, out, other, batch, steps, work);
        let mid_steps = self.prev.output_steps(steps).unwrap_or(0);
        let mid = &out[..batch * mid_steps * <P::Output as StaticShape>::NUMEL];
        self.last.forward_steps(mid, y, batch, mid_steps, work);
    }

    fn forward_alternating(
        &self,
        x: &[E],
        out: &mut [E],
        other: &mut [E],
        batch: usize,
        steps: usize,
        work: &mut [E],
    ) {
        let out_steps = self.output_steps(steps).unwrap_or(0);
        let len = batch * out_steps * <L::Output as StaticShape>::NUMEL;
        if P::IS_IDENTITY {
            return self
                .last
                .forward_steps(x, &mut out[..len], batch, steps, work);
        }
        self.prev
            .forward_alternating(x, other, out, batch, steps, work);
        let mid_steps = self.prev.output_steps(steps).unwrap_or(0);
        let mid = &other[..batch * mid_steps * <P::Output as StaticShape>::NUMEL];
        self.last
            .forward_steps(mid, &mut out[..len], batch, mid_steps, work);
    }

    fn param_count(&self) -> usize {
        self.prev.param_count() + self.last.param_count()
    }

    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        if P::IS_IDENTITY {
            self.last.check_input(x)
        } else {
            self.prev.check_input(x)
        }
    }

    fn non_trainable_count(&self) -> usize {
        self.prev.non_trainable_count() + self.last.non_trainable_count()
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        self.prev.visit_rows(row);
        self.last.visit_rows(row);
    }

    #[cfg(feature = "std")]
    const DEPTH: usize = P::DEPTH + L::DEPTH;

    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.forward_train_steps(x, y, (batch, 1), tape, rng);
    }

    /// The layers in turn; each output but the last is kept in the tape
    /// entry of the layer that made it.
    #[cfg(feature = "std")]
    fn forward_train_steps(
        &mut self,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        let (before, after) = tape.split_at_mut(P::DEPTH);
        if P::IS_IDENTITY {
            return self
                .last
                .forward_train_steps(x, y, (batch, steps), after, rng);
        }
        let mid_steps = self.prev.output_steps(steps).unwrap_or(0);
        let made_mid = before.last_mut().expect("a non-identity layer has a tape");
        let mut mid = core::mem::take(&mut made_mid.output);
        mid.resize(
            batch * mid_steps * <P::Output as StaticShape>::NUMEL,
            E::ZERO,
        );
        self.prev
            .forward_train_steps(x, &mut mid, (batch, steps), before, rng);
        self.last
            .forward_train_steps(&mid, y, (batch, mid_steps), after, rng);
        before.last_mut().expect("checked above").output = mid;
    }

    /// The last layer first, then the layers before it on the gradient of
    /// their output; the trainable weights' gradients laid out in layer order.
    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]) {
        let (before, after) = tape.split_at_mut(P::DEPTH);
        let split = self.prev.param_count() - self.prev.non_trainable_count();
        let (grads_before, grads_after) = grads.split_at_mut(split);
        if P::IS_IDENTITY {
            return self.last.backward(pass, after, grads_after);
        }
        let mid_steps = self.prev.output_steps(pass.steps).unwrap_or(0);
        let made_mid = before.last_mut().expect("a non-identity layer has a tape");
        let mid = core::mem::take(&mut made_mid.output);
        if pass.dx.is_none() && split == 0 {
            // Nothing before this layer learns and no one asks for the input's
            // gradient: the gradient of the layers before is not needed.
            self.last.backward(
                Backprop {
                    x: &mid,
                    y: pass.y,
                    dy: pass.dy,
                    dx: None,
                    batch: pass.batch,
                    steps: mid_steps,
                },
                after,
                grads_after,
            );
            before.last_mut().expect("checked above").output = mid;
            return;
        }
        let mut dmid = core::mem::take(&mut made_mid.output_grad);
        dmid.resize(mid.len(), E::ZERO);
        self.last.backward(
            Backprop {
                x: &mid,
                y: pass.y,
                dy: pass.dy,
                dx: Some(&mut dmid),
                batch: pass.batch,
                steps: mid_steps,
            },
            after,
            grads_after,
        );
        self.prev.backward(
            Backprop {
                x: pass.x,
                y: &mid,
                dy: &mut dmid,
                dx: pass.dx,
                batch: pass.batch,
                steps: pass.steps,
            },
            before,
            grads_before,
        );
        let made_mid = before.last_mut().expect("checked above");
        made_mid.output = mid;
        made_mid.output_grad = dmid;
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.prev.visit_weights(visit);
        self.last.visit_weights(visit);
    }

    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.prev.visit_weight_values(visit);
        self.last.visit_weight_values(visit);
    }
}

/// The spec of a layer that passes its input through: a residual block's
/// shortcut when there is no projection.
///
/// ```
/// use corten::model::{Identity, Residual};
/// use corten::prelude::*;
/// // y = x + dense(x): the shortcut is the input itself.
/// let block = Residual::with_shortcut(sequential![Input<2>, Dense::<2>::from_weights([[1.0f32, 0.0], [0.0, 1.0]], [0.0; 2])], Identity);
/// let model = sequential![Input<2>, (block)];
/// assert_eq!(model.predict(&Tensor::from_array([[1.0f32, 2.0]]))?.as_slice(), &[2.0, 4.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity;

impl<In: Features, E: Element> BuildLayer<In, E> for Identity {
    type Layer = Empty<In>;
    fn build(self, _ctx: &mut BuildContext) -> Empty<In> {
        Empty::default()
    }
}

/// A tuple of layer specs is the spec of their chain, each built for the
/// output of the one before: a residual block's body, `(Conv2D::<16, 3,
/// Relu, Same>::default(), Conv2D::<16, 3>::default())`.
impl<In, E, A, B> BuildLayer<In, E> for (A, B)
where
    In: Features,
    E: Element,
    A: BuildLayer<In, E>,
    B: BuildLayer<<A::Layer as Layer<E>>::Output, E>,
{
    type Layer = Stack<Stack<Empty<In>, A::Layer>, B::Layer>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let prev = Stack {
            prev: Empty::default(),
            last: self.0.build(ctx),
        };
        Stack {
            prev,
            last: self.1.build(ctx),
        }
    }
}

/// A chain of three or more specs: the chain of all but the last, then
/// the last.
macro_rules! chain_spec {
    ($($first:ident $i:tt),+; $last:ident $l:tt) => {
        impl<In, E, $($first,)+ $last> BuildLayer<In, E> for ($($first,)+ $last)
        where
            In: Features,
            E: Element,
            ($($first,)+): BuildLayer<In, E>,
            $last: BuildLayer<<<($($first,)+) as BuildLayer<In, E>>::Layer as Layer<E>>::Output, E>,
        {
            type Layer = Stack<<($($first,)+) as BuildLayer<In, E>>::Layer, $last::Layer>;
            fn build(self, ctx: &mut BuildContext) -> Self::Layer {
                let prev = ($(self.$i,)+).build(ctx);
                Stack {
                    prev,
                    last: self.$l.build(ctx),
                }
            }
        }
    };
}

chain_spec!(A 0, B 1; C 2);
chain_spec!(A 0, B 1, C 2; D 3);
chain_spec!(A 0, B 1, C 2, D 3; F 4);
chain_spec!(A 0, B 1, C 2, D 3, F 4; G 5);

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::layer::train::check;
    use crate::prelude::*;

    /// Gradients through a whole chain of layers (each link passing the
    /// gradient of its input back) against finite differences.
    #[test]
    fn gradients_through_a_chain_match_finite_differences() {
        let model = crate::sequential![
            f64;
            Input<5, 5, 2>,
            Conv2D<3, 2, Tanh>,
            MaxPooling2D<2>,
            BatchNormalization,
            Flatten,
            Dense<4, Sigmoid>,
            Dense<3, Softmax>,
        ];
        check::gradients(model.layers(), 3, None);
    }

    /// The same through sequences of run-time length: every layer that
    /// works across steps (Conv1D, pooling, both directions of an LSTM, a
    /// GRU read backwards, a residual block, global pooling) given the
    /// steps by the chain.
    #[test]
    fn gradients_over_run_time_steps_match_finite_differences() {
        use crate::layer::{Bidirectional, Lstm, TimeDistributed};
        use crate::model::Residual;
        let model = crate::sequential![
            f64;
            Input<Dyn, 2>,
            Conv1D<3, 2, Tanh>,
            MaxPooling1D<2, Same>,
            (Bidirectional::new(Lstm::<2>::new().return_sequences())),
            (TimeDistributed::new(Dense::<3, Tanh>::new())),
            (Residual::new(Conv1D::<3, 3, Tanh, Same>::default())),
            Gru<2>.return_sequences().go_backwards(),
            GlobalAveragePooling1D,
        ];
        // (Under miri, which checks the passes' memory safety, one length.)
        let lengths: &[usize] = if cfg!(miri) { &[3] } else { &[2, 3, 8] };
        for &steps in lengths {
            check::gradients_over_steps(model.layers(), (2, steps), None);
        }
        let last = crate::sequential![f64; Input<Dyn, 3>, SimpleRnn<2>, Dense<2, Sigmoid>];
        check::gradients_over_steps(last.layers(), (3, 4), None);
    }
}
