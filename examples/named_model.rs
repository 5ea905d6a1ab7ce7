//! A model whose type has a name: a struct field, a function's return type
//! and a `static`, all spelled with `model_type!`, the type-level mirror of
//! `sequential!`.
//!
//! Run with `cargo run --release --example named_model`.
use corten::model_type;
use corten::prelude::*;
use std::sync::LazyLock;

/// The classifier, its type written once (no weights given: Keras's
/// initializers, drawn from seed 0).
type Classifier = model_type![Input<4>, Dense<8, Relu>, Dense<3, Softmax>];

/// The same model over weights in flash (`&'static` data): building it
/// allocates nothing.
type Flash = model_type![Input<3>, Dense<2> as (&'static [f32], &'static [f32])];

static KERNEL: [f32; 6] = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
static BIAS: [f32; 2] = [0.0, 0.5];

/// A function's return type.
fn classifier() -> Classifier {
    sequential![Input<4>, Dense<8, Relu>, Dense<3, Softmax>]
}

/// A `static`, built on first use (building runs trait code, which stable
/// Rust cannot run in a `const`).
static FLASH: LazyLock<Flash> = LazyLock::new(|| {
    let dense = Dense::<2>::from_data::<Const<3>, f32, _, _>(&KERNEL[..], &BIAS[..])
        .expect("the flash weights fit (3, 2) and (2,)");
    sequential![Input<3>, (dense)]
});

/// A struct field.
struct Service {
    model: Classifier,
}

fn main() -> Result<(), Error> {
    let service = Service {
        model: classifier(),
    };
    let p = service
        .model
        .predict(&Tensor::from_array([[0.5f32, -1.0, 2.0, 0.0]]))?;
    println!("classifier {} -> {p}", service.model.output_shape());
    let y = FLASH.predict(&Tensor::from_array([[1.0f32, 2.0, 3.0]]))?;
    println!("flash model -> {y}");
    assert_eq!(y.as_slice(), &[4.0, 5.5]);
    Ok(())
}
