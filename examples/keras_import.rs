//! A model trained in Keras, predicting in Rust: the digits CNN that
//! `tools/make_fixtures.py` (`keras_digits()`) trained with Keras and saved
//! with `model.save("digits_cnn.keras")`, loaded into the same architecture
//! written in corten, checked against Keras's own predictions on the
//! held-out digits (saved beside it with `np.save`).
//!
//! `cargo run --release --example keras_import`

use corten::datasets::load_digits;
use corten::layer::{Activation, BatchNormalization};
use corten::prelude::*;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/keras");

    // keras.Sequential([keras.Input((8, 8, 1)),
    //     Conv2D(8, 3, padding="same", activation="relu"), MaxPooling2D(2),
    //     Conv2D(16, 3, padding="same", use_bias=False), BatchNormalization(scale=False),
    //     Activation("relu"), MaxPooling2D(2), Flatten(), Dense(10, activation="softmax")])
    let mut model = sequential![
        Input<8, 8, 1>,
        Conv2D<8, 3, Relu, Same>,
        MaxPooling2D<2>,
        Conv2D<16, 3, Linear, Same>.without_bias(),
        BatchNormalization.without_scale(),
        (Activation(Relu)),
        MaxPooling2D<2>,
        Flatten,
        Dense<10, Softmax>,
    ];
    model.load_keras_weights(folder.join("digits_cnn.keras"))?;
    print!("{}", model.summary());

    let (_, (x_test, y_test)) = load_digits()?.split()?;
    let predictions = model.predict(&x_test)?;
    let keras = Tensor::<(Dyn, Const<10>)>::read_npy(folder.join("digits_cnn_predictions.npy"))?;
    let largest_difference = predictions
        .as_slice()
        .iter()
        .zip(keras.as_slice())
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    let correct = predictions
        .as_slice()
        .chunks_exact(10)
        .zip(y_test.as_slice())
        .filter(|(p, &label)| {
            let best = (0..10).max_by(|&i, &j| p[i].total_cmp(&p[j])).unwrap_or(0);
            best as f32 == label
        })
        .count();
    let samples = y_test.as_slice().len();
    println!(
        "test accuracy {:.4} ({correct} of {samples} digits); largest difference from Keras's predictions {largest_difference:.1e}",
        correct as f64 / samples as f64
    );
    if largest_difference > 1e-5 {
        return Err(
            format!("corten's predictions differ from Keras's by {largest_difference}").into(),
        );
    }
    Ok(())
}
