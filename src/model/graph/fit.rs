//! `compile`, `fit` and `evaluate` for functional models: one objective
//! (loss, loss weight, metrics) per output, Keras's per-output log names
//! (`cls_loss`, `cls_accuracy`, `val_…`), trained through the graph's
//! training passes.

use super::model::{Feed, Model, Source, Syms};
use super::train::GraphTape;
use super::Sym;
use crate::error::Error;
use crate::model::fit::Dataset;
use crate::model::training::{Compiled, Net, Objective};
use crate::model::{FitOptions, History, Logs};
use crate::optimizer::Optimizer;
use crate::shape::{Features, Shape};
use crate::tensor::{Data, Tensor};
use crate::Element;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// How each output of a model with outputs `Outs` is trained: one
/// [`Objective`] for all of them (Keras's `loss="mse"`), or a tuple with
/// one per output, in order (Keras's `loss=[…], loss_weights=[…],
/// metrics=[[…], […]]`). A tuple of another length is a compile error.
#[diagnostic::on_unimplemented(
    message = "these objectives do not fit the model's outputs `{Outs}`",
    label = "give one `Objective` for every output, or a tuple with one per output"
)]
pub trait Objectives<Outs, E: Element> {
    /// One objective per output.
    #[doc(hidden)]
    fn into_vec(self) -> Vec<Objective<E>>;
}

impl<Outs: Syms, E: Element> Objectives<Outs, E> for Objective<E> {
    fn into_vec(self) -> Vec<Objective<E>> {
        alloc::vec![self; Outs::COUNT]
    }
}

/// Label tensors for a model's outputs `Outs`: `&y` for one output,
/// `(&y_cls, &y_reg)` for two, each batch axis first and holding what its
/// output's loss takes (class indices for sparse categorical crossentropy).
#[diagnostic::on_unimplemented(
    message = "these labels do not fit the model's outputs `{Outs}`",
    label = "give one label tensor per output"
)]
pub trait Labels<Outs, E: Element> {
    /// Calls `visit` with each tensor's data and sample count, in order.
    #[doc(hidden)]
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a [E], usize));
}

impl<E: Element, A: Features, S: Shape, D: Data<E>> Labels<Sym<A>, E> for &Tensor<S, E, D> {
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a [E], usize)) {
        visit(
            self.as_slice(),
            self.sizes().as_slice().first().copied().unwrap_or(0),
        );
    }
}

macro_rules! per_output_tuple {
    ($($a:ident $s:ident $d:ident $j:ident $i:tt),+) => {
        impl<E: Element, $($a: Features),+> Objectives<($(Sym<$a>,)+), E>
            for ($(per_output_tuple!(@objective $j E),)+)
        {
            fn into_vec(self) -> Vec<Objective<E>> {
                alloc::vec![$(self.$i),+]
            }
        }
        impl<'t, E: Element, $($a: Features, $s: Shape, $d: Data<E>),+> Labels<($(Sym<$a>,)+), E>
            for ($(&'t Tensor<$s, E, $d>,)+)
        {
            fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a [E], usize)) {
                $(Labels::<Sym<$a>, E>::visit(&self.$i, visit);)+
            }
        }
    };
    (@objective $j:ident $e:ident) => { Objective<$e> };
}
per_output_tuple!(A SA DA JA 0);
per_output_tuple!(A SA DA JA 0, B SB DB JB 1);
per_output_tuple!(A SA DA JA 0, B SB DB JB 1, C SC DC JC 2);
per_output_tuple!(A SA DA JA 0, B SB DB JB 1, C SC DC JC 2, D SD DD JD 3);

impl<Ins: Syms, Outs: Syms, E: Element> Model<Ins, Outs, E> {
    /// Prepares the model for training (Keras's `model.compile`): the
    /// optimizer, and how each output is trained — one [`Objective`] for
    /// every output, or a tuple with one per output (its loss, the weight
    /// of that loss in the total, its metrics).
    ///
    /// ```
    /// use corten::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
    /// use corten::metric::{Accuracy, Mae};
    /// use corten::model::{Graph, Objective};
    /// use corten::optimizer::Adam;
    /// use corten::prelude::*;
    /// let mut g = Graph::<f32>::new();
    /// let x = g.input::<(Const<4>,)>();
    /// let cls = g.add(Dense::<3, Softmax>::new().named("cls"), x);
    /// let reg = g.add(Dense::<1>::new().named("reg"), x);
    /// let mut model = g.build(x, (cls, reg))?;
    /// // Keras: compile("adam", loss=["sparse_categorical_crossentropy", "mse"],
    /// //                loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    /// model.compile(
    ///     Adam::default(),
    ///     (
    ///         Objective::new(SparseCategoricalCrossentropy::default()).metrics([Accuracy]),
    ///         Objective::new(MeanSquaredError).weight(0.5).metrics([Mae]),
    ///     ),
    /// );
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn compile<O, J>(&mut self, optimizer: O, objectives: J)
    where
        O: Optimizer<E> + 'static,
        J: Objectives<Outs, E>,
    {
        self.compiled = Some(Box::new(Compiled::new(
            Box::new(optimizer),
            objectives.into_vec(),
        )));
    }

