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
    /// Keras's default parameters ([`Default`] in a `const`, for models
    /// built at compile time).
    const DEFAULT: Self;
    /// Applies the activation to one sample's values in place.
    ///
    /// ```
    /// use corten::activation::{Activation, Relu};
    /// let mut row = [-1.0f32, 0.5, 2.0];
    /// Relu.apply(&mut row);
    /// assert_eq!(row, [0.0, 0.5, 2.0]);
    /// ```
    fn apply<E: Element>(&self, row: &mut [E]) {
        for v in row {
            *v = self.scalar(*v);
        }
    }
    /// The activation of one value (element-wise activations only; softmax
    /// works on whole rows and overrides [`Activation::apply`]).
    ///
    /// ```
    /// use corten::activation::{Activation, Sigmoid};
    /// assert_eq!(Sigmoid.scalar(0.0f64), 0.5);
    /// ```
    fn scalar<E: Element>(&self, x: E) -> E;
    /// The derivative at `x`, given `y`, the activation of `x` (element-wise
    /// activations only).
    ///
    /// ```
    /// use corten::activation::{Activation, Sigmoid};
    /// // σ'(x) = σ(x)·(1 − σ(x)), checked against a central difference.
    /// let (x, h) = (0.3f64, 1e-6);
    /// let numeric = (Sigmoid.scalar(x + h) - Sigmoid.scalar(x - h)) / (2.0 * h);
    /// assert!((Sigmoid.derivative(x, Sigmoid.scalar(x)) - numeric).abs() < 1e-9);
    /// ```
    fn derivative<E: Element>(&self, x: E, y: E) -> E;
    /// Backpropagates through one sample's row: turns `dy`, the gradient of
    /// the loss with respect to the outputs `y = activation(x)`, into the
    /// gradient with respect to `x`, in place.
    ///
    /// ```
    /// use corten::activation::{Activation, Tanh};
    /// let x = [0.5f64];
    /// let mut y = x;
    /// Tanh.apply(&mut y);
    /// let mut dy = [2.0];
    /// Tanh.backward(&x, &y, &mut dy);
    /// assert!((dy[0] - 2.0 * (1.0 - y[0] * y[0])).abs() < 1e-15);
    /// ```
    fn backward<E: Element>(&self, x: &[E], y: &[E], dy: &mut [E]) {
        for ((d, &x), &y) in dy.iter_mut().zip(x).zip(y) {
            *d *= self.derivative(x, y);
        }
    }
}

