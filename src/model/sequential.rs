//! `Sequential`: a linear stack of layers, built one layer at a time.

use super::stack::{Empty, Stack};
use super::summary::Summary;
use crate::error::Error;
use crate::layer::{BuildContext, BuildLayer, Layer};
use crate::shape::{BatchOf, Features, KerasShape, OutputBatchOf};
#[cfg(feature = "alloc")]
use crate::shape::{Dim, Shape, StaticShape};
use crate::tensor::{Data, DataMut, Tensor};
use crate::Element;
use core::marker::PhantomData;

/// A linear stack of layers over samples of a static shape, with a batch axis
/// of any size. Usually written with [`sequential!`](crate::sequential).
///
/// ```
/// use corten::layer::Dense;
/// use corten::model::Sequential;
/// use corten::shape::Const;
/// let model = Sequential::<(Const<2>,)>::new()
///     .then(Dense::<5>::from_weights([[1.0f32, 2.0, 3.0, 4.0, 5.0]; 2], [0.0; 5]));
/// assert_eq!(model.output_shape().to_string(), "(None, 5)");
/// ```
pub struct Sequential<F, L = Empty<F>, E: Element = f32> {
    pub(super) layers: L,
    ctx: BuildContext,
    #[cfg(feature = "std")]
    pub(super) compiled: Option<alloc::boxed::Box<super::training::Compiled<E>>>,
    /// The timesteps of the samples `fit` or `evaluate` is running on, for
    /// a model over sequences of run-time length (else 1).
    #[cfg(feature = "std")]
    pub(super) fit_steps: usize,
    types: PhantomData<(F, E)>,
}

impl<F: Features> Sequential<F> {
    /// An empty `f32` model over samples of shape `F`; initial weights drawn
    /// from seed 0.
    pub fn new() -> Self {
        Self::with_seed(0)
    }
}

impl<F: Features> Default for Sequential<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Features, E: Element> Sequential<F, Empty<F>, E> {
    /// An empty model of element type `E` whose layers draw their initial
    /// weights from a generator seeded with `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self::from_parts(Empty::new(), BuildContext::new(seed))
    }
}

impl<F, L, E: Element> Sequential<F, L, E> {
    /// A model, not compiled, of `layers` built with `ctx` (by
    /// [`then`](Self::then), or by a [`Chain`](super::Chain) in a `const`).
    pub(super) const fn from_parts(layers: L, ctx: BuildContext) -> Self {
        Sequential {
            layers,
            ctx,
            #[cfg(feature = "std")]
            compiled: None,
            #[cfg(feature = "std")]
            fit_steps: 1,
            types: PhantomData,
        }
    }
}

