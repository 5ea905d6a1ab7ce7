//! Where a layer's weight tensors live: none (`()`), a tuple of any
//! [`Data`] storage (arrays inline, `Vec`s, `&'static` slices in flash), or
//! the vectors a model draws them into ([`Drawn`]).

use super::build::BuildContext;
use super::kind::WeightShapes;
use crate::tensor::Data;
use crate::Element;

/// A layer's weight tensors, by index in
/// [`LayerKind::WEIGHTS`](super::LayerKind::WEIGHTS)'s order.
pub trait Weights<E: Element> {
    /// Tensor `index`, row-major (empty past the last).
    fn at(&self, index: usize) -> &[E];

    /// Tensor `index`, writable, when the storage allows it (`None` for
    /// borrowed `&[E]`, and past the last).
    fn writable(&mut self, index: usize) -> Option<&mut [E]>;

    /// Calls `visit` with each tensor's index and its writable values (as
    /// [`Weights::writable`]), all borrowed at once.
    fn visit_writable<'a>(&'a mut self, visit: &mut dyn FnMut(usize, Option<&'a mut [E]>));
}

impl<E: Element> Weights<E> for () {
    fn at(&self, _index: usize) -> &[E] {
        &[]
    }
    fn writable(&mut self, _index: usize) -> Option<&mut [E]> {
        None
    }
    fn visit_writable<'a>(&'a mut self, _visit: &mut dyn FnMut(usize, Option<&'a mut [E]>)) {}
}

macro_rules! tuple_weights {
    ($($t:ident $i:tt),+) => {
        impl<E: Element, $($t: Data<E>),+> Weights<E> for ($($t,)+) {
            fn at(&self, index: usize) -> &[E] {
                match index {
                    $($i => self.$i.as_slice(),)+
                    _ => &[],
                }
            }
            fn writable(&mut self, index: usize) -> Option<&mut [E]> {
                match index {
                    $($i => self.$i.writable(),)+
                    _ => None,
                }
            }
            fn visit_writable<'a>(&'a mut self, visit: &mut dyn FnMut(usize, Option<&'a mut [E]>)) {
                $(visit($i, self.$i.writable());)+
            }
        }
    };
}

tuple_weights!(A 0);
tuple_weights!(A 0, B 1);
tuple_weights!(A 0, B 1, C 2);
tuple_weights!(A 0, B 1, C 2, D 3);

/// The storage a model fills with a spec's weights when it builds it: one
/// vector per tensor.
#[cfg(feature = "alloc")]
pub type Drawn<E> = alloc::vec::Vec<alloc::vec::Vec<E>>;

/// Without `alloc` there is no storage a model can fill: every spec with
/// weights needs them given (`from_weights`, `from_data`).
#[cfg(not(feature = "alloc"))]
pub type Drawn<E> = NeedsStd<E>;

/// The storage of a spec whose initializers draw random numbers (Dense's
/// glorot_uniform kernel): [`Drawn`] with `std`. Without `std` there is no
/// random generator, and a spec with such weights needs them given
/// (`from_weights`, `from_data`).
#[cfg(feature = "std")]
pub type Random<E> = Drawn<E>;

/// Without `std` there is no random generator: a spec whose weights are
/// drawn at random needs them given (`from_weights`, `from_data`).
#[cfg(not(feature = "std"))]
pub type Random<E> = NeedsStd<E>;

/// What a spec with random initial weights builds into without `std`:
/// nothing a model can fill (it is not [`Draw`]), so the model does not
/// compile.
#[cfg(not(feature = "std"))]
#[derive(Clone, Copy, Debug)]
pub struct NeedsStd<E>(core::marker::PhantomData<E>);

/// Never made (it is not [`Draw`]): storage only so that a model with a
/// spec that needs `std` fails with that one error, not a second one
/// about its weights.
#[cfg(not(feature = "std"))]
impl<E: Element> Weights<E> for NeedsStd<E> {
    fn at(&self, _index: usize) -> &[E] {
        &[]
    }
    fn writable(&mut self, _index: usize) -> Option<&mut [E]> {
        None
    }
    fn visit_writable<'a>(&'a mut self, _visit: &mut dyn FnMut(usize, Option<&'a mut [E]>)) {}
}

#[cfg(feature = "alloc")]
impl<E: Element> Weights<E> for Drawn<E> {
    fn at(&self, index: usize) -> &[E] {
        self.get(index).map_or(&[], |v| v.as_slice())
    }
    fn writable(&mut self, index: usize) -> Option<&mut [E]> {
        self.get_mut(index).map(|v| v.as_mut_slice())
    }
    fn visit_writable<'a>(&'a mut self, visit: &mut dyn FnMut(usize, Option<&'a mut [E]>)) {
        for (i, v) in self.iter_mut().enumerate() {
            visit(i, Some(v.as_mut_slice()));
        }
    }
}

/// Weight storage a model can fill when it builds a spec.
#[diagnostic::on_unimplemented(
    message = "drawing random initial weights needs corten's `std` feature",
    label = "without `std`, give this layer its weights (`from_weights`, `from_data`)"
)]
pub trait Draw<E: Element>: Weights<E> + Sized {
    /// Weights for `kind` over inputs `In`, each tensor drawn with its
    /// initializer from `ctx`'s generator.
    fn draw<K: WeightShapes<In>, In>(kind: &K, ctx: &mut BuildContext) -> Self;
}

impl<E: Element> Draw<E> for () {
    fn draw<K: WeightShapes<In>, In>(_kind: &K, _ctx: &mut BuildContext) -> Self {}
}

/// With `std`, every initializer; with `alloc` alone, the constant ones
/// (the only ones of the layers whose storage is [`Drawn`] without `std`:
/// the normalizations' ones and zeros).
#[cfg(feature = "alloc")]
impl<E: Element> Draw<E> for Drawn<E> {
    fn draw<K: WeightShapes<In>, In>(kind: &K, ctx: &mut BuildContext) -> Self {
        (0..kind.weights().len())
            .map(|i| {
                let shape = K::weight_shape(i);
                let cols = shape.last().copied().unwrap_or(1);
                let rows: usize = shape[..shape.len().saturating_sub(1)].iter().product();
                #[cfg(feature = "std")]
                let mut values = kind
                    .initializer(i)
                    .fill(ctx.rng(), fans(&shape), rows, cols);
                #[cfg(not(feature = "std"))]
                let mut values = {
                    let _ = ctx;
                    let value = kind.initializer(i).constant().unwrap_or(0.0);
                    alloc::vec![E::from_f64(value); rows * cols]
                };
                kind.adjust_initial(i, &mut values);
                values
            })
            .collect()
    }
}

/// Keras's fans of a weight of this shape (`compute_fans`): a vector's
/// length both ways; a matrix's rows in and columns out; for a convolution
/// kernel `(…window, in, out)`, `in` and `out` times the window's size.
#[cfg(feature = "std")]
pub(crate) fn fans(shape: &[usize]) -> (usize, usize) {
    match *shape {
        [] => (1, 1),
        [n] => (n, n),
        [rows, cols] => (rows, cols),
        [ref window @ .., fan_in, fan_out] => {
            let receptive: usize = window.iter().product();
            (fan_in * receptive, fan_out * receptive)
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn fans_follow_keras_compute_fans() {
        assert_eq!(fans(&[7]), (7, 7));
        assert_eq!(fans(&[3, 5]), (3, 5));
        // Conv2D kernel (3, 3, 4, 8): receptive field 9.
        assert_eq!(fans(&[3, 3, 4, 8]), (36, 72));
        // Conv1D kernel (5, 2, 6).
        assert_eq!(fans(&[5, 2, 6]), (10, 30));
    }

    #[test]
    fn tuples_index_their_tensors_in_order() {
        let mut w = ([1.0f32, 2.0], &[3.0f32][..]);
        assert_eq!(w.at(0), &[1.0, 2.0]);
        assert_eq!(w.at(1), &[3.0]);
        assert!(w.at(2).is_empty());
        assert!(w.writable(0).is_some());
        assert!(w.writable(1).is_none(), "borrowed storage is read-only");
        let mut seen = alloc::vec::Vec::new();
        w.visit_writable(&mut |i, v| seen.push((i, v.is_some())));
        assert_eq!(seen, [(0, true), (1, false)]);
    }
}
