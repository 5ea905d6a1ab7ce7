//! [`Built`]: a layer kind with its weights and name, for inputs of a shape
//! — the one implementation of [`Layer`] and of the spec → built step that
//! every layer uses.

use super::build::{BuildContext, LayerName};
use super::fits::Fits;
use super::kind::{KernelAndBias, LayerKind, LayerOp, WeightShapes};
#[cfg(feature = "std")]
use super::train::{Backprop, Tape, Weight};
use super::weights::{Draw, Weights};
use crate::error::Error;
use crate::layer::{BuildLayer, Layer, SummaryRow};
use crate::shape::Features;
use crate::Element;
use core::marker::PhantomData;

/// A layer of kind `K` (its spec: `Dense<5, Relu>`) over inputs of shape `In`
/// with weights of element `E` in storage `W` (`()` for a layer without
/// weights, a tuple of arrays, `Vec`s or `&'static` slices, or the
/// [`Drawn`](super::Drawn) vectors a model fills), and its name in the model.
///
/// A model builds one from each spec; `from_weights`/`from_data` make one
/// whose `In` fixes only what the weights say (the other axes are
/// [`FromInput`](super::FromInput)), which fits into a model whose shapes
/// agree with its weights.
pub struct Built<K, In, E, W> {
    kind: K,
    weights: W,
    name: LayerName,
    types: PhantomData<(In, E)>,
}

impl<K: LayerKind, In, E: Element, W: Weights<E>> Built<K, In, E, W> {
    /// `kind` with `weights` that are known to fit (drawn for its shapes,
    /// or arrays whose types fix their sizes), named as a first layer.
    pub(crate) const fn new_unchecked(kind: K, weights: W) -> Self {
        Built {
            kind,
            weights,
            name: LayerName {
                base: K::BASE_NAME,
                index: 0,
            },
            types: PhantomData,
        }
    }

    /// This layer for inputs of shape `In2` (which the caller checked fit
    /// `In`), named `name`: the spec → built step, in a `const`.
    pub(crate) const fn placed<In2>(self, name: LayerName) -> Built<K, In2, E, W>
    where
        K: Copy,
        W: Copy,
    {
        Built {
            kind: self.kind,
            weights: self.weights,
            name,
            types: PhantomData,
        }
    }

    /// `kind` with `weights`; an error naming the weight when one does not
    /// hold its shape's element count or holds NaN or an infinity, or when
    /// the weights break the kind's own rules (a negative variance).
    pub fn from_parts(kind: K, weights: W) -> Result<Self, Error>
    where
        K: WeightShapes<In>,
    {
        for (i, info) in kind.weights().iter().enumerate() {
            let values = weights.at(i);
            crate::error::check_sizes(info.what, K::weight_shape(i), values.len())?;
            crate::error::check_finite_weight(None, info.what, values)?;
        }
        kind.check_weights(&weights)?;
        Ok(Self::new_unchecked(kind, weights))
    }

    /// Weight tensor `index` in Keras's order, row-major.
    pub fn weight(&self, index: usize) -> &[E] {
        self.weights.at(index)
    }

    /// The layer's kind and configuration (its spec).
    pub fn kind(&self) -> &K {
        &self.kind
    }

    /// The kind and the weights, for a pass that is not [`Layer`]'s (a
    /// recurrent layer's with states).
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(crate) fn parts(&self) -> (&K, &W) {
        (&self.kind, &self.weights)
    }

    /// As [`parts`](Self::parts), the weights writable (the training pass).
    #[cfg(feature = "std")]
    pub(crate) fn parts_mut(&mut self) -> (&K, &mut W) {
        (&self.kind, &mut self.weights)
    }

    /// The kind, for changing its configuration.
    pub(crate) fn kind_mut(&mut self) -> &mut K {
        &mut self.kind
    }

    /// The layer's name in its model (`dense_1`).
    pub fn name(&self) -> LayerName {
        self.name
    }
}