macro_rules! elementwise_activation {
    ($(#[$doc:meta])* $name:ident, $keras:literal, |$x:ident| $body:expr, |$dx:ident, $dy:ident| $derivative:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct $name;
        impl Activation for $name {
            const NAME: &'static str = $keras;
            const DEFAULT: Self = $name;
            #[inline]
            fn scalar<E: Element>(&self, $x: E) -> E {
                $body
            }
            #[inline]
            #[allow(unused_variables)]
            fn derivative<E: Element>(&self, $dx: E, $dy: E) -> E {
                $derivative
            }
        }
    };
}

fn c<E: Element>(v: f64) -> E {
    E::from_f64(v)
}

/// 1 / (1 + e⁻ˣ), without overflow for large |x|.
fn sigmoid<E: Element>(x: E) -> E {
    // Without a branch (a recurrent layer evaluates it for every gate of
    // every step): for x far below 0, exp(−x) is +∞ and the quotient 0.
    E::ONE / (E::ONE + (-x).exp())
}

elementwise_activation!(
    /// `x` (Keras `"linear"`).
    ///
    /// ```
    /// use corten::activation::*;
    /// assert_eq!(Linear.scalar(-2.5f32), -2.5);
    /// ```
    Linear, "linear", |x| x, |x, y| E::ONE);
elementwise_activation!(
    /// `max(x, 0)`; NaN stays NaN, as in Keras (so a NaN weight shows in the
    /// output instead of being hidden).
    ///
    /// ```
    /// use corten::activation::*;
    /// assert_eq!(Relu.scalar(-2.0f32), 0.0);
    /// assert_eq!(Relu.scalar(3.0f32), 3.0);
    /// assert!(Relu.scalar(f32::NAN).is_nan());
    /// ```
    Relu, "relu", |x| if x < E::ZERO { E::ZERO } else { x },
    |x, y| if x > E::ZERO { E::ONE } else { E::ZERO });
elementwise_activation!(
    /// `1 / (1 + exp(-x))`.
    ///
    /// ```
    /// use corten::activation::*;
    /// assert_eq!(Sigmoid.scalar(0.0f32), 0.5);
    /// assert!((Sigmoid.scalar(2.0f64) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-15);
    /// ```
    Sigmoid, "sigmoid", |x| sigmoid(x), |x, y| y * (E::ONE - y));
elementwise_activation!(
    /// Hyperbolic tangent.
    ///
    /// ```
    /// use corten::activation::*;
    /// assert!((Tanh.scalar(0.5f64) - 0.5f64.tanh()).abs() < 1e-15);
    /// ```
    Tanh, "tanh", |x| x.tanh(), |x, y| E::ONE - y * y);
elementwise_activation!(
/// `scale · elu(x, alpha)` with Keras's constants.
///
/// ```
/// use corten::activation::*;
/// // scale · x above 0, scale · alpha · (exp(x) − 1) below.
/// assert!((Selu.scalar(1.0f64) - 1.050_700_987_355_480_5).abs() < 1e-12);
/// assert!((Selu.scalar(-1.0f64) - 1.050_700_987_355_480_5 * 1.673_263_242_354_377_3 * ((-1.0f64).exp() - 1.0)).abs() < 1e-12);
/// ```
Selu, "selu", |x| {
    let alpha = c::<E>(1.673_263_242_354_377_3);
    let scale = c::<E>(1.050_700_987_355_480_5);
    if x > E::ZERO { scale * x } else { scale * alpha * (x.exp() - E::ONE) }
}, |x, y| {
    let alpha = c::<E>(1.673_263_242_354_377_3);
    let scale = c::<E>(1.050_700_987_355_480_5);
    if x > E::ZERO { scale } else { scale * alpha * x.exp() }
});
elementwise_activation!(
/// `0.5 · x · (1 + erf(x / √2))`, Keras's default (`approximate=False`).
///
/// ```
/// use corten::activation::*;
/// // Φ(1) = 0.8413447460685429: the standard normal's distribution at 1.
/// assert!((Gelu.scalar(1.0f64) - 0.841_344_746_068_542_9).abs() < 1e-12);
/// ```
Gelu, "gelu", |x| c::<E>(0.5) * x * (E::ONE + (x * c::<E>(core::f64::consts::FRAC_1_SQRT_2)).erf()),
|x, y| {
    let cdf = c::<E>(0.5) * (E::ONE + (x * c::<E>(core::f64::consts::FRAC_1_SQRT_2)).erf());
    // φ(x) = exp(−x²/2) / √(2π)
    let pdf = (c::<E>(-0.5) * x * x).exp() * c::<E>(0.398_942_280_401_432_7);
    cdf + x * pdf
});
elementwise_activation!(
/// `x · sigmoid(x)` (also called swish).
///
/// ```
/// use corten::activation::*;
/// assert!((Silu.scalar(1.0f64) - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-15);
/// ```
Silu, "silu", |x| x * sigmoid(x), |x, y| {
    let s = sigmoid(x);
    s + x * s * (E::ONE - s)
});
elementwise_activation!(
    /// `log(1 + exp(x))`, computed without overflow.
    ///
    /// ```
    /// use corten::activation::*;
    /// assert!((Softplus.scalar(0.0f64) - 2.0f64.ln()).abs() < 1e-15);
    /// assert_eq!(Softplus.scalar(1000.0f32), 1000.0); // no overflow
    /// ```
    Softplus, "softplus", |x| x.max(E::ZERO) + (-x.abs()).exp().ln_1p(), |x, y| sigmoid(x));
elementwise_activation!(
/// `x / (1 + |x|)`.
///
/// ```
/// use corten::activation::*;
/// assert_eq!(Softsign.scalar(1.0f32), 0.5);
/// assert_eq!(Softsign.scalar(-3.0f32), -0.75);
/// ```
Softsign, "softsign", |x| x / (E::ONE + x.abs()), |x, y| {
    let d = E::ONE + x.abs();
    E::ONE / (d * d)
});
elementwise_activation!(
    /// `min(max(x, 0), 6)`; NaN stays NaN, as in Keras.
    ///
    /// ```
    /// use corten::activation::*;
    /// assert_eq!(Relu6.scalar(7.5f32), 6.0);
    /// assert_eq!(Relu6.scalar(-1.0f32), 0.0);
    /// ```
    Relu6, "relu6", |x| if x.is_nan() { x } else { x.max(E::ZERO).min(c(6.0)) },
    |x, y| if x > E::ZERO && x < c(6.0) { E::ONE } else { E::ZERO });
elementwise_activation!(
    /// Keras 3's `relu6(x + 3) / 6`: 0 below −3, 1 above 3, linear between.
    ///
    /// ```
    /// use corten::activation::*;
    /// assert_eq!(HardSigmoid.scalar(0.0f32), 0.5);
    /// assert_eq!(HardSigmoid.scalar(4.0f32), 1.0);
    /// assert_eq!(HardSigmoid.scalar(-4.0f32), 0.0);
    /// ```
    HardSigmoid, "hard_sigmoid", |x| (x + c(3.0)).max(E::ZERO).min(c(6.0)) / c(6.0),
    |x, y| if x > c(-3.0) && x < c(3.0) { c(1.0 / 6.0) } else { E::ZERO });
/// `x` for x ≥ 0, `negative_slope · x` below.
///
/// ```
/// use corten::activation::*;
/// assert_eq!(LeakyRelu::default().scalar(-1.0f32), -0.2); // Keras's slope 0.2
/// assert_eq!(LeakyRelu { negative_slope: 0.5 }.scalar(-4.0f32), -2.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// Slope for negative inputs; Keras's default is 0.2.
    pub negative_slope: f64,
}

