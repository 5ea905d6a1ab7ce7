//! What a layer says about itself: its Keras names and weights
//! ([`LayerKind`]), the shapes of those weights for an input shape
//! ([`WeightShapes`]), and its math ([`LayerOp`]).

#[cfg(feature = "std")]
use super::train::{Backprop, Tape};
use super::weights::Weights;
use crate::error::Error;
use crate::init::Initializer;
use crate::shape::{Features, Sizes};
use crate::Element;

/// One weight tensor of a layer kind, as Keras names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightInfo {
    /// Keras's name for it (`kernel`, `bias`, `gamma`, `moving_mean`).
    pub name: &'static str,
    /// How errors name it: the layer kind and the weight (`Dense kernel`).
    pub what: &'static str,
    /// Whether training updates it by gradient (a batch norm's moving
    /// statistics are updated by the forward pass instead).
    pub trainable: bool,
}

impl WeightInfo {
    /// A weight training updates by gradient.
    pub const fn trainable(name: &'static str, what: &'static str) -> Self {
        WeightInfo {
            name,
            what,
            trainable: true,
        }
    }

    /// A weight the forward pass updates (moving statistics).
    pub const fn moving(name: &'static str, what: &'static str) -> Self {
        WeightInfo {
            name,
            what,
            trainable: false,
        }
    }
}

/// A kind of layer, as its spec (`Dense<5, Relu>`) describes it: Keras's
/// names for it and its weights, and its configuration (activation,
/// initializers). Every layer is a `LayerKind` plus a [`LayerOp`]; the rest —
/// weight storage, checks, names, summary rows, the spec → built step — is
/// [`Built`](super::Built), written once.
pub trait LayerKind: Clone + core::fmt::Debug {
    /// Keras's class name (`Dense`), shown in summaries and errors.
    const KERAS_NAME: &'static str;
    /// Keras's base for layer names (`dense`, then `dense_1`, …).
    const BASE_NAME: &'static str;
    /// The weight tensors, in Keras's order (`get_weights()`).
    const WEIGHTS: &'static [WeightInfo] = &[];
    /// The storage a spec draws its weights into when a model is built:
    /// `()` for layers without weights, [`Drawn<E>`](super::Drawn) for the
    /// others (which needs `std`).
    type Fresh<E: Element>;

    /// The weight tensors this spec has, in Keras's order:
    /// [`WEIGHTS`](Self::WEIGHTS), or the first of them for a spec
    /// configured without some (a recurrent layer without its bias,
    /// Keras's `use_bias=False`).
    fn weights(&self) -> &'static [WeightInfo] {
        Self::WEIGHTS
    }

    /// How weight `index` is drawn when a model builds the spec (Keras's
    /// `kernel_initializer`, …). By default: zeros.
    fn initializer(&self, _index: usize) -> Initializer {
        Initializer::Zeros
    }

    /// Adjusts weight `index` after its initializer drew it when a model
    /// builds the spec (an LSTM's `unit_forget_bias` sets its forget-gate
    /// bias to 1). By default: nothing.
    fn adjust_initial<E: Element>(&self, _index: usize, _values: &mut [E]) {}

    /// Rules the weights follow beyond their shapes and finiteness, checked
    /// where weights come in (a batch norm's variance is at least 0).
    fn check_weights<E: Element, W: Weights<E>>(&self, _weights: &W) -> Result<(), Error> {
        Ok(())
    }
}

/// The shapes of a layer's weights for inputs of shape `In`. `In` may leave
/// axes the weights do not depend on open ([`FromInput`](super::FromInput)),
/// so that a layer given its weights knows their shapes before it knows its
/// input's height and width.
pub trait WeightShapes<In>: LayerKind {
    /// The shape of weight `index` (in [`LayerKind::WEIGHTS`]'s order).
    fn weight_shape(index: usize) -> Sizes;
}

/// A layer's math over inputs of shape `In`: its output shape (type-level,
/// so a layer that cannot take `In` does not compile), its forward pass and,
/// with `std`, its training passes. The weights come in as
/// [`Weights`], in [`LayerKind::WEIGHTS`]'s order, with the shapes
/// [`WeightShapes`] gives (checked where they came in).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` cannot take inputs of shape `{In}`",
    label = "this layer does not fit the output of the layer before it"
)]
pub trait LayerOp<In: Features, E: Element>: WeightShapes<In> {
    /// The shape of one output sample.
    type Output: Features;
    /// Scratch elements the forward pass needs per sample.
    const SCRATCH_PER_SAMPLE: usize = 0;