impl<K: KernelAndBias, In, E: Element, W: Weights<E>> Built<K, In, E, W> {
    /// The kernel, row-major, in Keras's layout (`(input, units)` for Dense,
    /// `(kernel…, channels, filters)` for a convolution).
    pub fn kernel(&self) -> &[E] {
        self.weights.at(0)
    }

    /// The bias, one value per unit or filter.
    pub fn bias(&self) -> &[E] {
        self.weights.at(1)
    }
}

impl<K: Clone, In, E, W: Clone> Clone for Built<K, In, E, W> {
    fn clone(&self) -> Self {
        Built {
            kind: self.kind.clone(),
            weights: self.weights.clone(),
            name: self.name,
            types: PhantomData,
        }
    }
}

/// A layer whose kind and weights are `Copy` (weights borrowed in place, or
/// small arrays) is `Copy`: what a model built in a `const` is made of.
impl<K: Copy, In, E, W: Copy> Copy for Built<K, In, E, W> {}

impl<K: PartialEq, In, E, W: PartialEq> PartialEq for Built<K, In, E, W> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.weights == other.weights && self.name == other.name
    }
}

/// Prints the Keras class, the name and the configuration:
/// `Dense(dense_1, Dense { activation: Relu, … })`.
impl<K: LayerKind, In, E, W> core::fmt::Debug for Built<K, In, E, W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}({}, {:?})", K::KERAS_NAME, self.name, self.kind)
    }
}

impl<K, In, E, W> Layer<E> for Built<K, In, E, W>
where
    K: LayerOp<In, E>,
    In: Features,
    E: Element,
    W: Weights<E>,
{
    type Input = In;
    type Output = K::Output;
    const SCRATCH_PER_SAMPLE: usize = K::SCRATCH_PER_SAMPLE;

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.kind.forward(&self.weights, x, y, batch, scratch);
    }

    fn output_steps(&self, steps: usize) -> Result<usize, Error> {
        self.kind.output_steps(steps)
    }

    fn forward_steps(&self, x: &[E], y: &mut [E], batch: usize, steps: usize, scratch: &mut [E]) {
        self.kind
            .forward_steps(&self.weights, x, y, (batch, steps), scratch);
    }

    fn param_count(&self) -> usize {
        (0..self.kind.weights().len())
            .map(|i| K::weight_shape(i).numel())
            .sum()
    }

    fn check_input(&self, x: &[E]) -> Result<(), Error> {
        self.kind.check_input(x)
    }

    fn non_trainable_count(&self) -> usize {
        self.kind
            .weights()
            .iter()
            .enumerate()
            .filter(|(_, info)| !info.trainable)
            .map(|(i, _)| K::weight_shape(i).numel())
            .sum()
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow::new(
            self.name,
            K::KERAS_NAME,
            <K::Output as Features>::keras_sizes(),
            self.param_count(),
        ))
    }

    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.kind
            .forward_train(&mut self.weights, x, y, batch, &mut tape[0], rng);
    }

    #[cfg(feature = "std")]
    fn forward_train_steps(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch_steps: (usize, usize),
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.kind
            .forward_train_steps(&mut self.weights, x, y, batch_steps, &mut tape[0], rng);
    }

    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]) {
        self.kind
            .backward_steps(&self.weights, pass, &mut tape[0], grads);
    }

    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        for (i, info) in self.kind.weights().iter().enumerate() {
            visit(info.name, K::weight_shape(i), self.weights.at(i));
        }
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.weights.visit_writable(&mut |i, values| {
            let info = self.kind.weights()[i];
            visit(Weight {
                name: info.name,
                shape: K::weight_shape(i),
                values,
                trainable: info.trainable,
            })
        });
    }
}

impl<K: LayerKind, In, E: Element> Built<K, In, E, K::Fresh<E>>
where
    K: WeightShapes<In>,
    K::Fresh<E>: Draw<E>,
{
    /// A model's build step for a spec: its name from `ctx` and its weights
    /// drawn as its initializers say (Keras's defaults unless configured),
    /// from the model's seeded generator.
    pub fn from_spec(kind: K, ctx: &mut BuildContext) -> Self {
        let weights = <K::Fresh<E> as Draw<E>>::draw::<K, In>(&kind, ctx);
        Built {
            name: ctx.name(K::BASE_NAME),
            kind,
            weights,
            types: PhantomData,
        }
    }
}

