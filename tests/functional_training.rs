//! Training functional models: what `fit` and `evaluate` check before
//! training, Keras's log names and totals, callbacks, and a diverging step
//! put back. (Numbers against Keras: `keras_functional_parity.rs`.)
use corten::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use corten::metric::{Accuracy, Mae};
use corten::model::{Dataset, EarlyStopping, Graph, Model, Objective, Sym};
use corten::optimizer::Sgd;
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::Tensor;

type Cls = Model<(Sym<(Const<4>,)>, Sym<(Const<3>,)>), (Sym<(Const<3>,)>, Sym<(Const<2>,)>)>;

/// Two inputs, a skip connection, outputs `cls` (3 classes) and `reg` (2 values).
fn model() -> Cls {
    let mut g = Graph::<f32>::with_seed(3);
    let a = g.input_named::<(Const<4>,)>("a");
    let b = g.input_named::<(Const<3>,)>("b");
    let h = g.add(Dense::<4, Tanh>::new(), a);
    let s = g.add(Add, (a, h));
    let c = g.add(Concatenate::new(), (s, b));
    let cls = g.add(Dense::<3, Softmax>::new().named("cls"), c);
    let reg = g.add(Dense::<2>::new().named("reg"), s);
    g.build((a, b), (cls, reg)).unwrap()
}

fn compiled(learning_rate: f64) -> Cls {
    let mut m = model();
    m.compile(
        Sgd {
            learning_rate,
            ..Default::default()
        },
        (
            Objective::new(SparseCategoricalCrossentropy::default()).metrics([Accuracy]),
            Objective::new(MeanSquaredError).weight(0.5).metrics([Mae]),
        ),
    );
    m
}

type Data = (
    Tensor<(Dyn, Const<4>)>,
    Tensor<(Dyn, Const<3>)>,
    Tensor<(Dyn,)>,
    Tensor<(Dyn, Const<2>)>,
);

fn data(n: usize) -> Data {
    let f = |i: usize, k: usize| ((i * 7 + k * 3) % 11) as f32 / 11.0 - 0.5;
    let xa: Vec<f32> = (0..n * 4).map(|i| f(i / 4, i % 4)).collect();
    let xb: Vec<f32> = (0..n * 3).map(|i| f(i / 3 + 5, i % 3)).collect();
    let cls: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
    let reg: Vec<f32> = (0..n * 2).map(|i| f(i / 2 + 2, i % 2)).collect();
    (
        Tensor::from_slice((Dyn(n), Const::<4>), &xa).unwrap(),
        Tensor::from_slice((Dyn(n), Const::<3>), &xb).unwrap(),
        Tensor::from_slice((Dyn(n),), &cls).unwrap(),
        Tensor::from_slice((Dyn(n), Const::<2>), &reg).unwrap(),
    )
}

fn quiet<'a>() -> FitOptions<'a> {
    FitOptions {
        epochs: 2,
        batch_size: 4,
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

#[test]
fn logs_are_named_as_keras_names_them_and_the_loss_is_the_weighted_total() {
    let (xa, xb, cls, reg) = data(12);
    let mut m = compiled(0.1);
    let history = m
        .fit(
            (&xa, &xb),
            (&cls, &reg),
            FitOptions {
                validation_split: 0.25,
                ..quiet()
            },
        )
        .unwrap();
    let names: Vec<&str> = history.epochs[0].iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "cls_accuracy",
            "cls_loss",
            "loss",
            "reg_loss",
            "reg_mean_absolute_error",
            "val_cls_accuracy",
            "val_cls_loss",
            "val_loss",
            "val_reg_loss",
            "val_reg_mean_absolute_error"
        ]
    );
    let logs = m.evaluate((&xa, &xb), (&cls, &reg)).unwrap();
    let get = |k: &str| logs.get(k).unwrap();
    let total = get("cls_loss") + 0.5 * get("reg_loss");
    assert!((get("loss") - total).abs() < 1e-6, "{logs}");

    // The per-output loss is the loss of that output's predictions.
    let (p_cls, p_reg) = m.predict((&xa, &xb)).unwrap();
    let mse: f64 = p_reg
        .as_slice()
        .iter()
        .zip(reg.as_slice())
        .map(|(p, t)| f64::from(p - t).powi(2))
        .sum::<f64>()
        / 24.0;
    assert!((get("reg_loss") - mse).abs() < 1e-6);
    let right = p_cls
        .as_slice()
        .chunks(3)
        .zip(cls.as_slice())
        .filter(|(row, &t)| {
            let best = (0..3).max_by(|&i, &j| row[i].total_cmp(&row[j])).unwrap();
            best as f32 == t
        })
        .count();
    assert_eq!(get("cls_accuracy"), right as f64 / 12.0);
}