impl<F, L, E> Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    /// Scratch elements [`predict_into`](Self::predict_into) needs for one
    /// sample, known to the compiler: a buffer for firmware,
    /// `[0.0; Model::SCRATCH]` (for a batch: [`scratch_len`](Self::scratch_len)).
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::model_type;
    /// type Mlp = model_type![Input<4>, Dense<8, Relu>, Dense<16, Relu>, Dense<3>];
    /// // Two buffers the activations alternate between: 16 + 8.
    /// assert_eq!(Mlp::SCRATCH, 24);
    /// let scratch = [0.0f32; Mlp::SCRATCH];
    /// # let _ = scratch;
    /// ```
    pub const SCRATCH: usize = L::SCRATCH_PER_SAMPLE;

    /// The model with one more layer, built for the current output shape. A
    /// layer that cannot take that shape is a compile error naming both.
    /// (The new model is not compiled.)
    pub fn then<S: BuildLayer<L::Output, E>>(
        mut self,
        spec: S,
    ) -> Sequential<F, Stack<L, S::Layer>, E> {
        let last = spec.build(&mut self.ctx);
        let layers = Stack {
            prev: self.layers,
            last,
        };
        Sequential::from_parts(layers, self.ctx)
    }

    /// The layers.
    pub fn layers(&self) -> &L {
        &self.layers
    }

    /// The input shape as Keras prints it: `(None, 2)`.
    pub fn input_shape(&self) -> KerasShape<F> {
        F::keras_shape()
    }

    /// The output shape as Keras prints it: `(None, 5)`.
    pub fn output_shape(&self) -> KerasShape<L::Output> {
        L::Output::keras_shape()
    }

    /// Total number of parameters.
    pub fn param_count(&self) -> usize {
        self.layers.param_count()
    }

    /// A Keras-style summary table; print it with `{}`.
    pub fn summary(&self) -> Summary<'_, L, E> {
        Summary {
            layers: &self.layers,
            element: PhantomData,
        }
    }

    /// Scratch elements [`Sequential::predict_into`] needs for `batch` samples.
    /// (For sequences of run-time length, `Input<Dyn, F>`, see
    /// [`scratch_len_for_steps`](Self::scratch_len_for_steps).)
    pub fn scratch_len(&self, batch: usize) -> usize {
        self.scratch_len_for_steps(batch, 1)
    }

    /// Scratch elements [`Sequential::predict_into`] needs for `batch`
    /// sequences of `steps` timesteps, in a model over sequences of
    /// run-time length (`Input<Dyn, F>`); `usize::MAX` when that overflows.
    ///
    /// ```
    /// use corten::prelude::*;
    /// let model = sequential![Input<Dyn, 3>, Lstm<4>];
    /// assert!(model.scratch_len_for_steps(2, 10) > model.scratch_len_for_steps(2, 5));
    /// ```
    pub fn scratch_len_for_steps(&self, batch: usize, steps: usize) -> usize {
        batch
            .checked_mul(steps)
            .and_then(|rows| rows.checked_mul(L::SCRATCH_PER_SAMPLE))
            .unwrap_or(usize::MAX)
    }

    /// The timesteps of a batch of shape `sizes` and of the model's output
    /// for it, when the input's steps are known only at run time; `(1, 1)`
    /// for any other model.
    pub(super) fn steps_for(&self, sizes: &[usize]) -> Result<(usize, usize), Error> {
        let steps = crate::shape::steps_of::<F>(sizes);
        if steps == 0 {
            return Err(Error::TooFewSteps {
                layer: "model input",
                steps,
                needs: 1,
            });
        }
        Ok((steps, self.layers.output_steps(steps)?))
    }

    /// Runs the model on a batch `x` into `y`, allocating nothing: the
    /// intermediate activations go to `scratch` (at least
    /// [`scratch_len`](Self::scratch_len) elements). The feature shapes are
    /// checked by the compiler; a batch of other size in `y`, a scratch
    /// buffer too small, or input [`predict`](Self::predict) rejects is an
    /// error, and so is an output that is NaN or infinite
    /// ([`Error::NonFiniteOutput`]: the input is finite, so a value
    /// overflowed inside the model; `y` holds what was computed).
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::{sequential, Tensor};
    /// let model = sequential![Input<2>, Dense<3>::from_weights([[1.0f32, 0.0, 2.0], [0.0, 1.0, 2.0]], [0.5; 3])];
    /// let x = Tensor::from_array([[1.0f32, 2.0]]);
    /// let mut y = Tensor::from_array([[0.0f32; 3]]);
    /// model.predict_into(&x, &mut y, &mut []).unwrap();
    /// assert_eq!(y.as_slice(), &[1.5, 2.5, 6.5]);
    /// ```
    pub fn predict_into<SX, DX, SY, DY>(
        &self,
        x: &Tensor<SX, E, DX>,
        y: &mut Tensor<SY, E, DY>,
        scratch: &mut [E],
    ) -> Result<(), Error>
    where
        SX: BatchOf<F>,
        DX: Data<E>,
        SY: OutputBatchOf<L::Output, <SX as BatchOf<F>>::Batch>,
        DY: DataMut<E>,
    {
        let batch = x.sizes()[0];
        let out_batch = y.sizes()[0];
        if out_batch != batch {
            return Err(Error::BatchMismatch {
                expected: batch,
                got: out_batch,
            });
        }
        let (steps, out_steps) = self.steps_for(&x.sizes())?;
        let got = crate::shape::steps_of::<L::Output>(&y.sizes());
        if <L::Output as Features>::DYN_STEPS && got != out_steps {
            return Err(Error::StepsMismatch {
                expected: out_steps,
                got,
            });
        }
        let needed = self.scratch_len_for_steps(batch, steps);
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                got: scratch.len(),
            });
        }
        self.check_input(x.as_slice())?;
        self.layers.forward_steps(
            x.as_slice(),
            y.as_mut_slice(),
            batch,
            steps,
            &mut scratch[..needed],
        );
        crate::error::check_output("predict", y.as_slice(), 0)
    }

    /// Rejects input the forward pass must not see: NaN or infinities, and
    /// whatever the first layer rules out (an Embedding's ids out of range).
    fn check_input(&self, x: &[E]) -> Result<(), Error> {
        if let Some(index) = crate::element::first_non_finite(x) {
            return Err(Error::NonFinite {
                what: "model input",
                index,
            });
        }
        self.layers.check_input(x)
    }

    /// Runs the model on samples of any count and returns the outputs, batch
    /// axis first (Keras's `model.predict`), in batches of 32 as Keras does,
    /// so the working memory stays that of one batch. Input holding NaN or
    /// an infinity, or ids an Embedding cannot look up, is an error, and so
    /// is an output that is NaN or infinite ([`Error::NonFiniteOutput`]: a
    /// value overflowed inside the model).
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::{sequential, Tensor};
    /// let model = sequential![Input<2>, Dense<1>::from_weights([[1.0f32], [10.0]], [0.0])];
    /// let y = model.predict(&Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]])).unwrap();
    /// assert_eq!(y.as_slice(), &[21.0, 43.0]);
    /// ```
    #[cfg(feature = "alloc")]
    #[allow(clippy::type_complexity)]
    pub fn predict<SX, DX>(
        &self,
        x: &Tensor<SX, E, DX>,
    ) -> Result<Tensor<<L::Output as Features>::Batched<<SX as BatchOf<F>>::Batch>, E>, Error>
    where
        SX: BatchOf<F>,
        DX: Data<E>,
    {
        self.predict_in_batches(x, 32)
    }

    /// [`predict`](Self::predict) in batches of `batch_size` samples (at
    /// least 1, else an error): larger batches run faster, smaller ones need
    /// less memory. The outputs do not depend on it.
    #[cfg(feature = "alloc")]
    #[allow(clippy::type_complexity)]
    pub fn predict_in_batches<SX, DX>(
        &self,
        x: &Tensor<SX, E, DX>,
        batch_size: usize,
    ) -> Result<Tensor<<L::Output as Features>::Batched<<SX as BatchOf<F>>::Batch>, E>, Error>
    where
        SX: BatchOf<F>,
        DX: Data<E>,
    {
        if batch_size == 0 {
            return Err(Error::InvalidOption {
                what: "batch_size",
                rule: "at least 1",
            });
        }
        self.check_input(x.as_slice())?;
        let (steps, out_steps) = self.steps_for(&x.sizes())?;
        let batch = x.shape().batch();
        let shape = L::Output::batched_steps(batch, out_steps);
        let step = batch_size;
        let scratch_len = |rows| self.scratch_len_for_steps(rows, steps);
        let (Some(len), Some(work)) = (
            shape.checked_numel(),
            Some(scratch_len(step.min(batch.size()))).filter(|&n| n != usize::MAX),
        ) else {
            return Err(Error::SizeOverflow {
                what: "predict",
                shape: shape.sizes(),
            });
        };
        let mut y = alloc::vec![E::ZERO; len];
        let mut scratch = alloc::vec![E::ZERO; work];
        let n_in = steps * <F as StaticShape>::NUMEL;
        let n_out = out_steps * <L::Output as StaticShape>::NUMEL;
        for start in (0..batch.size()).step_by(step) {
            let rows = step.min(batch.size() - start);
            self.layers.forward_steps(
                &x.as_slice()[start * n_in..(start + rows) * n_in],
                &mut y[start * n_out..(start + rows) * n_out],
                rows,
                steps,
                &mut scratch[..scratch_len(rows)],
            );
        }
        crate::error::check_output("predict", &y, 0)?;
        Ok(Tensor::from_parts_unchecked(shape, y))
    }
}

