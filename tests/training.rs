//! `fit` and `evaluate` as a Keras user expects them: errors before
//! training on bad data, NaN losses stopping training, callbacks,
//! validation, reproducible shuffling.

use corten::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use corten::metric::{Accuracy, Mae};
use corten::model::{
    Callback, Control, Dataset, EarlyStopping, FitOptions, Logs, ModelWeights, Verbosity,
};
use corten::optimizer::{Adam, Sgd};
use corten::prelude::*;
use corten::{sequential, Const, Dyn, Error, Tensor};
use std::cell::RefCell;
use std::rc::Rc;

type Samples = Tensor<(Dyn, Const<2>), f32>;
type Labels = Tensor<(Dyn,), f32>;

/// `n` points of two classes split by x0 + x1 > 0.
fn blobs(n: usize) -> (Samples, Labels) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let a = (i as f32 * 0.37).sin() * 2.0;
        let b = (i as f32 * 0.91).cos() * 2.0;
        x.extend([a, b]);
        y.push(if a + b > 0.0 { 1.0 } else { 0.0 });
    }
    (
        Tensor::from_sizes(&[n, 2], x).unwrap(),
        Tensor::from_sizes(&[n], y).unwrap(),
    )
}

fn quiet<'a, E>() -> FitOptions<'a, E> {
    FitOptions {
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

fn classifier() -> corten::model::Sequential<
    (Const<2>,),
    impl corten::layer::Layer<f32, Input = (Const<2>,), Output = (Const<2>,)>,
> {
    let mut model = sequential![Input<2>, Dense<8, Tanh>, Dense<2, Softmax>];
    model.compile(
        Adam {
            learning_rate: 0.05,
            ..Default::default()
        },
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    model
}

#[test]
fn a_classifier_learns_and_evaluate_reports_its_metrics() {
    let (x, y) = blobs(200);
    let mut model = classifier();
    let history = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 20,
                ..quiet()
            },
        )
        .unwrap();
    let losses = history.get("loss");
    assert_eq!(losses.len(), 20);
    assert!(losses[19] < losses[0] / 3.0, "{losses:?}");
    let scores = model.evaluate(&x, &y).unwrap();
    assert!(scores.get("accuracy").unwrap() > 0.95, "{scores:?}");
    assert!(scores.get("loss").unwrap() < 0.2);
}

#[test]
fn bad_data_is_an_error_before_training() {
    let (x, y) = blobs(10);
    let mut model = classifier();
    let before = model.get_weights();

    let short: Labels = Tensor::from_sizes(&[9], vec![0.0; 9]).unwrap();
    let err = model.fit(&x, &short, quiet()).unwrap_err();
    assert_eq!(
        err,
        Error::BatchMismatch {
            expected: 10,
            got: 9
        }
    );

    let mut out_of_range = y.as_slice().to_vec();
    out_of_range[3] = 2.0;
    let labels: Labels = Tensor::from_sizes(&[10], out_of_range).unwrap();
    let err = model.fit(&x, &labels, quiet()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "label out of range: label 3 is 2, but class labels must be whole numbers in 0..2"
    );

    let mut with_nan = x.as_slice().to_vec();
    with_nan[5] = f32::NAN;
    let samples: Samples = Tensor::from_sizes(&[10, 2], with_nan).unwrap();
    let err = model.fit(&samples, &y, quiet()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "training data: element 5 is NaN or infinite"
    );

    let empty_x: Samples = Tensor::from_sizes(&[0, 2], vec![]).unwrap();
    let empty_y: Labels = Tensor::from_sizes(&[0], vec![]).unwrap();
    let err = model.fit(&empty_x, &empty_y, quiet()).unwrap_err();
    assert_eq!(err.to_string(), "training data holds no samples");

    // One-hot labels given to a sparse loss: two values per sample.
    let one_hot: Tensor<(Dyn, Const<2>), f32> =
        Tensor::from_sizes(&[10, 2], vec![0.0; 20]).unwrap();
    let err = model.fit(&x, &one_hot, quiet()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "labels do not fit the samples: 10 samples need 10 label values (1 each) but 20 were given"
    );

    let err = model
        .fit(
            &x,
            &y,
            FitOptions {
                batch_size: 0,
                ..quiet()
            },
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "invalid option `batch_size`: at least 1");
    let err = model
        .fit(
            &x,
            &y,
            FitOptions {
                validation_split: 1.0,
                ..quiet()
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid option `validation_split`: in [0, 1)"
    );

    assert_eq!(model.get_weights(), before, "nothing was trained");
}

#[test]
fn fit_before_compile_and_read_only_weights_are_errors() {
    let (x, y) = blobs(4);
    let mut model = sequential![Input<2>, Dense<2, Softmax>];
    assert_eq!(model.fit(&x, &y, quiet()).unwrap_err(), Error::NotCompiled);
    assert_eq!(model.evaluate(&x, &y).unwrap_err(), Error::NotCompiled);

    static KERNEL: [f32; 4] = [1.0, 0.0, 0.0, 1.0];
    static BIAS: [f32; 2] = [0.0, 0.0];
    let flash = corten::layer::Dense::<2>::from_data::<Const<2>, f32, _, _>(&KERNEL[..], &BIAS[..])
        .unwrap();
    let mut model = sequential![Input<2>, (flash)];
    model.compile(Sgd::default(), MeanSquaredError, [Mae]);
    let targets: Tensor<(Dyn, Const<2>), f32> = Tensor::from_sizes(&[4, 2], vec![0.0; 8]).unwrap();
    let err = model.fit(&x, &targets, quiet()).unwrap_err();
    assert_eq!(err, Error::ReadOnlyWeight { name: "kernel" });
}

#[test]
fn a_loss_turning_nan_stops_training_naming_epoch_and_batch() {
    let (x, _) = blobs(64);
    let targets: Tensor<(Dyn, Const<1>), f32> =
        Tensor::from_sizes(&[64, 1], vec![1e30; 64]).unwrap();
    let mut model = sequential![Input<2>, Dense<1>];
    model.compile(
        Sgd {
            learning_rate: 10.0,
            ..Default::default()
        },
        MeanSquaredError,
        [Mae],
    );
    let err = model
        .fit(
            &x,
            &targets,
            FitOptions {
                epochs: 5,
                batch_size: 16,
                ..quiet()
            },
        )
        .unwrap_err();
    // (1e30)² overflows f32 at once.
    assert_eq!(err, Error::NonFiniteLoss { epoch: 1, batch: 1 });
    assert_eq!(
        err.to_string(),
        "the loss became NaN or infinite at epoch 1, batch 1; training stopped and the weights were put back as the last finite step left them"
    );
}

#[test]
fn shuffling_is_seeded_and_reproducible() {
    let (x, y) = blobs(50);
    let run = |seed: u64, shuffle: bool| {
        let mut model = classifier();
        let options = FitOptions {
            epochs: 3,
            batch_size: 8,
            seed,
            shuffle,
            ..quiet()
        };
        model.fit(&x, &y, options).unwrap();
        model.get_weights()
    };
    assert_eq!(run(1, true), run(1, true));
    assert_ne!(run(1, true), run(2, true));
    assert_eq!(
        run(1, false),
        run(2, false),
        "no shuffle: the seed does not matter"
    );
}

#[test]
fn validation_split_holds_out_the_last_samples_before_shuffling() {
    let (x, y) = blobs(40);
    // Validation by split ...
    let mut a = classifier();
    let split = a
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 2,
                validation_split: 0.25,
                ..quiet()
            },
        )
        .unwrap();
    // ... equals training on the first 30 with the last 10 as validation data.
    let first: Samples = Tensor::from_sizes(&[30, 2], x.as_slice()[..60].to_vec()).unwrap();
    let first_y: Labels = Tensor::from_sizes(&[30], y.as_slice()[..30].to_vec()).unwrap();
    let last: Samples = Tensor::from_sizes(&[10, 2], x.as_slice()[60..].to_vec()).unwrap();
    let last_y: Labels = Tensor::from_sizes(&[10], y.as_slice()[30..].to_vec()).unwrap();
    let mut b = classifier();
    let given = b
        .fit(
            &first,
            &first_y,
            FitOptions {
                epochs: 2,
                validation_data: Some(Dataset::new(&last, &last_y).unwrap()),
                ..quiet()
            },
        )
        .unwrap();
    assert_eq!(split, given);
    assert!(split.get("val_loss").len() == 2 && split.get("val_accuracy").len() == 2);
    assert_eq!(
        a.evaluate(&last, &last_y).unwrap().get("loss"),
        split.epochs[1].get("val_loss")
    );
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let (x, y) = blobs(60);
    let mut model = classifier();
    // A user callback that records each epoch's validation loss and sees
    // the model's weights.
    #[derive(Default)]
    struct Record(Rc<RefCell<Vec<f64>>>);
    impl Callback for Record {
        fn on_epoch_end(&mut self, _: usize, logs: &Logs, model: &mut dyn ModelWeights) -> Control {
            assert_eq!(model.snapshot().len(), 2 * 8 + 8 + 8 * 2 + 2);
            self.0.borrow_mut().push(logs.get("val_loss").unwrap());
            Control::Continue
        }
    }
    let record = Record::default();
    let seen = record.0.clone();
    let options = FitOptions {
        epochs: 200,
        validation_split: 0.3,
        callbacks: vec![
            Box::new(record),
            Box::new(EarlyStopping::new("val_loss", 3).restore_best_weights()),
        ],
        ..quiet()
    };
    let history = model.fit(&x, &y, options).unwrap();
    let val = history.get("val_loss");
    assert!(val.len() < 200, "stopped early after {} epochs", val.len());
    let best = val.iter().cloned().fold(f64::INFINITY, f64::min);
    let best_epoch = val.iter().position(|&v| v == best).unwrap();
    assert_eq!(
        best_epoch + 3 + 1,
        val.len(),
        "stopped 3 epochs after the best"
    );
    assert_eq!(*seen.borrow(), val, "the user callback ran every epoch");
    // The restored weights give the best epoch's validation loss again.
    let held_x: Samples = Tensor::from_sizes(&[18, 2], x.as_slice()[84..].to_vec()).unwrap();
    let held_y: Labels = Tensor::from_sizes(&[18], y.as_slice()[42..].to_vec()).unwrap();
    let now = model
        .evaluate(&held_x, &held_y)
        .unwrap()
        .get("loss")
        .unwrap();
    assert!((now - best).abs() < 1e-6, "restored {now}, best {best}");
}

