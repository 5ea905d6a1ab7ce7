//! The seed example: Keras's
//! `Dense(5, activation='linear', weights=(W, b))` on `Input(shape=(2,))`.
//!
//! Run with `cargo run --release --example seed`.
use corten::prelude::*;
use corten::{sequential, Tensor};

fn main() -> Result<(), corten::Error> {
    let w = [[1.0f32, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]];
    let b = [0.0f32; 5];
    let model = sequential![Input<2>, Dense::<5, Linear>::from_weights(w, b)];

    println!("Input shape {}", model.input_shape());
    println!("Output shape {}", model.output_shape());
    let y = model.predict(&Tensor::from_array([[1.0f32, 2.0]]))?;
    println!("Output: {y}");
    println!();
    print!("{}", model.summary());
    Ok(())
}