/// A model is a layer: a `Sequential` can be a node of a functional model
/// ([`Graph::add`](crate::model::Graph::add)) or a layer of another
/// `sequential!` (its layers keep the names its own build gave them).
impl<F, L, E> Layer<E> for Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    type Input = F;
    type Output = L::Output;
    const SCRATCH_PER_SAMPLE: usize = L::SCRATCH_PER_SAMPLE;
    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.layers.forward_slices(x, y, batch, scratch)
    }
    fn output_steps(&self, steps: usize) -> Result<usize, Error> {
        self.layers.output_steps(steps)
    }
    fn forward_steps(&self, x: &[E], y: &mut [E], batch: usize, steps: usize, scratch: &mut [E]) {
        self.layers.forward_steps(x, y, batch, steps, scratch)
    }
    fn param_count(&self) -> usize {
        self.layers.param_count()
    }
    fn check_input(&self, x: &[E]) -> Result<(), Error> {
        self.layers.check_input(x)
    }
    fn non_trainable_count(&self) -> usize {
        self.layers.non_trainable_count()
    }
    fn visit_rows(&self, row: &mut dyn FnMut(crate::layer::SummaryRow)) {
        self.layers.visit_rows(row)
    }
    #[cfg(feature = "std")]
    const DEPTH: usize = L::DEPTH;
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [crate::layer::Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.layers.forward_train(x, y, batch, tape, rng)
    }
    #[cfg(feature = "std")]
    fn forward_train_steps(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch_steps: (usize, usize),
        tape: &mut [crate::layer::Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.layers
            .forward_train_steps(x, y, batch_steps, tape, rng)
    }
    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: crate::layer::Backprop<'_, E>,
        tape: &mut [crate::layer::Tape<E>],
        grads: &mut [E],
    ) {
        self.layers.backward(pass, tape, grads)
    }
    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(crate::layer::Weight<'a, E>)) {
        self.layers.visit_weights(visit)
    }
    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.layers.visit_weight_values(visit)
    }
}

