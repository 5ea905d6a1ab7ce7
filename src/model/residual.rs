//! `Residual`: a block whose output is its body's output plus its input
//! (or plus a projection of it), as one layer — a skip connection inside
//! `sequential!`, with its scratch known to the compiler, so that it runs
//! `no_std` without an allocator.

use super::stack::{max, Identity};
use crate::element::add_into;
use crate::layer::merging::MergeShapes;
use crate::layer::{Add, BuildContext, BuildLayer, Layer, LayerName, SummaryRow};
#[cfg(feature = "std")]
use crate::layer::{Backprop, Tape, Weight};
use crate::shape::{Features, StaticShape};
use crate::Element;

/// `y = body(x) + shortcut(x)`: ResNet's block, Keras's
/// `layers.Add()([body(x), shortcut(x)])` written as one layer. The body
/// is a layer spec or a tuple of them (built in turn); the shortcut is the
/// input itself ([`Residual::new`]) or a projection of it
/// ([`Residual::with_shortcut`], e.g. a 1×1 `Conv2D` when the body changes
/// the channel count). Body and shortcut outputs of different shapes are a
/// compile error naming both. Its summary rows are the body's, the
/// shortcut's and an `add` row, as Keras lists them.
///
/// ```
/// use corten::model::Residual;
/// use corten::prelude::*;
/// let model = sequential![
///     Input<8, 8, 3>,
///     Conv2D<16, 3, Relu, Same>,
///     (Residual::new((Conv2D::<16, 3, Relu, Same>::default(), Conv2D::<16, 3, Linear, Same>::default()))),
///     (Residual::with_shortcut(Conv2D::<32, 3, Relu, Same>::default(), Conv2D::<32, 1>::default())),
///     GlobalAveragePooling2D,
///     Dense<10, Softmax>,
/// ];
/// assert_eq!(model.output_shape().to_string(), "(None, 10)");
/// assert!(model.summary().to_string().contains("add_1 (Add)"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Residual<Body, Shortcut = Identity> {
    body: Body,
    shortcut: Shortcut,
    name: Option<LayerName>,
}

impl<Body> Residual<Body> {
    /// `body(x) + x`.
    pub fn new(body: Body) -> Self {
        Residual {
            body,
            shortcut: Identity,
            name: None,
        }
    }
}

impl<Body, Shortcut> Residual<Body, Shortcut> {
    /// `body(x) + shortcut(x)`.
    pub fn with_shortcut(body: Body, shortcut: Shortcut) -> Self {
        Residual {
            body,
            shortcut,
            name: None,
        }
    }

    /// The body (built: its layers).
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The shortcut (built: its layers; `Empty` for the input itself).
    pub fn shortcut(&self) -> &Shortcut {
        &self.shortcut
    }
}

impl<In, E, B, S> BuildLayer<In, E> for Residual<B, S>
where
    In: Features,
    E: Element,
    B: BuildLayer<In, E>,
    S: BuildLayer<In, E>,
    Add: MergeShapes<(
        <B::Layer as Layer<E>>::Output,
        <S::Layer as Layer<E>>::Output,
    )>,
    S::Layer: Layer<E, Output = <B::Layer as Layer<E>>::Output>,
{
    type Layer = Residual<B::Layer, S::Layer>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        // A name given to the block is its `Add`'s.
        let given = ctx.take_given_name();
        let body = self.body.build(ctx);
        let shortcut = self.shortcut.build(ctx);
        let name = match given {
            Some(base) => LayerName { base, index: 0 },
            None => ctx.name("add"),
        };
        Residual {
            body,
            shortcut,
            name: Some(name),
        }
    }
}

