//! A stateless layer spec (pooling, flatten) once it knows its input shape.

use super::LayerName;
use core::marker::PhantomData;

/// A stateless layer `L` built for samples of shape `In`, with its name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shaped<L, In> {
    /// The layer's parameters.
    pub layer: L,
    /// Its name in the model.
    pub name: LayerName,
    input: PhantomData<In>,
}

impl<L, In> Shaped<L, In> {
    /// `layer` over inputs of shape `In`, named `name`.
    pub fn new(layer: L, name: LayerName) -> Self {
        Shaped {
            layer,
            name,
            input: PhantomData,
        }
    }
}
