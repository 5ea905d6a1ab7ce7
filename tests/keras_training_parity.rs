//! Training against real Keras: each loss's value and gradient, three steps
//! of each optimizer, and whole `fit` runs (fixtures from
//! tools/make_fixtures.py).

mod common;

use common::{assert_near, case, load, Case};
use corten::loss::*;
use corten::metric::Accuracy;
use corten::model::FitOptions;
use corten::optimizer::*;
use corten::prelude::*;
use corten::{sequential, Tensor};

fn check_loss<L: Loss<f32>>(cases: &[Case], name: &str, loss: L) {
    let c = case(cases, &format!("loss_{name}"));
    let pred = c.get("pred");
    let mut grad = vec![0.0; pred.len()];
    let value = loss.loss(pred, c.get("truth"), 3, Some(&mut grad)).unwrap();
    assert_near(&format!("{name} loss"), &[value], c.get("loss"), 1e-5);
    assert_near(&format!("{name} gradient"), &grad, c.get("grad"), 1e-5);
}

#[test]
fn losses_match_keras() {
    let cases = load("training.txt");
    check_loss(&cases, "mse", MeanSquaredError);
    check_loss(&cases, "mae", MeanAbsoluteError);
    check_loss(&cases, "huber", Huber::default());
    check_loss(&cases, "huber_delta", Huber { delta: 0.5 });
    check_loss(&cases, "bce", BinaryCrossentropy::default());
    let smooth = BinaryCrossentropy {
        label_smoothing: 0.2,
        ..Default::default()
    };
    check_loss(&cases, "bce_smooth", smooth);
    let logits = BinaryCrossentropy {
        from_logits: true,
        ..Default::default()
    };
    check_loss(&cases, "bce_logits", logits);
    check_loss(&cases, "cce", CategoricalCrossentropy::default());
    let smooth = CategoricalCrossentropy {
        label_smoothing: 0.1,
        ..Default::default()
    };
    check_loss(&cases, "cce_smooth", smooth);
    let logits = CategoricalCrossentropy {
        from_logits: true,
        ..Default::default()
    };
    check_loss(&cases, "cce_logits", logits);
    check_loss(&cases, "scce", SparseCategoricalCrossentropy::default());
    check_loss(
        &cases,
        "scce_logits",
        SparseCategoricalCrossentropy { from_logits: true },
    );
}

fn check_optimizer<O: Optimizer<f32>>(cases: &[Case], name: &str, optimizer: O) {
    let c = case(cases, &format!("opt_{name}"));
    let (mut w, mut b) = (c.get("w0").to_vec(), c.get("b0").to_vec());
    let mut state = OptimizerState::default();
    for step in 0..3 {
        let mut gw = c.get(&format!("g{step}_w")).to_vec();
        let mut gb = c.get(&format!("g{step}_b")).to_vec();
        state.apply(&optimizer, &mut [&mut w, &mut b], &mut [&mut gw, &mut gb]);
    }
    assert_near(&format!("{name} kernel"), &w, c.get("w"), 1e-5);
    assert_near(&format!("{name} bias"), &b, c.get("b"), 1e-5);
}