/// A built model fits the inputs it was built for, as it is.
impl<F, L, E> BuildLayer<F, E> for Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    type Layer = Self;
    fn build(self, _ctx: &mut BuildContext) -> Self {
        self
    }
}

impl<F, L, E> core::fmt::Debug for Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Sequential(input={}, output={}, params={})",
            F::keras_shape(),
            L::Output::keras_shape(),
            self.layers.param_count()
        )
    }
}

/// Builds a [`Sequential`] model from its input shape and its layers, Keras
/// style: each layer names only its output size, and the compiler checks that
/// it fits the layer before.
///
/// The first item is `Input<dims...>`. Each later item is a layer type
/// (`Dense<5, Relu>`, with Keras's initial weights), a constructor call
/// (`Dense::<5>::from_weights(w, b)`; also `Dense<5>::from_weights(w, b)`,
/// which rustfmt rewrites as a comparison, so the turbofish form is the one
/// to write in formatted code), or any expression in parentheses.
/// There is no limit on the number of layers. The element type is `f32`
/// unless it is written first: `sequential![f64; Input<2>, ...]`.
///
/// Layer and activation names resolve where the macro is called, like any
/// Rust path: `use corten::prelude::*` brings in corten's, and a name of the
/// caller's own (`type Linear = Tanh;`, a layer of its own) is never replaced.
///
/// ```
/// use corten::prelude::*;
/// let model = sequential![Input<784>, Dense<128, Relu>, Dense<64, Relu>, Dense<10, Softmax>];
/// assert_eq!(model.input_shape().to_string(), "(None, 784)");
/// assert_eq!(model.output_shape().to_string(), "(None, 10)");
/// ```
#[macro_export]
macro_rules! sequential {
    // A model built at compile time (`static MODEL: … = sequential![const …]`):
    // each layer given with its weights, `(Dense::<8>::from_weights(&W, &B))`,
    // or without weights, `MaxPooling2D<2>`, `Flatten`.
    (const $elem:ty; Input<$($dim:literal),+ $(,)?> $(, $($rest:tt)*)?) => {
        $crate::sequential!(@const
            ($crate::model::Chain::<($($crate::shape::Const<$dim>,)+), _, $elem>::new())
            $($($rest)*)?)
    };
    (const Input<$($dim:literal),+ $(,)?> $(, $($rest:tt)*)?) => {
        $crate::sequential!(const f32; Input<$($dim),+> $(, $($rest)*)?)
    };
    (@const ($chain:expr) $(,)?) => { $chain.model() };
    (@const ($chain:expr) ($layer:expr) $(, $($rest:tt)*)?) => {
        $crate::sequential!(@const ($chain.then_built($layer)) $($($rest)*)?)
    };
    (@const ($chain:expr) $name:ident < $($arg:tt),+ > $(, $($rest:tt)*)?) => {
        $crate::sequential!(@const ($chain.then_weightless(<$name<$($arg),+>>::new())) $($($rest)*)?)
    };
    (@const ($chain:expr) $name:ident $(, $($rest:tt)*)?) => {
        $crate::sequential!(@const ($chain.then_weightless(<$name>::new())) $($($rest)*)?)
    };
    ($elem:ty; Input<$($dim:literal),+ $(,)?> $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers
            ($crate::model::Sequential::<($($crate::shape::Const<$dim>,)+), _, $elem>::with_seed(0))
            $($($rest)*)?)
    };
    (Input<$($dim:literal),+ $(,)?> $(, $($rest:tt)*)?) => {
        $crate::sequential!(f32; Input<$($dim),+> $(, $($rest)*)?)
    };
    // Sequences whose timesteps are known only at run time: `Input<Dyn, 3>`.
    ($elem:ty; Input<Dyn $(, $dim:literal)* $(,)?> $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers
            ($crate::model::Sequential::<($crate::shape::Dyn, $($crate::shape::Const<$dim>,)*), _, $elem>::with_seed(0))
            $($($rest)*)?)
    };
    (Input<Dyn $(, $dim:literal)* $(,)?> $(, $($rest:tt)*)?) => {
        $crate::sequential!(f32; Input<Dyn $(, $dim)*> $(, $($rest)*)?)
    };
    (@layers ($model:expr)) => { $model };
    // Each form may end in method calls on the spec: `Dense<3>.named("cls")`.
    (@layers ($model:expr) $name:ident < $($arg:tt),+ > :: $method:ident ( $($call:tt)* ) $(. $post:ident ( $($pcall:tt)* ))* $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then($name::<$($arg),+>::$method($($call)*) $(.$post($($pcall)*))*)) $($($rest)*)?)
    };
    (@layers ($model:expr) $name:ident < $($arg:tt),+ > $(. $post:ident ( $($pcall:tt)* ))* $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then(<$name<$($arg),+> as ::core::default::Default>::default() $(.$post($($pcall)*))*)) $($($rest)*)?)
    };
    // The turbofish form, `Dense::<5, Linear>::from_weights(w, b)`: an
    // expression rustfmt leaves as it is.
    (@layers ($model:expr) $name:ident :: < $($arg:tt),+ > :: $method:ident ( $($call:tt)* ) $(. $post:ident ( $($pcall:tt)* ))* $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then($name::<$($arg),+>::$method($($call)*) $(.$post($($pcall)*))*)) $($($rest)*)?)
    };
    (@layers ($model:expr) $name:ident :: $method:ident ( $($call:tt)* ) $(. $post:ident ( $($pcall:tt)* ))* $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then($name::$method($($call)*) $(.$post($($pcall)*))*)) $($($rest)*)?)
    };
    (@layers ($model:expr) $name:ident $(. $post:ident ( $($pcall:tt)* ))* $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then(<$name as ::core::default::Default>::default() $(.$post($($pcall)*))*)) $($($rest)*)?)
    };
    (@layers ($model:expr) ($layer:expr) $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then($layer)) $($($rest)*)?)
    };
    // A layer type handed over by another macro as a `ty` fragment.
    (@layers ($model:expr) $layer:ty $(, $($rest:tt)*)?) => {
        $crate::sequential!(@layers ($model.then(<$layer as ::core::default::Default>::default())) $($($rest)*)?)
    };
}