/// `impl BuildLayer for` a spec type (generics in brackets): it fits any
/// input its [`LayerOp`] takes, and builds with [`Built::from_spec`]. One
/// impl per spec type rather than one blanket impl, so that a layer given
/// its weights (a [`Built`]) has a single `BuildLayer` impl and a mismatch
/// is reported at the axis that does not fit.
macro_rules! builds_from_spec {
    ([$($generics:tt)*] $spec:ty) => {
        impl<In, E, $($generics)*> $crate::layer::BuildLayer<In, E> for $spec
        where
            Self: $crate::layer::machinery::LayerOp<In, E>,
            In: $crate::shape::Features,
            E: $crate::Element,
            <Self as $crate::layer::machinery::LayerKind>::Fresh<E>:
                $crate::layer::machinery::Draw<E>,
        {
            type Layer = $crate::layer::machinery::Built<
                Self,
                In,
                E,
                <Self as $crate::layer::machinery::LayerKind>::Fresh<E>,
            >;
            fn build(self, ctx: &mut $crate::layer::machinery::BuildContext) -> Self::Layer {
                $crate::layer::machinery::Built::from_spec(self, ctx)
            }
        }
    };
}
pub(crate) use builds_from_spec;

/// What every kernel-and-bias layer spec (Dense, the convolutions) shares,
/// for a spec struct with fields `activation`, `initializers` and `no_bias`
/// that is `Default`: the constructors `new`, `with_activation`,
/// `with_initializers` and `without_bias`, its [`LayerKind`] (Keras names `$keras`/`$base`,
/// weights `$kernel` and `bias` drawn with its initializers), the
/// [`KernelAndBias`] accessors and its `BuildLayer` impl.
macro_rules! kernel_and_bias_layer {
    ($keras:literal, $base:literal, $kernel:literal, $example:literal, [$($generics:tt)*] $spec:ty $(, $marker:ident)*) => {
        impl<$($generics)*> $spec {
            /// Whether the layer has its bias (Keras's `use_bias`).
            fn has_bias(&self) -> bool {
                !self.no_bias
            }

            /// No bias (Keras's `use_bias=False`): `activation(x · kernel)`
            /// (or `x ∗ kernel`), the kernel its only weight.
            ///
            /// ```
            /// use corten::layer::*;
            /// use corten::prelude::*;
            #[doc = concat!("let model = ", $example, ";")]
            /// assert_eq!(model.get_weights().len(), 1); // the kernel alone
            /// ```
            pub fn without_bias(mut self) -> Self {
                self.no_bias = true;
                self
            }
        }
        $crate::layer::machinery::kernel_and_bias_layer!(@with $keras, $base, $kernel, [$($generics)*] $spec $(, $marker)*);
    };
    (@with $keras:literal, $base:literal, $kernel:literal, [$($generics:tt)*] $spec:ty $(, $marker:ident)*) => {
        impl<$($generics)*> $spec {
            /// The spec with Keras's defaults (the activation's default
            /// parameters, glorot_uniform kernel, zero bias); `const`, for
            /// models built at compile time.
            pub const fn new() -> Self {
                Self::with_activation(A::DEFAULT)
            }

            /// The spec with a configured activation (e.g. `LeakyRelu {
            /// negative_slope: 0.1 }`).
            pub const fn with_activation(activation: A) -> Self {
                Self {
                    activation,
                    initializers: $crate::init::Initializers::KERAS,
                    no_bias: false,
                    $($marker: core::marker::PhantomData,)*
                }
            }

            /// This spec with other kernel and bias initializers (Keras's
            /// `kernel_initializer`, `bias_initializer`); an error when one's
            /// parameters are invalid
            /// ([`Initializer::check`](crate::init::Initializer::check)).
            pub fn with_initializers(
                mut self,
                kernel: $crate::init::Initializer,
                bias: $crate::init::Initializer,
            ) -> Result<Self, $crate::Error> {
                self.initializers = $crate::init::Initializers::new(kernel, bias)?;
                Ok(self)
            }
        }

        impl<$($generics)*> $crate::layer::machinery::LayerKind for $spec {
            const KERAS_NAME: &'static str = $keras;
            const BASE_NAME: &'static str = $base;
            const WEIGHTS: &'static [$crate::layer::machinery::WeightInfo] = &[
                $crate::layer::machinery::WeightInfo::trainable($kernel, concat!($keras, " kernel")),
                $crate::layer::machinery::WeightInfo::trainable("bias", concat!($keras, " bias")),
            ];
            type Fresh<E: $crate::Element> = $crate::layer::machinery::Random<E>;
            fn initializer(&self, index: usize) -> $crate::init::Initializer {
                self.initializers.of(index)
            }
            fn weights(&self) -> &'static [$crate::layer::machinery::WeightInfo] {
                match self.has_bias() {
                    true => Self::WEIGHTS,
                    false => &Self::WEIGHTS[..1],
                }
            }
        }

        impl<$($generics)*> $crate::layer::machinery::KernelAndBias for $spec {}

        impl<$($generics)*, In, E: $crate::Element, W: $crate::layer::machinery::Weights<E>>
            $crate::layer::machinery::Built<$spec, In, E, W>
        {
            /// This layer, its weights given (`from_weights`, `from_data`),
            /// with a configured activation (e.g. `LeakyRelu {
            /// negative_slope: 0.1 }`): Keras's `activation=` beside given
            /// weights.
            ///
            /// ```
            /// use corten::prelude::*;
            /// use corten::activation::LeakyRelu;
            /// static KERNEL: [f32; 2] = [1.0, -1.0];
            /// static BIAS: [f32; 1] = [0.0];
            /// let dense = Dense::<1, LeakyRelu>::from_data::<Const<2>, f32, _, _>(&KERNEL[..], &BIAS[..])?
            ///     .with_activation(LeakyRelu { negative_slope: 0.5 });
            /// let model = sequential![Input<2>, (dense)];
            /// assert_eq!(model.predict(&Tensor::from_array([[0.0f32, 2.0]]))?.as_slice(), [-1.0]);
            /// # Ok::<(), corten::Error>(())
            /// ```
            pub fn with_activation(mut self, activation: A) -> Self {
                self.kind_mut().activation = activation;
                self
            }
        }

        $crate::layer::machinery::builds_from_spec!([$($generics)*] $spec);
    };
}
pub(crate) use kernel_and_bias_layer;