#[test]
fn f64_models_train_too() {
    // y = 3·x0 − 2·x1 + 1, learned by a linear layer in f64.
    let xs: Vec<f64> = (0..64)
        .flat_map(|i| [(i as f64 * 0.37).sin(), (i as f64 * 0.73).cos()])
        .collect();
    let ys: Vec<f64> = xs
        .chunks(2)
        .map(|p| 3.0 * p[0] - 2.0 * p[1] + 1.0)
        .collect();
    let x = Tensor::<(Dyn, Const<2>), f64>::from_sizes(&[64, 2], xs).unwrap();
    let y = Tensor::<(Dyn, Const<1>), f64>::from_sizes(&[64, 1], ys).unwrap();
    let mut model = sequential![f64; Input<2>, Dense<1>];
    model.compile(
        Adam {
            learning_rate: 0.1,
            ..Default::default()
        },
        MeanSquaredError,
        [Mae],
    );
    let history = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 300,
                batch_size: 16,
                ..quiet()
            },
        )
        .unwrap();
    assert!(
        history.get("loss").last().unwrap() < &1e-6,
        "{:?}",
        history.get("loss").last()
    );
    let w = model.get_weights();
    assert!(
        (w[0][0] - 3.0).abs() < 1e-3
            && (w[0][1] + 2.0).abs() < 1e-3
            && (w[1][0] - 1.0).abs() < 1e-3,
        "{w:?}"
    );
}