#[test]
fn optimizers_match_keras() {
    let cases = load("training.txt");
    check_optimizer(&cases, "sgd", Sgd::default());
    check_optimizer(
        &cases,
        "sgd_momentum",
        Sgd {
            momentum: 0.9,
            ..Default::default()
        },
    );
    let nesterov = Sgd {
        learning_rate: 0.05,
        momentum: 0.8,
        nesterov: true,
        ..Default::default()
    };
    check_optimizer(&cases, "sgd_nesterov", nesterov);
    let clipnorm = Sgd {
        learning_rate: 0.1,
        clip: Clip::Norm(0.5),
        ..Default::default()
    };
    check_optimizer(&cases, "sgd_clipnorm", clipnorm);
    let clipvalue = Sgd {
        learning_rate: 0.1,
        clip: Clip::Value(0.3),
        ..Default::default()
    };
    check_optimizer(&cases, "sgd_clipvalue", clipvalue);
    check_optimizer(&cases, "adam", Adam::default());
    let amsgrad = Adam {
        learning_rate: 0.01,
        amsgrad: true,
        ..Default::default()
    };
    check_optimizer(&cases, "adam_amsgrad", amsgrad);
    let global = Adam {
        learning_rate: 0.01,
        clip: Clip::GlobalNorm(1.0),
        ..Default::default()
    };
    check_optimizer(&cases, "adam_global_clipnorm", global);
    let adamw = AdamW {
        adam: Adam {
            learning_rate: 0.01,
            ..Default::default()
        },
        ..Default::default()
    };
    check_optimizer(&cases, "adamw", adamw);
    check_optimizer(&cases, "rmsprop", RMSprop::default());
    let centered = RMSprop {
        learning_rate: 0.01,
        momentum: 0.5,
        centered: true,
        ..Default::default()
    };
    check_optimizer(&cases, "rmsprop_momentum_centered", centered);
    check_optimizer(&cases, "adagrad", Adagrad::default());
}

fn fit_options() -> FitOptions<'static, f32> {
    common::keras_fit(16)
}

/// Runs `fit` from the case's initial weights and compares the per-epoch
/// losses and accuracies and the final weights (1e-4 relative).
macro_rules! check_fit {
    ($cases:expr, $name:literal, $model:expr, $optimizer:expr) => {{
        let c = case($cases, $name);
        let mut model = $model;
        let initial: Vec<Vec<f32>> = (0..model.get_weights().len())
            .map(|i| c.get(&format!("initial{i}")).to_vec())
            .collect();
        model.set_weights(&initial).unwrap();
        model.compile(
            $optimizer,
            SparseCategoricalCrossentropy::default(),
            [Accuracy],
        );
        let x = Tensor::<(corten::Dyn, corten::Const<8>), f32>::from_sizes(
            &[70, 8],
            c.get("x").to_vec(),
        )
        .unwrap();
        let y = Tensor::<(corten::Dyn,), f32>::from_sizes(&[70], c.get("y").to_vec()).unwrap();
        let history = model.fit(&x, &y, fit_options()).unwrap();
        let losses: Vec<f32> = history.get("loss").iter().map(|&v| v as f32).collect();
        assert_near(concat!($name, " losses"), &losses, c.get("loss"), 1e-4);
        let accuracy: Vec<f32> = history.get("accuracy").iter().map(|&v| v as f32).collect();
        assert_near(
            concat!($name, " accuracy"),
            &accuracy,
            c.get("accuracy"),
            1e-6,
        );
        for (i, w) in model.get_weights().iter().enumerate() {
            assert_near(
                &format!("{} final weight {i}", $name),
                w,
                c.get(&format!("final{i}")),
                1e-4,
            );
        }
    }};
}

#[test]
fn fit_matches_keras_with_sgd_momentum_and_adam() {
    let cases = load("training.txt");
    check_fit!(
        &cases,
        "fit_sgd_momentum",
        sequential![Input<8>, Dense<16, Relu>, Dense<3, Softmax>],
        Sgd {
            momentum: 0.9,
            ..Default::default()
        }
    );
    check_fit!(
        &cases,
        "fit_adam",
        sequential![Input<8>, Dense<16, Relu>, Dense<3, Softmax>],
        Adam::default()
    );
}

#[test]
fn fit_matches_keras_with_batch_normalization() {
    let cases = load("training.txt");
    check_fit!(
        &cases,
        "fit_sgd_batch_norm",
        sequential![Input<8>, Dense<16>, BatchNormalization, (corten::layer::Activation(corten::activation::Relu)), Dense<3, Softmax>],
        // SGD, not Adam: the bias of a Dense layer feeding a batch norm has
        // a zero gradient in exact arithmetic (the norm subtracts the batch
        // mean), so only rounding noise, which Adam would scale up to whole
        // steps — and Keras's noise is not ours.
        Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            ..Default::default()
        }
    );
}