#[test]
fn one_output_logs_have_no_prefix() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<4>,)>();
    let b = g.input::<(Const<3>,)>();
    let c = g.add(Concatenate::new(), (a, b));
    let y = g.add(Dense::<2>::new(), c);
    let mut m = g.build((a, b), y).unwrap();
    m.compile(
        Sgd::default(),
        Objective::new(MeanSquaredError).metrics([Mae]),
    );
    let (xa, xb, _, reg) = data(8);
    let history = m.fit((&xa, &xb), &reg, quiet()).unwrap();
    let names: Vec<&str> = history.epochs[0].iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["loss", "mean_absolute_error"]);
}

#[test]
fn training_lowers_both_losses() {
    let (xa, xb, cls, reg) = data(24);
    let mut m = compiled(0.2);
    let before = m.evaluate((&xa, &xb), (&cls, &reg)).unwrap();
    let options = FitOptions {
        epochs: 60,
        ..quiet()
    };
    m.fit((&xa, &xb), (&cls, &reg), options).unwrap();
    let after = m.evaluate((&xa, &xb), (&cls, &reg)).unwrap();
    for name in ["cls_loss", "reg_loss", "loss"] {
        assert!(
            after.get(name).unwrap() < 0.9 * before.get(name).unwrap(),
            "{name}: {before} then {after}"
        );
    }
}

#[test]
fn bad_data_is_an_error_before_training() {
    let (xa, xb, cls, reg) = data(8);
    let mut m = model();
    assert_eq!(
        m.fit((&xa, &xb), (&cls, &reg), quiet()).unwrap_err(),
        Error::NotCompiled
    );
    assert_eq!(
        m.evaluate((&xa, &xb), (&cls, &reg)).unwrap_err(),
        Error::NotCompiled
    );
    let mut m = compiled(0.1);
    let before = m.get_weights();

    // Labels for 8 samples, inputs for 6.
    let (xa6, xb6, _, _) = data(6);
    let err = m.fit((&xa6, &xb6), (&cls, &reg), quiet()).unwrap_err();
    assert_eq!(
        err,
        Error::BatchMismatch {
            expected: 6,
            got: 8
        }
    );

    // Regression labels with 3 values a sample where the output has 2.
    let wide = Tensor::from_slice((Dyn(8), Const::<3>), &[0.0; 24]).unwrap();
    let err = m.fit((&xa, &xb), (&cls, &wide), quiet()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelMismatch {
                per_sample: 2,
                got: 24,
                ..
            }
        ),
        "{err}"
    );

    // A class that does not exist, and a NaN label.
    let bad_class =
        Tensor::from_slice((Dyn(8),), &[0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 0.0]).unwrap();
    let err = m.fit((&xa, &xb), (&bad_class, &reg), quiet()).unwrap_err();
    assert!(matches!(err, Error::LabelOutOfRange { .. }), "{err}");
    let mut nan = reg.as_slice().to_vec();
    nan[5] = f32::NAN;
    let nan = Tensor::from_slice((Dyn(8), Const::<2>), &nan).unwrap();
    let err = m.fit((&xa, &xb), (&cls, &nan), quiet()).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "labels",
            index: 5
        }
    );

    // Validation data with one input tensor for a two-input model.
    let options = FitOptions {
        validation_data: Some(Dataset::new(&xa, (&cls, &reg)).unwrap()),
        ..quiet()
    };
    let err = m.fit((&xa, &xb), (&cls, &reg), options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "validation data: 1 input tensors given, but the model needs 2 (one per input)"
    );

    // A callback watching a log fit does not write.
    let options = FitOptions {
        callbacks: vec![Box::new(EarlyStopping::new("val_cls_loss", 1))],
        ..quiet()
    };
    let err = m.fit((&xa, &xb), (&cls, &reg), options).unwrap_err();
    assert!(err.to_string().contains("`cls_loss`"), "{err}");

    // A loss weight that is not a number.
    let mut nan_weight = model();
    nan_weight.compile(
        Sgd::default(),
        Objective::new(MeanSquaredError).weight(f64::NAN),
    );
    let err = nan_weight
        .fit((&xa, &xb), (&reg, &reg), quiet())
        .unwrap_err();
    assert_eq!(
        err,
        Error::InvalidOption {
            what: "loss weight",
            rule: "finite"
        }
    );

    assert_eq!(m.get_weights(), before, "nothing trained");
}

