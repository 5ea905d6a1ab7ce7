//! A recurrent model reads each handwritten digit row by row: 8 timesteps
//! of 8 pixels, a GRU returning every step into an LSTM, then a softmax.
//! Prints the test accuracy.
//!
//! `cargo run --release --example sequences`

use corten::datasets::load_digits;
use corten::loss::SparseCategoricalCrossentropy;
use corten::metric::Accuracy;
use corten::model::{FitOptions, Verbosity};
use corten::prelude::*;
use corten::{Const, Dyn};

fn main() -> Result<(), Error> {
    let ((x_train, y_train), (x_test, y_test)) = load_digits()?.split()?;
    // (samples, 8, 8, 1) images as (samples, 8 rows, 8 pixels) sequences.
    let rows = |images: &corten::datasets::DigitImages| {
        let n = images.sizes()[0];
        Tensor::from_slice((Dyn(n), Const::<8>, Const::<8>), images.as_slice())
    };
    let (x_train, x_test) = (rows(&x_train)?, rows(&x_test)?);

    // Keras: Sequential([Input((8, 8)), GRU(32, return_sequences=True),
    //                    LSTM(32), Dense(10, activation="softmax")])
    let mut model = sequential![
        Input<8, 8>,
        Gru<32>.return_sequences(),
        Lstm<32>,
        Dense<10, Softmax>,
    ];
    println!("{}", model.summary());
    model.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let options = FitOptions {
        epochs: 25,
        validation_split: 0.1,
        verbose: Verbosity::OneLinePerEpoch,
        ..Default::default()
    };
    model.fit(&x_train, &y_train, options)?;
    let scores = model.evaluate(&x_test, &y_test)?;
    println!(
        "test accuracy: {:.4}",
        scores.get("accuracy").unwrap_or(f64::NAN)
    );
    Ok(())
}
