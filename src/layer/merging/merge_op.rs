//! What every merge layer is: a shape rule over several inputs
//! ([`MergeShapes`], checked by the compiler) and its math over row-major
//! slices ([`MergeOp`]).

use crate::shape::{Features, Sizes};
use crate::Element;

/// The shape rule of a merge layer: the output shape of `Self` merging
/// inputs of the shapes in the tuple `Ins` (`((Const<8>,), (Const<8>,))`).
/// Implemented only where the shapes fit, so a merge of shapes that do not
/// is a compile error naming them.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` cannot merge inputs of shapes `{Ins}`",
    label = "these inputs do not fit this merge layer",
    note = "Add, Subtract, Multiply, Average, Maximum and Minimum take inputs of one shape; Concatenate's inputs agree on every axis but the one it joins; Dot's agree on the axes it multiplies along; masked sequences do not merge yet"
)]
pub trait MergeShapes<Ins> {
    /// The shape of one output sample.
    type Output: Features;
}

/// A merge layer's math over the `batch` samples of each input: `xs[i]`
/// holds input `i`, whose sample shape is `shapes[i]`; `y` the output.
/// Every slice has the length its shape times `batch` gives (callers
/// guarantee it; the shapes were checked by [`MergeShapes`]).
pub trait MergeOp: Clone + core::fmt::Debug + 'static {
    /// Keras's class name (`Add`).
    const KERAS_NAME: &'static str;
    /// Keras's base for layer names (`add`, then `add_1`, …).
    const BASE_NAME: &'static str;

    /// The layer's name: the next automatic one (`add`, `add_1`, …).
    fn name(&self, ctx: &mut crate::layer::BuildContext) -> crate::layer::LayerName {
        ctx.name(Self::BASE_NAME)
    }

    /// How a summary shows the output of `inputs` inputs of shape `each`
    /// merged into shape `merged`: its output shape, and how many more
    /// outputs of which shape follow it (none: the merge has one output).
    fn summary_outputs(&self, merged: Sizes, _each: Sizes) -> (Sizes, (usize, Sizes)) {
        (merged, (0, merged))
    }

    /// Computes `y` from the inputs.
    fn forward<E: Element>(&self, shapes: &[Sizes], xs: &[&[E]], y: &mut [E], batch: usize);

    /// The gradient of each input into `dxs[i]` (overwritten), given the
    /// gradient `dy` of the output `y` the forward pass computed.
    fn backward<E: Element>(
        &self,
        shapes: &[Sizes],
        xs: &[&[E]],
        y: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        batch: usize,
    );
}

/// Implements [`MergeShapes`] for merges of 2 to 4 inputs of one shape
/// (`Add`, `Multiply`, …); the output has that shape.
macro_rules! same_shape_merge {
    ($op:ty) => {
        #[diagnostic::do_not_recommend]
        impl<A: $crate::shape::Unmasked> $crate::layer::merging::MergeShapes<(A, A)> for $op {
            type Output = A;
        }
        #[diagnostic::do_not_recommend]
        impl<A: $crate::shape::Unmasked> $crate::layer::merging::MergeShapes<(A, A, A)> for $op {
            type Output = A;
        }
        #[diagnostic::do_not_recommend]
        impl<A: $crate::shape::Unmasked> $crate::layer::merging::MergeShapes<(A, A, A, A)> for $op {
            type Output = A;
        }
    };
}
pub(crate) use same_shape_merge;

/// `y = x₀ ∘ x₁ ∘ …`, element by element, for inputs of one shape.
pub(crate) fn fold_elementwise<E: Element>(xs: &[&[E]], y: &mut [E], op: impl Fn(E, E) -> E) {
    let (first, rest) = xs.split_first().expect("a merge has inputs");
    y.copy_from_slice(first);
    for x in rest {
        for (y, &x) in y.iter_mut().zip(x.iter()) {
            *y = op(*y, x);
        }
    }
}

/// The gradient of `Maximum`/`Minimum`: each output element's gradient goes
/// to the first input that holds the value the output took (the first of
/// tied inputs; TensorFlow does the same for two), zeros to the others.
pub(crate) fn route_to_extreme<E: Element>(xs: &[&[E]], y: &[E], dy: &[E], dxs: &mut [&mut [E]]) {
    for dx in dxs.iter_mut() {
        dx.fill(E::ZERO);
    }
    for (j, (&y, &dy)) in y.iter().zip(dy).enumerate() {
        // NaN propagates through max/min: its gradient goes to the input that was NaN.
        let winner = xs
            .iter()
            .position(|x| x[j] == y || (y.is_nan() && x[j].is_nan()))
            .unwrap_or(0);
        dxs[winner][j] = dy;
    }
}

#[cfg(all(test, feature = "std"))]
pub(crate) mod check {
    //! A finite-difference check of a merge layer's backward pass, in f64.
    use super::MergeOp;
    use crate::shape::Sizes;
    use alloc::vec;
    use alloc::vec::Vec;
    use rand::Rng;

    fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = crate::random::Rng::seed_from(seed);
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// Runs `op` on the inputs `xs` (of `shapes`), returning `y` (of `out`).
    pub(crate) fn forward<M: MergeOp>(
        op: &M,
        shapes: &[Sizes],
        out: Sizes,
        xs: &[Vec<f64>],
        batch: usize,
    ) -> Vec<f64> {
        let views: Vec<&[f64]> = xs.iter().map(|x| &x[..]).collect();
        let mut y = vec![f64::NAN; batch * out.numel()];
        op.forward(shapes, &views, &mut y, batch);
        y
    }

    /// Checks every input gradient of `op` against central differences of
    /// `L = Σ r·y` over a random batch of inputs of `shapes`.
    pub(crate) fn gradients<M: MergeOp>(op: &M, shapes: &[Sizes], out: Sizes, batch: usize) {
        let xs: Vec<Vec<f64>> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| random(batch * s.numel(), 10 + i as u64))
            .collect();
        let r = random(batch * out.numel(), 2);
        let loss = |xs: &[Vec<f64>]| -> f64 {
            let y = forward(op, shapes, out, xs, batch);
            y.iter().zip(&r).map(|(y, r)| y * r).sum()
        };
        let y = forward(op, shapes, out, &xs, batch);
        let mut dxs: Vec<Vec<f64>> = xs.iter().map(|x| vec![f64::NAN; x.len()]).collect();
        {
            let views: Vec<&[f64]> = xs.iter().map(|x| &x[..]).collect();
            let mut grads: Vec<&mut [f64]> = dxs.iter_mut().map(|d| &mut d[..]).collect();
            op.backward(shapes, &views, &y, &r, &mut grads, batch);
        }
        let h = 1e-6;
        for (i, x) in xs.iter().enumerate() {
            let step = if cfg!(miri) { (x.len() / 4).max(1) } else { 1 };
            for j in (0..x.len()).step_by(step) {
                let mut plus = xs.clone();
                plus[i][j] += h;
                let mut minus = xs.clone();
                minus[i][j] -= h;
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
                let analytic = dxs[i][j];
                assert!(
                    (analytic - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                    "{}: d input {i}[{j}]: analytic {analytic} vs numeric {numeric}",
                    M::KERAS_NAME
                );
            }
        }
    }
}