    /// Computes `y` for the `batch` samples in `x` (lengths as
    /// [`Layer::forward_slices`](crate::layer::Layer::forward_slices) says).
    fn forward<W: Weights<E>>(&self, w: &W, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]);

    /// Checks a batch before the forward pass sees it, for layers whose input
    /// has rules beyond its shape (an Embedding's ids).
    fn check_input(&self, _x: &[E]) -> Result<(), Error> {
        Ok(())
    }

    /// The output's timesteps for inputs of `steps` run-time timesteps
    /// ([`Layer::output_steps`](crate::layer::Layer::output_steps)). By
    /// default: `steps` when the output has run-time steps, else 1.
    fn output_steps(&self, steps: usize) -> Result<usize, Error> {
        Ok(match <Self::Output as Features>::DYN_STEPS {
            true => steps,
            false => 1,
        })
    }

    /// [`forward`](Self::forward) over `batch` sequences of `steps`
    /// run-time timesteps. By default: `batch · steps` rows, each on its own,
    /// as a layer that works step by step sees them; a layer that works
    /// across steps (a recurrent layer, Conv1D, pooling) overrides this,
    /// [`forward_train_steps`](Self::forward_train_steps) and
    /// [`backward_steps`](Self::backward_steps) together.
    fn forward_steps<W: Weights<E>>(
        &self,
        w: &W,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        scratch: &mut [E],
    ) {
        self.forward(w, x, y, batch * steps, scratch);
    }

    /// [`forward_train`](Self::forward_train) over `batch` sequences of
    /// `steps` run-time timesteps. By default: `batch · steps` rows.
    #[cfg(feature = "std")]
    fn forward_train_steps<W: Weights<E>>(
        &self,
        w: &mut W,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        tape: &mut Tape<E>,
        rng: &mut crate::random::Rng,
    ) {
        self.forward_train(w, x, y, batch * steps, tape, rng);
    }

    /// [`backward`](Self::backward) for a pass whose input has
    /// `pass.steps` run-time timesteps. By default: `batch · steps` rows.
    #[cfg(feature = "std")]
    fn backward_steps<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    ) {
        self.backward(w, pass.as_rows(), tape, grads);
    }

    /// The forward pass in training mode, keeping in `tape` what
    /// [`LayerOp::backward`] needs. By default: the inference pass.
    #[cfg(feature = "std")]
    fn forward_train<W: Weights<E>>(
        &self,
        w: &mut W,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut Tape<E>,
        _rng: &mut crate::random::Rng,
    ) {
        tape.scratch
            .resize(batch * Self::SCRATCH_PER_SAMPLE, E::ZERO);
        self.forward(w, x, y, batch, &mut tape.scratch);
    }

    /// The backward pass after [`LayerOp::forward_train`] on the same
    /// `tape`: the input gradient into `pass.dx` (when asked), and the
    /// gradients of the trainable weights into `grads`, one after the other
    /// in [`LayerKind::WEIGHTS`]'s order (overwritten, not added to).
    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        w: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        grads: &mut [E],
    );
}

/// A layer kind whose weights are a kernel and a bias, in that order (Dense
/// and the convolutions): its built layers have [`Built::kernel`] and
/// [`Built::bias`](super::Built::bias).
///
/// [`Built::kernel`]: super::Built::kernel
pub trait KernelAndBias: LayerKind {}

/// A layer kind without weights (pooling, reshaping, dropout): its Keras
/// names are all the machinery needs; [`LayerKind`] and [`WeightShapes`]
/// follow.
pub trait Stateless: Clone + core::fmt::Debug {
    /// Keras's class name (`Flatten`).
    const KERAS_NAME: &'static str;
    /// Keras's base for layer names (`flatten`).
    const BASE_NAME: &'static str;
}

impl<K: Stateless> LayerKind for K {
    const KERAS_NAME: &'static str = <K as Stateless>::KERAS_NAME;
    const BASE_NAME: &'static str = <K as Stateless>::BASE_NAME;
    type Fresh<E: Element> = ();
}

impl<K: Stateless, In> WeightShapes<In> for K {
    fn weight_shape(_index: usize) -> Sizes {
        Sizes::of([0])
    }
}

/// In a [`LayerOp`] impl over inputs `$in` for a layer that works across
/// steps (it overrides [`LayerOp::forward_steps`] and
/// [`LayerOp::backward_steps`]): `forward` and `backward` as those passes
/// over the steps the type gives (1 run-time step for a `Dyn` axis), and,
/// after `stateless`, a training forward pass that is the inference pass
/// (a layer that keeps nothing for its backward pass).
macro_rules! passes_over_steps {
    (stateless $in:ty) => {
        $crate::layer::machinery::passes_over_steps!($in);

        #[cfg(feature = "std")]
        fn forward_train_steps<W: $crate::layer::machinery::Weights<E>>(
            &self,
            w: &mut W,
            x: &[E],
            y: &mut [E],
            batch_steps: (usize, usize),
            _: &mut $crate::layer::Tape<E>,
            _: &mut $crate::random::Rng,
        ) {
            $crate::layer::machinery::LayerOp::<$in, E>::forward_steps(
                self,
                w,
                x,
                y,
                batch_steps,
                &mut [],
            );
        }
    };
    ($in:ty) => {
        fn forward<W: $crate::layer::machinery::Weights<E>>(
            &self,
            w: &W,
            x: &[E],
            y: &mut [E],
            batch: usize,
            scratch: &mut [E],
        ) {
            $crate::layer::machinery::LayerOp::<$in, E>::forward_steps(
                self,
                w,
                x,
                y,
                (batch, 1),
                scratch,
            );
        }

        #[cfg(feature = "std")]
        fn backward<W: $crate::layer::machinery::Weights<E>>(
            &self,
            w: &W,
            pass: $crate::layer::Backprop<'_, E>,
            tape: &mut $crate::layer::Tape<E>,
            grads: &mut [E],
        ) {
            $crate::layer::machinery::LayerOp::<$in, E>::backward_steps(self, w, pass, tape, grads);
        }
    };
}
pub(crate) use passes_over_steps;