#[test]
fn a_diverging_step_puts_the_model_back() {
    let (xa, xb, cls, reg) = data(8);
    let mut m = compiled(1e300);
    let before = m.get_weights();
    let err = m.fit((&xa, &xb), (&cls, &reg), quiet()).unwrap_err();
    assert_eq!(err, Error::NonFiniteUpdate { epoch: 1, batch: 1 });
    assert_eq!(m.get_weights(), before);
    // Training goes on from there at a sane rate.
    m.compile(
        Sgd::default(),
        (
            Objective::new(SparseCategoricalCrossentropy::default()),
            Objective::new(MeanSquaredError),
        ),
    );
    m.fit((&xa, &xb), (&cls, &reg), quiet()).unwrap();
    assert_ne!(m.get_weights(), before);
}

#[test]
fn early_stopping_restores_the_best_weights_of_a_functional_model() {
    let (xa, xb, cls, reg) = data(16);
    let mut m = compiled(0.05);
    let stopper = EarlyStopping::new("val_loss", 2).restore_best_weights();
    let options = FitOptions {
        epochs: 40,
        validation_data: Some(Dataset::new((&xa, &xb), (&cls, &reg)).unwrap()),
        callbacks: vec![Box::new(stopper)],
        ..quiet()
    };
    let history = m.fit((&xa, &xb), (&cls, &reg), options).unwrap();
    let val = history.get("val_loss");
    let best = val.iter().copied().fold(f64::INFINITY, f64::min);
    let now = m
        .evaluate((&xa, &xb), (&cls, &reg))
        .unwrap()
        .get("loss")
        .unwrap();
    assert!((now - best).abs() < 1e-6, "restored {now}, best {best}");
}

#[test]
fn two_layers_with_one_name_are_refused() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<4>,)>();
    let h = g.add(Dense::<4>::new().named("hidden"), a);
    let h = g.add(Dense::<4>::new().named("hidden"), h);
    let err = g.build(a, h).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid functional model: the name `hidden` is used by two layers; layer names must be unique"
    );
    // Automatic names never collide, and a given name leaves them alone.
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<4>,)>();
    let h = g.add(Dense::<4>::new(), a);
    let h = g.add(Dense::<4>::new().named("mine"), h);
    let h = g.add(Dense::<4>::new(), h);
    let m = g.build(a, h).unwrap();
    let summary = m.summary().to_string();
    for row in ["dense (Dense)", "mine (Dense)", "dense_1 (Dense)"] {
        assert!(summary.contains(row), "{row} in\n{summary}");
    }
}