impl<E, B, S> Layer<E> for Residual<B, S>
where
    E: Element,
    B: Layer<E>,
    S: Layer<E, Input = B::Input, Output = B::Output>,
{
    type Input = B::Input;
    type Output = B::Output;
    const SCRATCH_PER_SAMPLE: usize = if S::IS_IDENTITY {
        B::SCRATCH_PER_SAMPLE
    } else {
        <B::Output as StaticShape>::NUMEL + max(B::SCRATCH_PER_SAMPLE, S::SCRATCH_PER_SAMPLE)
    };

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.forward_steps(x, y, batch, 1, scratch);
    }

    /// Both branches must keep the steps of sequences of run-time length
    /// (their sum needs them): an error for a body that changes them.
    fn output_steps(&self, steps: usize) -> Result<usize, crate::Error> {
        for got in [
            self.body.output_steps(steps)?,
            self.shortcut.output_steps(steps)?,
        ] {
            if got != steps {
                return Err(crate::Error::StepsMismatch {
                    expected: steps,
                    got,
                });
            }
        }
        Ok(steps)
    }

    fn forward_steps(&self, x: &[E], y: &mut [E], batch: usize, steps: usize, scratch: &mut [E]) {
        if S::IS_IDENTITY {
            self.body.forward_steps(x, y, batch, steps, scratch);
            return add_into(y, x);
        }
        let n = batch * steps * <B::Output as StaticShape>::NUMEL;
        let (projected, rest) = scratch.split_at_mut(n);
        self.body.forward_steps(x, y, batch, steps, rest);
        self.shortcut
            .forward_steps(x, projected, batch, steps, rest);
        add_into(y, projected);
    }

    fn param_count(&self) -> usize {
        self.body.param_count() + self.shortcut.param_count()
    }

    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        self.body.check_input(x)?;
        self.shortcut.check_input(x)
    }

    fn non_trainable_count(&self) -> usize {
        self.body.non_trainable_count() + self.shortcut.non_trainable_count()
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        self.body.visit_rows(row);
        self.shortcut.visit_rows(row);
        row(SummaryRow::new(
            self.name.unwrap_or(LayerName {
                base: "add",
                index: 0,
            }),
            "Add",
            <B::Output as Features>::keras_sizes(),
            0,
        ));
    }

    /// The body's tapes, the shortcut's, and two of the block's own (the
    /// last one's `output` and `output_grad` belong to the chain the block
    /// is in): the body's output and the shortcut's in their `cache`, the
    /// backward pass's working copies in their `scratch`.
    #[cfg(feature = "std")]
    const DEPTH: usize = B::DEPTH + S::DEPTH + 2;

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

    #[cfg(feature = "std")]
    fn forward_train_steps(
        &mut self,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        let (body_tape, rest) = tape.split_at_mut(B::DEPTH);
        let (shortcut_tape, own) = rest.split_at_mut(S::DEPTH);
        let [body_out, shortcut_out] = own else {
            unreachable!("DEPTH gives the block two tapes")
        };
        let n = batch * steps * <B::Output as StaticShape>::NUMEL;
        body_out.cache.resize(n, E::ZERO);
        self.body
            .forward_train_steps(x, &mut body_out.cache, (batch, steps), body_tape, rng);
        y.copy_from_slice(&body_out.cache);
        if S::IS_IDENTITY {
            return add_into(y, x);
        }
        shortcut_out.cache.resize(n, E::ZERO);
        self.shortcut.forward_train_steps(
            x,
            &mut shortcut_out.cache,
            (batch, steps),
            shortcut_tape,
            rng,
        );
        add_into(y, &shortcut_out.cache);
    }

    /// The gradient of `y` flows unchanged into both branches; the input's
    /// gradient is the sum of theirs.
    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]) {
        let (body_tape, rest) = tape.split_at_mut(B::DEPTH);
        let (shortcut_tape, own) = rest.split_at_mut(S::DEPTH);
        let [body_out, shortcut_out] = own else {
            unreachable!("DEPTH gives the block two tapes")
        };
        let split = self.body.param_count() - self.body.non_trainable_count();
        let (body_grads, shortcut_grads) = grads.split_at_mut(split);
        let Backprop {
            x,
            y: _,
            dy,
            mut dx,
            batch,
            steps,
        } = pass;
        // The body may overwrite the gradient it is given: it gets a copy.
        body_out.scratch.clear();
        body_out.scratch.extend_from_slice(dy);
        self.body.backward(
            Backprop {
                x,
                y: &body_out.cache,
                dy: &mut body_out.scratch,
                dx: dx.as_deref_mut(),
                batch,
                steps,
            },
            body_tape,
            body_grads,
        );
        if S::IS_IDENTITY {
            if let Some(dx) = dx {
                add_into(dx, dy);
            }
            return;
        }
        crate::layer::machinery::train::backward_adding(
            &self.shortcut,
            (x, &shortcut_out.cache, dy),
            dx,
            (batch, steps),
            &mut shortcut_out.scratch,
            shortcut_tape,
            shortcut_grads,
        );
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.body.visit_weights(visit);
        self.shortcut.visit_weights(visit);
    }

    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.body.visit_weight_values(visit);
        self.shortcut.visit_weight_values(visit);
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::prelude::*;

    #[test]
    fn identity_shortcut_adds_the_input() {
        let block = Residual::new(Dense::<3>::from_weights(
            [[1.0f32, 0.0, 2.0]; 3],
            [0.0, 1.0, 0.0],
        ));
        let model = crate::sequential![Input<3>, (block)];
        let y = model
            .predict(&Tensor::from_array([[1.0f32, 2.0, 3.0]]))
            .unwrap();
        // body: [6, 1, 12]; plus the input.
        assert_eq!(y.as_slice(), &[7.0, 3.0, 15.0]);
    }

    #[test]
    #[cfg(not(miri))]
    fn gradients_match_finite_differences() {
        let model = crate::sequential![
            f64;
            Input<4, 4, 2>,
            (Residual::new((Conv2D::<2, 3, Tanh, Same>::default(), BatchNormalization::default()))),
            (Residual::with_shortcut(Conv2D::<3, 3, Sigmoid, Same>::default(), Conv2D::<3, 1>::default())),
            Flatten,
            Dense<2, Tanh>,
        ];
        check::gradients(model.layers(), 2, None);
    }

    /// The same paths (identity and projection shortcuts, batch norm in
    /// training mode) on Dense layers: the convolutional check takes many
    /// minutes under miri.
    #[test]
    fn gradients_of_dense_blocks_match_finite_differences() {
        let model = crate::sequential![
            f64;
            Input<3>,
            (Residual::new((Dense::<3, Tanh>::default(), BatchNormalization::default()))),
            (Residual::with_shortcut(Dense::<2, Sigmoid>::default(), Dense::<2>::default())),
            Dense<2, Tanh>,
        ];
        check::gradients(model.layers(), 3, None);
    }
}
