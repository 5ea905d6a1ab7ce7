//! Trains the digits CNN on the host and writes what the firmware image
//! `firmware/images/src/bin/digits.rs` runs: the trained weights as `static`
//! arrays (`corten-weights`'s output, `SafeTensorsView::rust_statics`), ten
//! test digits and the host's predictions for them, which the image checks
//! its own against.
//!
//! `cargo run --release --example firmware_digits` (rewrites
//! `firmware/images/src/digits/weights.rs` and `samples.rs`).

use corten::datasets::load_digits;
use corten::loss::SparseCategoricalCrossentropy;
use corten::metric::Accuracy;
use corten::model::{FitOptions, SafeTensorsView, Verbosity};
use corten::optimizer::Adam;
use corten::prelude::*;
use corten::sequential;
use std::fmt::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ((x_train, y_train), (x_test, y_test)) = load_digits()?.split()?;
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
    cnn.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let options = FitOptions {
        batch_size: 32,
        epochs: 30,
        verbose: Verbosity::Silent,
        ..Default::default()
    };
    cnn.fit(&x_train, &y_train, options)?;
    let accuracy = cnn
        .evaluate(&x_test, &y_test)?
        .get("accuracy")
        .unwrap_or(f64::NAN);
    println!("test accuracy {accuracy:.4}");

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/firmware/images/src/digits");
    std::fs::create_dir_all(dir)?;
    let bytes = cnn.weights_to_bytes()?;
    let statics = SafeTensorsView::new(&bytes)?.rust_statics()?;
    let header = format!(
        "// The digits CNN trained by `cargo run --release --example firmware_digits`\n\
         // (test accuracy {accuracy:.4}), written by `SafeTensorsView::rust_statics`.\n\n"
    );
    std::fs::write(format!("{dir}/weights.rs"), header + &statics)?;

    // Ten test digits and what the host predicts for them.
    let count = 10;
    let x = &x_test.as_slice()[..count * 64];
    let ten = Tensor::from_vec((Dyn(count), Const::<8>, Const::<8>, Const::<1>), x.to_vec())?;
    let host = cnn.predict(&ten)?;
    let labels = &y_test.as_slice()[..count];
    let mut rust = String::from(
        "// Ten test digits (8×8×1, the first of the test split), their labels and the\n\
         // host's predictions, written by `cargo run --release --example firmware_digits`.\n\n",
    );
    let rows = |values: &[f32], width: usize| -> String {
        values
            .chunks(width)
            .map(|row| {
                let row: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
                format!("    [{}],\n", row.join(", "))
            })
            .collect()
    };
    writeln!(
        rust,
        "/// The digits, each 64 pixels row by row (one channel)."
    )?;
    writeln!(
        rust,
        "#[rustfmt::skip]\npub static DIGITS: [[f32; 64]; {count}] = [\n{}];",
        rows(x, 64)
    )?;
    let labels: Vec<String> = labels.iter().map(|&l| (l as usize).to_string()).collect();
    writeln!(
        rust,
        "/// Their labels.\npub static LABELS: [usize; {count}] = [{}];",
        labels.join(", ")
    )?;
    writeln!(rust, "/// The host's predictions (softmax probabilities).")?;
    writeln!(
        rust,
        "#[rustfmt::skip]\npub static HOST: [[f32; 10]; {count}] = [\n{}];",
        rows(host.as_slice(), 10)
    )?;
    std::fs::write(format!("{dir}/samples.rs"), rust)?;
    Ok(())
}