/// A layer given its weights fits inputs whose shape agrees with them.
impl<K, In, Fixed, E, W> BuildLayer<In, E> for Built<K, Fixed, E, W>
where
    K: LayerKind + LayerOp<In, E>,
    In: Features + Fits<Fixed>,
    E: Element,
    W: Weights<E>,
{
    type Layer = Built<K, In, E, W>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Built {
            name: ctx.name(K::BASE_NAME),
            kind: self.kind,
            weights: self.weights,
            types: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::layer::{BuildContext, BuildLayer, Conv1D, Dense, Layer};
    use crate::shape::Const;
    extern crate alloc;
    use alloc::format;

    #[test]
    fn every_built_layer_is_debug_with_its_keras_class_and_name() {
        let dense = Dense::<2>::from_weights([[1.0f32, 2.0]], [0.0; 2]);
        assert!(format!("{dense:?}").starts_with("Dense(dense, Dense { activation: Linear"));
        let conv = Conv1D::<1, 2>::from_data::<Const<1>, f32, _, _>([1.0f32, -1.0], [0.0]).unwrap();
        let mut ctx = BuildContext::default();
        let _first = BuildLayer::<(Const<4>, Const<1>), f32>::build(conv, &mut ctx);
        let second = BuildLayer::<(Const<4>, Const<1>), f32>::build(conv, &mut ctx);
        assert!(format!("{second:?}").starts_with("Conv1D(conv1d_1, "));
        assert_eq!(second.param_count(), 3);
    }
}