    /// Trains the model (Keras's `model.fit`) on a batch of each input
    /// (`&x`, or `(&xa, &xb)`: their shapes checked by the compiler) and
    /// labels for each output (`&y`, or `(&y_cls, &y_reg)`), as
    /// [`Sequential::fit`](crate::model::Sequential::fit) does. Gradients
    /// flow back through every branch, summed where a node feeds several
    /// others and over the applications of a shared layer. The logs are
    /// Keras's: `loss` (the weighted total) and, with several outputs, each
    /// output's `<name>_loss` and `<name>_<metric>`, with `val_` forms
    /// for validation data (a [`Dataset`] of tuples).
    ///
    /// ```
    /// use corten::loss::MeanSquaredError;
    /// use corten::model::{FitOptions, Graph, Objective, Verbosity};
    /// use corten::optimizer::Sgd;
    /// use corten::prelude::*;
    /// // y = x₁ + 2·x₂, with a skip connection around a dense layer.
    /// let mut g = Graph::<f32>::new();
    /// let a = g.input::<(Const<1>,)>();
    /// let b = g.input::<(Const<1>,)>();
    /// let h = g.add(Dense::<1>::new(), b);
    /// let s = g.add(Add, (a, h));
    /// let mut model = g.build((a, b), s)?;
    /// model.compile(Sgd { learning_rate: 0.1, ..Default::default() }, Objective::new(MeanSquaredError));
    /// let xa = Tensor::from_array([[0.0f32], [1.0], [2.0], [3.0]]);
    /// let xb = Tensor::from_array([[1.0f32], [0.0], [2.0], [1.0]]);
    /// let y = Tensor::from_array([[2.0f32], [1.0], [6.0], [5.0]]);
    /// let options = FitOptions { epochs: 300, batch_size: 4, verbose: Verbosity::Silent, ..Default::default() };
    /// let history = model.fit((&xa, &xb), &y, options)?;
    /// assert!(history.get("loss").last().unwrap() < &1e-3);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn fit<X: Feed<Ins, E>, Y: Labels<Outs, E>>(
        &mut self,
        x: X,
        y: Y,
        options: FitOptions<'_, E>,
    ) -> Result<History, Error> {
        let data = Dataset::from_visits(|v| x.visit(v), |v| y.visit(v))?;
        let mut compiled = self.compiled.take().ok_or(Error::NotCompiled)?;
        let result = crate::model::fit::fit(self, &mut compiled, data, options);
        self.compiled = Some(compiled);
        result
    }

    /// The losses and metrics of the model on `x` and the labels `y`
    /// (Keras's `model.evaluate(..., return_dict=True)`), in batches of 32,
    /// in inference mode; logs named as [`fit`](Self::fit) names them.
    pub fn evaluate<X: Feed<Ins, E>, Y: Labels<Outs, E>>(
        &mut self,
        x: X,
        y: Y,
    ) -> Result<Logs, Error> {
        let data = Dataset::from_visits(|v| x.visit(v), |v| y.visit(v))?;
        let compiled = self.compiled.take().ok_or(Error::NotCompiled)?;
        let result = crate::model::fit::evaluate_checked(self, &compiled, &data);
        self.compiled = Some(compiled);
        result
    }
}

impl<Ins: Syms, Outs: Syms, E: Element> Net<E> for Model<Ins, Outs, E> {
    type Tape = GraphTape<E>;
    fn input_numels(&self) -> Vec<usize> {
        self.inputs
            .iter()
            .map(|&n| self.nodes[n].shape.numel())
            .collect()
    }
    fn output_shapes(&self) -> Vec<crate::model::training::OutputRows> {
        self.output_nodes
            .iter()
            .map(|&n| {
                let node = &self.nodes[n];
                crate::model::training::OutputRows::from_sizes(
                    node.shape.numel(),
                    node.shape.as_slice(),
                    node.masked,
                )
            })
            .collect()
    }
    fn output_names(&self) -> Vec<String> {
        self.output_nodes
            .iter()
            .map(|&n| self.layer_name(n).to_string())
            .collect()
    }
    fn check_inputs(&self, xs: &[&[E]]) -> Result<(), Error> {
        self.check_layer_inputs(xs)
    }
    fn scratch_per_sample(&self) -> usize {
        self.arena + self.work
    }
    fn forward(&self, xs: &[&[E]], batch: usize, outputs: &mut [Vec<E>], scratch: &mut [E]) {
        self.run(xs, batch, scratch);
        for (y, &source) in outputs.iter_mut().zip(&self.outputs) {
            self.read(source, xs, batch, scratch, y);
        }
    }
    fn forward_train(
        &mut self,
        xs: &[&[E]],
        batch: usize,
        tape: &mut GraphTape<E>,
        rng: &mut crate::random::Rng,
        outputs: &mut [Vec<E>],
    ) {
        Model::forward_train(self, xs, batch, tape, rng);
        for ((y, step), source) in outputs
            .iter_mut()
            .zip(&self.output_steps)
            .zip(&self.outputs)
        {
            y.clear();
            match (step, source) {
                (Some(k), _) => y.extend_from_slice(tape.value(*k)),
                (None, Source::Input(i)) => y.extend_from_slice(xs[*i]),
                (None, Source::Slot(_)) => unreachable!("slots come from steps"),
            }
        }
    }
    fn backward(
        &self,
        xs: &[&[E]],
        _outputs: &[Vec<E>],
        output_grads: &mut [Vec<E>],
        _batch: usize,
        tape: &mut GraphTape<E>,
        grads: &mut [E],
    ) {
        let mut dys: [&[E]; super::MAX_ARITY] = [&[]; super::MAX_ARITY];
        for (d, g) in dys.iter_mut().zip(output_grads.iter()) {
            *d = g;
        }
        Model::backward(self, xs, &dys[..output_grads.len()], tape, grads);
    }
    fn trainable_count(&self) -> usize {
        self.gradient_layout().1
    }
}