/// The type of the model [`sequential!`](crate::sequential) builds from the
/// same list, so that a model can be named: a struct field, a function's
/// return type, a `static`. A layer given its weights is written with the
/// storage of its weights after `as` (`Dense<10> as ([[f32; 10]; 64], [f32;
/// 10])`, or `&'static [f32]` slices in flash); the element type, `f32`
/// unless written first (`model_type![f64; …]`), must match.
///
/// ```
/// use corten::prelude::*;
/// use corten::model_type;
///
/// /// A classifier, its type written once.
/// type Classifier = model_type![Input<4>, Dense<8, Relu>, Dense<3, Softmax>];
///
/// struct Service {
///     model: Classifier,
/// }
///
/// fn classifier() -> Classifier {
///     sequential![Input<4>, Dense<8, Relu>, Dense<3, Softmax>]
/// }
///
/// let service = Service { model: classifier() };
/// assert_eq!(service.model.output_shape().to_string(), "(None, 3)");
///
/// // Weights borrowed from `&'static` data: building allocates nothing.
/// static KERNEL: [f32; 6] = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
/// static BIAS: [f32; 2] = [0.0, 0.5];
/// type Flash = model_type![Input<3>, Dense<2> as (&'static [f32], &'static [f32])];
/// fn flash() -> Result<Flash, Error> {
///     let dense = Dense::<2>::from_data::<Const<3>, f32, _, _>(&KERNEL[..], &BIAS[..])?;
///     Ok(sequential![Input<3>, (dense)])
/// }
/// let y = flash()?.predict(&Tensor::from_array([[1.0f32, 2.0, 3.0]]))?;
/// assert_eq!(y.as_slice(), &[4.0, 5.5]);
/// # Ok::<(), corten::Error>(())
/// ```
#[macro_export]
macro_rules! model_type {
    ($elem:ty; Input<$($dim:literal),+ $(,)?> $(, $($rest:tt)*)?) => {
        $crate::model_type!(@layers $elem; ($($crate::shape::Const<$dim>,)+);
            $crate::model::Empty<($($crate::shape::Const<$dim>,)+)>; $($($rest)*)?)
    };
    (Input<$($dim:literal),+ $(,)?> $(, $($rest:tt)*)?) => {
        $crate::model_type!(f32; Input<$($dim),+> $(, $($rest)*)?)
    };
    ($elem:ty; Input<Dyn $(, $dim:literal)* $(,)?> $(, $($rest:tt)*)?) => {
        $crate::model_type!(@layers $elem; ($crate::shape::Dyn, $($crate::shape::Const<$dim>,)*);
            $crate::model::Empty<($crate::shape::Dyn, $($crate::shape::Const<$dim>,)*)>; $($($rest)*)?)
    };
    (Input<Dyn $(, $dim:literal)* $(,)?> $(, $($rest:tt)*)?) => {
        $crate::model_type!(f32; Input<Dyn $(, $dim)*> $(, $($rest)*)?)
    };
    (@layers $elem:ty; $input:ty; $prev:ty; $(,)?) => {
        $crate::model::Sequential<$input, $prev, $elem>
    };
    (@layers $elem:ty; $input:ty; $prev:ty; $layer:ty as $weights:ty $(, $($rest:tt)*)?) => {
        $crate::model_type!(@layers $elem; $input; $crate::model::Stack<$prev, $crate::layer::Built<
            $layer,
            <$prev as $crate::layer::Layer<$elem>>::Output,
            $elem,
            $weights,
        >>; $($($rest)*)?)
    };
    (@layers $elem:ty; $input:ty; $prev:ty; $layer:ty $(, $($rest:tt)*)?) => {
        $crate::model_type!(@layers $elem; $input; $crate::model::Stack<$prev,
            <$layer as $crate::layer::BuildLayer<<$prev as $crate::layer::Layer<$elem>>::Output, $elem>>::Layer,
        >; $($($rest)*)?)
    };
}