impl Default for LeakyRelu {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Activation for LeakyRelu {
    const NAME: &'static str = "leaky_relu";
    const DEFAULT: Self = LeakyRelu {
        negative_slope: 0.2,
    };
    fn scalar<E: Element>(&self, x: E) -> E {
        if x >= E::ZERO {
            x
        } else {
            c::<E>(self.negative_slope) * x
        }
    }
    fn derivative<E: Element>(&self, x: E, _y: E) -> E {
        if x >= E::ZERO {
            E::ONE
        } else {
            c::<E>(self.negative_slope)
        }
    }
}

/// `x` for x > 0, `alpha · (exp(x) − 1)` below.
///
/// ```
/// use corten::activation::*;
/// assert!((Elu::default().scalar(-1.0f64) - ((-1.0f64).exp() - 1.0)).abs() < 1e-15);
/// assert_eq!(Elu { alpha: 2.0 }.scalar(3.0f32), 3.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu {
    /// Scale of the negative part; Keras's default is 1.
    pub alpha: f64,
}

impl Default for Elu {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Activation for Elu {
    const NAME: &'static str = "elu";
    const DEFAULT: Self = Elu { alpha: 1.0 };
    fn scalar<E: Element>(&self, x: E) -> E {
        if x > E::ZERO {
            x
        } else {
            c::<E>(self.alpha) * (x.exp() - E::ONE)
        }
    }
    fn derivative<E: Element>(&self, x: E, _y: E) -> E {
        if x > E::ZERO {
            E::ONE
        } else {
            c::<E>(self.alpha) * x.exp()
        }
    }
}

/// Alias: Keras calls [`Silu`] `"swish"` too.
pub type Swish = Silu;

/// `exp(x − max x) / Σ exp(x − max x)` over each sample's row: stable for any
/// finite input, never NaN or inf.
///
/// ```
/// use corten::activation::*;
/// let mut row = [1.0f32, 1.0, 1000.0];
/// Softmax.apply(&mut row);
/// assert_eq!(row, [0.0, 0.0, 1.0]); // no overflow
/// let mut row = [0.0f64, 2.0f64.ln()];
/// Softmax.apply(&mut row);
/// assert!((row[0] - 1.0 / 3.0).abs() < 1e-15 && (row[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softmax;

impl Activation for Softmax {
    const NAME: &'static str = "softmax";
    const DEFAULT: Self = Softmax;
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
    fn derivative<E: Element>(&self, _x: E, _y: E) -> E {
        E::ONE
    }
    /// `dx = y · (dy − Σ dy·y)`: the softmax's Jacobian applied to `dy`.
    fn backward<E: Element>(&self, _x: &[E], y: &[E], dy: &mut [E]) {
        let dot = dy.iter().zip(y).fold(E::ZERO, |s, (&d, &y)| s + d * y);
        for (d, &y) in dy.iter_mut().zip(y) {
            *d = y * (*d - dot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each activation's backward pass against central differences of its
    /// forward pass, in f64, at points away from kinks.
    fn check<A: Activation>(a: A) {
        let x: [f64; 9] = [-4.1, -2.5, -1.3, -0.7, -0.2, 0.3, 0.9, 2.2, 6.4];
        let mut y = x;
        a.apply(&mut y);
        // A loss that weighs each output differently: L = Σ wᵢ yᵢ.
        let w: [f64; 9] = [0.3, -1.2, 0.7, 2.0, -0.4, 1.1, -0.9, 0.5, 1.6];
        let mut dx = w;
        a.backward(&x, &y, &mut dx);
        let h = 1e-6;
        for i in 0..x.len() {
            let loss = |shift: f64| {
                let mut xs = x;
                xs[i] += shift;
                a.apply(&mut xs);
                xs.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>()
            };
            let numeric = (loss(h) - loss(-h)) / (2.0 * h);
            assert!(
                (numeric - dx[i]).abs() < 1e-6 * (1.0 + numeric.abs()),
                "{} at x = {}: analytic {} vs numeric {numeric}",
                A::NAME,
                x[i],
                dx[i]
            );
        }
    }

    #[test]
    fn every_backward_matches_finite_differences() {
        check(Linear);
        check(Relu);
        check(Sigmoid);
        check(Tanh);
        check(Softmax);
        check(LeakyRelu::default());
        check(Elu::default());
        check(Selu);
        check(Gelu);
        check(Silu);
        check(Softplus);
        check(Softsign);
        check(Relu6);
        check(HardSigmoid);
    }
}
