//! A functional model with two inputs, a skip connection and two outputs,
//! trained with `fit`: each digit image arrives as two halves (as from two
//! sensors), and the model tells both the digit and how much ink the image
//! holds.
//!
//! `cargo run --release --example functional`

use corten::datasets::{load_digits, DigitImages};
use corten::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use corten::metric::{Accuracy, Mae};
use corten::model::{FitOptions, Graph, Objective, Verbosity};
use corten::prelude::*;
use corten::Dyn;

/// The top and bottom halves of each image (32 pixels each), and its ink:
/// the mean of its pixels.
type Halves = (
    Tensor<(Dyn, Const<32>)>,
    Tensor<(Dyn, Const<32>)>,
    Tensor<(Dyn, Const<1>)>,
);

fn halves(images: &DigitImages) -> Result<Halves, Error> {
    let n = images.sizes()[0];
    let (mut top, mut bottom, mut ink) = (Vec::new(), Vec::new(), Vec::new());
    for image in images.as_slice().chunks_exact(64) {
        top.extend_from_slice(&image[..32]);
        bottom.extend_from_slice(&image[32..]);
        ink.push(image.iter().sum::<f32>() / 64.0);
    }
    Ok((
        Tensor::from_slice((Dyn(n), Const::<32>), &top)?,
        Tensor::from_slice((Dyn(n), Const::<32>), &bottom)?,
        Tensor::from_slice((Dyn(n), Const::<1>), &ink)?,
    ))
}

fn main() -> Result<(), Error> {
    let ((x_train, y_train), (x_test, y_test)) = load_digits()?.split()?;
    let (top, bottom, ink) = halves(&x_train)?;
    let (test_top, test_bottom, test_ink) = halves(&x_test)?;

    // Keras:
    //   top = Input((32,), name="top"); bottom = Input((32,), name="bottom")
    //   joined = Concatenate()([Dense(32, "relu")(top), Dense(32, "relu")(bottom)])
    //   h = Dense(64)(Dense(64, "relu")(joined)); s = Add()([joined, h])
    //   digit = Dense(10, "softmax", name="digit")(s); ink = Dense(1, name="ink")(s)
    let mut g = Graph::<f32>::with_seed(7);
    let top_in = g.input_named::<(Const<32>,)>("top");
    let bottom_in = g.input_named::<(Const<32>,)>("bottom");
    let t = g.add(Dense::<32, Relu>::new(), top_in);
    let b = g.add(Dense::<32, Relu>::new(), bottom_in);
    let joined = g.add(Concatenate::new(), (t, b)); // (None, 64)
    let h = g.add(Dense::<64, Relu>::new(), joined);
    let h = g.add(Dense::<64>::new(), h);
    let skip = g.add(Add, (joined, h)); // the skip connection
    let digit = g.add(Dense::<10, Softmax>::new().named("digit"), skip);
    let ink_out = g.add(Dense::<1>::new().named("ink"), skip);
    let mut model = g.build((top_in, bottom_in), (digit, ink_out))?;
    println!("{}", model.summary());

    model.compile(
        Adam::default(),
        (
            Objective::new(SparseCategoricalCrossentropy::default()).metrics([Accuracy]),
            Objective::new(MeanSquaredError).weight(0.5).metrics([Mae]),
        ),
    );
    let options = FitOptions {
        epochs: 20,
        validation_split: 0.1,
        verbose: Verbosity::OneLinePerEpoch,
        ..Default::default()
    };
    let history = model.fit((&top, &bottom), (&y_train, &ink), options)?;
    let last = history.epochs.last().expect("20 epochs ran");
    println!("last epoch:{last}");

    let scores = model.evaluate((&test_top, &test_bottom), (&y_test, &test_ink))?;
    let score = |name: &str| scores.get(name).unwrap_or(f64::NAN);
    println!(
        "test: digit accuracy {:.4}, ink mean absolute error {:.4}",
        score("digit_accuracy"),
        score("ink_mean_absolute_error")
    );
    Ok(())
}
