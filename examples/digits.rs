//! Trains a small CNN and an MLP on the handwritten digits shipped with
//! corten (8×8 images, 1797 samples, every fifth one held out for testing),
//! with Keras's progress line, and reports their test accuracy.
//!
//! `cargo run --release --example digits`

use corten::datasets::load_digits;
use corten::loss::SparseCategoricalCrossentropy;
use corten::metric::Accuracy;
use corten::model::FitOptions;
use corten::optimizer::Adam;
use corten::prelude::*;
use corten::sequential;
use std::time::Instant;

fn main() -> Result<(), corten::Error> {
    let ((x_train, y_train), (x_test, y_test)) = load_digits()?.split()?;
    let samples = y_train.as_slice().len();
    let epochs = 30;
    let options = || FitOptions {
        batch_size: 32,
        epochs,
        validation_split: 0.1,
        ..Default::default()
    };
    // Samples trained on per second, over all epochs (90 % of the training
    // set: the rest validates).
    let rate = |seconds: f64| (samples as f64 * 0.9).floor() * epochs as f64 / seconds;

    println!("MLP: 64 → 64 → 10");
    let mut mlp = sequential![Input<8, 8, 1>, Flatten, Dense<64, Relu>, Dense<10, Softmax>];
    mlp.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let start = Instant::now();
    mlp.fit(&x_train, &y_train, options())?;
    let mlp_rate = rate(start.elapsed().as_secs_f64());
    let mlp_scores = mlp.evaluate(&x_test, &y_test)?;

    println!("CNN: conv 16 → pool → conv 32 → pool → dense 64 → 10");
    let mut cnn = sequential![
        Input<8, 8, 1>,
        Conv2D<16, 3, Relu, Same>,
        MaxPooling2D<2>,
        Conv2D<32, 3, Relu, Same>,
        MaxPooling2D<2>,
        Flatten,
        Dense<64, Relu>,
        Dense<10, Softmax>,
    ];
    println!("{}", cnn.summary());
    cnn.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let start = Instant::now();
    cnn.fit(&x_train, &y_train, options())?;
    let cnn_rate = rate(start.elapsed().as_secs_f64());
    let cnn_scores = cnn.evaluate(&x_test, &y_test)?;

    let accuracy = |logs: &corten::model::Logs| logs.get("accuracy").unwrap_or(f64::NAN);
    println!(
        "MLP: {mlp_rate:.0} samples/s training, test accuracy {:.4}",
        accuracy(&mlp_scores)
    );
    println!(
        "CNN: {cnn_rate:.0} samples/s training, test accuracy {:.4}",
        accuracy(&cnn_scores)
    );
    println!("test accuracy: {:.4}", accuracy(&cnn_scores));
    Ok(())
}
