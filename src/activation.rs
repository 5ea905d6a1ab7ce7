//! Activation functions with Keras 3's definitions and defaults.
//!
//! Each is a small `Copy` type used as a layer's type parameter
//! (`Dense<5, Relu>`); parameters such as [`LeakyRelu::negative_slope`] take
//! Keras's default and can be set with `Dense::with_activation`.

use crate::Element;
use core::fmt::Debug;

/// An activation applied to each sample's output row.
///
/// ```
/// use corten::activation::{Activation, Relu, Softmax};
/// let mut row = [-1.0f32, 2.0];
/// Relu.apply(&mut row);
/// assert_eq!(row, [0.0, 2.0]);
/// let mut row = [1e4f32, -1e4];
/// Softmax.apply(&mut row);
/// assert_eq!(row, [1.0, 0.0]);
/// ```
pub trait Activation: Copy + Default + Debug + Send + Sync + 'static {
    /// Keras's name for it (`"relu"`).
    const NAME: &'static str;
    /// Applies the activation to one sample's values in place.
    fn apply<E: Element>(&self, row: &mut [E]) {
        for v in row {
            *v = self.scalar(*v);
        }
    }
    /// The activation of one value (element-wise activations only; softmax
    /// works on whole rows and overrides [`Activation::apply`]).
    fn scalar<E: Element>(&self, x: E) -> E;
}

macro_rules! elementwise_activation {
    ($(#[$doc:meta])* $name:ident, $keras:literal, |$x:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct $name;
        impl Activation for $name {
            const NAME: &'static str = $keras;
            #[inline]
            fn scalar<E: Element>(&self, $x: E) -> E {
                $body
            }
        }
    };
}

fn c<E: Element>(v: f64) -> E {
    E::from_f64(v)
}

/// 1 / (1 + e⁻ˣ), without overflow for large |x|.
fn sigmoid<E: Element>(x: E) -> E {
    if x >= E::ZERO {
        E::ONE / (E::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (E::ONE + e)
    }
}

elementwise_activation!(
    /// `x` (Keras `"linear"`).
    Linear, "linear", |x| x);
elementwise_activation!(
    /// `max(x, 0)`.
    Relu, "relu", |x| if x > E::ZERO { x } else { E::ZERO });
elementwise_activation!(
    /// `1 / (1 + exp(-x))`.
    Sigmoid, "sigmoid", |x| sigmoid(x));
elementwise_activation!(
    /// Hyperbolic tangent.
    Tanh, "tanh", |x| x.tanh());
elementwise_activation!(
/// `scale · elu(x, alpha)` with Keras's constants.
Selu, "selu", |x| {
    let alpha = c::<E>(1.673_263_242_354_377_3);
    let scale = c::<E>(1.050_700_987_355_480_5);
    if x > E::ZERO { scale * x } else { scale * alpha * (x.exp() - E::ONE) }
});
elementwise_activation!(
    /// `0.5 · x · (1 + erf(x / √2))`, Keras's default (`approximate=False`).
    Gelu, "gelu", |x| c::<E>(0.5) * x * (E::ONE + (x * c::<E>(core::f64::consts::FRAC_1_SQRT_2)).erf()));
elementwise_activation!(
    /// `x · sigmoid(x)` (also called swish).
    Silu, "silu", |x| x * sigmoid(x));
elementwise_activation!(
    /// `log(1 + exp(x))`, computed without overflow.
    Softplus, "softplus", |x| x.max(E::ZERO) + (-x.abs()).exp().ln_1p());
elementwise_activation!(
    /// `x / (1 + |x|)`.
    Softsign, "softsign", |x| x / (E::ONE + x.abs()));
elementwise_activation!(
    /// `min(max(x, 0), 6)`.
    Relu6, "relu6", |x| x.max(E::ZERO).min(c(6.0)));
elementwise_activation!(
    /// Keras 3's `relu6(x + 3) / 6`: 0 below −3, 1 above 3, linear between.
    HardSigmoid, "hard_sigmoid", |x| (x + c(3.0)).max(E::ZERO).min(c(6.0)) / c(6.0));
/// `x` for x ≥ 0, `negative_slope · x` below.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// Slope for negative inputs; Keras's default is 0.2.
    pub negative_slope: f64,
}

impl Default for LeakyRelu {
    fn default() -> Self {
        LeakyRelu {
            negative_slope: 0.2,
        }
    }
}

impl Activation for LeakyRelu {
    const NAME: &'static str = "leaky_relu";
    fn scalar<E: Element>(&self, x: E) -> E {
        if x >= E::ZERO {
            x
        } else {
            c::<E>(self.negative_slope) * x
        }
    }
}

/// `x` for x > 0, `alpha · (exp(x) − 1)` below.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu {
    /// Scale of the negative part; Keras's default is 1.
    pub alpha: f64,
}

impl Default for Elu {
    fn default() -> Self {
        Elu { alpha: 1.0 }
    }
}

impl Activation for Elu {
    const NAME: &'static str = "elu";
    fn scalar<E: Element>(&self, x: E) -> E {
        if x > E::ZERO {
            x
        } else {
            c::<E>(self.alpha) * (x.exp() - E::ONE)
        }
    }
}

/// Alias: Keras calls [`Silu`] `"swish"` too.
pub type Swish = Silu;

/// `exp(x − max x) / Σ exp(x − max x)` over each sample's row: stable for any
/// finite input, never NaN or inf.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softmax;

impl Activation for Softmax {
    const NAME: &'static str = "softmax";
    fn apply<E: Element>(&self, row: &mut [E]) {
        let Some(&first) = row.first() else { return };
        let max = row.iter().fold(first, |m, &v| m.max(v));
        let mut sum = E::ZERO;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v = *v / sum;
        }
    }
    fn scalar<E: Element>(&self, _x: E) -> E {
        E::ONE
    }
}
