//! Sequences whose length is known only when the model runs
//! (`Input<Dyn, F>`, Keras's `Input((None, F))`) against real Keras
//! (fixtures from tools/make_fixtures.py, `run_time_steps()`): one model
//! predicting batches of two lengths, within 1e-5; sequences too short for
//! a layer are errors.
mod common;

use common::{assert_close, case, load, weights};
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{Error, Tensor};

/// The `k`-th input of a case, `(batch, steps, features)` with the steps
/// read from the expected output's length.
fn sequences<const F: usize>(x: &[f32], batch: usize) -> Tensor<(Dyn, Dyn, Const<F>)> {
    let steps = x.len() / (batch * F);
    Tensor::from_slice((Dyn(batch), Dyn(steps), Const::<F>), x).unwrap()
}

#[test]
fn one_model_over_sequences_of_two_lengths_matches_keras() {
    let cases = load("run_time_steps.txt");
    let c = case(&cases, "conv_bidirectional_gru");
    let mut model = sequential![
        Input<Dyn, 3>,
        Conv1D<4, 3, Relu>,
        MaxPooling1D<2>,
        (Bidirectional::new(Lstm::<3>::new().return_sequences())),
        Gru<2>,
        Dense<2, Softmax>,
    ];
    assert_eq!(model.input_shape().to_string(), "(None, None, 3)");
    assert!(model.summary().to_string().contains("(None, None, 6)"));
    model.set_weights(&weights(c)).unwrap();
    for (k, batch) in [(0, 3), (1, 2)] {
        let x = sequences::<3>(c.get(&format!("x{k}")), batch);
        let y = model.predict(&x).unwrap();
        assert_close(
            &format!("length {}", x.sizes()[1]),
            y.as_slice(),
            c.get(&format!("y{k}")),
        );
    }
}

#[test]
fn padded_ids_of_run_time_length_match_keras() {
    let cases = load("run_time_steps.txt");
    let c = case(&cases, "embedding_mask_zero");
    let mut model = sequential![
        Input<Dyn>,
        Embedding<10, 4>.mask_zero(),
        Lstm<5>.return_sequences(),
        GlobalAveragePooling1D,
        Dense<2>,
    ];
    model.set_weights(&weights(c)).unwrap();
    for (k, batch) in [(0, 3), (1, 2)] {
        let ids = c.get(&format!("x{k}"));
        let x = Tensor::from_slice((Dyn(batch), Dyn(ids.len() / batch)), ids).unwrap();
        let y = model.predict(&x).unwrap();
        assert_close("ids", y.as_slice(), c.get(&format!("y{k}")));
    }
}

#[test]
fn sequences_returned_at_every_step_keep_their_run_time_length() {
    let cases = load("run_time_steps.txt");
    let c = case(&cases, "time_distributed_same_conv");
    let mut model = sequential![
        Input<Dyn, 2>,
        (TimeDistributed::new(Dense::<3, Tanh>::new())),
        Conv1D<2, 3, Linear, Same>,
        SimpleRnn<3>.return_sequences(),
        GlobalMaxPooling1D,
    ];
    model.set_weights(&weights(c)).unwrap();
    for (k, batch) in [(0, 2), (1, 2)] {
        let x = sequences::<2>(c.get(&format!("x{k}")), batch);
        let y = model.predict(&x).unwrap();
        assert_close("same padding", y.as_slice(), c.get(&format!("y{k}")));
    }
    // The sequence itself keeps its length through the layers before.
    let steps = sequential![Input<Dyn, 2>, Conv1D<2, 3, Linear, Same>, Lstm<2>.return_sequences()];
    let x = Tensor::from_vec((Dyn(1), Dyn(4), Const::<2>), vec![0.5; 8]).unwrap();
    assert_eq!(steps.predict(&x).unwrap().sizes(), &[1, 4, 2]);
}

#[test]
fn sequences_too_short_for_a_layer_are_errors() {
    let model = sequential![Input<Dyn, 2>, Conv1D<2, 3>, MaxPooling1D<2>, Gru<2>];
    let short = Tensor::from_vec((Dyn(1), Dyn(2), Const::<2>), vec![1.0; 4]).unwrap();
    assert_eq!(
        model.predict(&short).unwrap_err(),
        Error::TooFewSteps {
            layer: "Conv1D",
            steps: 2,
            needs: 3
        }
    );
    // Three steps make one after the kernel: too few for the pool.
    let three = Tensor::from_vec((Dyn(1), Dyn(3), Const::<2>), vec![1.0; 6]).unwrap();
    let err = model.predict(&three).unwrap_err();
    assert_eq!(
        err,
        Error::TooFewSteps {
            layer: "MaxPooling1D",
            steps: 1,
            needs: 2
        }
    );
    assert!(err.to_string().contains("too short"), "{err}");
    let empty = Tensor::from_vec((Dyn(1), Dyn(0), Const::<2>), vec![]).unwrap();
    assert!(matches!(
        model.predict(&empty),
        Err(Error::TooFewSteps { steps: 0, .. })
    ));
    assert!(model
        .predict(&Tensor::from_vec((Dyn(2), Dyn(4), Const::<2>), vec![1.0; 16]).unwrap())
        .is_ok());
}

#[test]
fn an_output_tensor_of_other_steps_is_an_error() {
    let model = sequential![Input<Dyn, 2>, Conv1D<2, 2>];
    let x = Tensor::from_vec((Dyn(1), Dyn(5), Const::<2>), vec![1.0; 10]).unwrap();
    let mut scratch = vec![0.0; model.scratch_len_for_steps(1, 5)];
    let mut wrong = Tensor::from_vec((Dyn(1), Dyn(5), Const::<2>), vec![0.0; 10]).unwrap();
    assert_eq!(
        model.predict_into(&x, &mut wrong, &mut scratch),
        Err(Error::StepsMismatch {
            expected: 4,
            got: 5
        })
    );
    let mut right = Tensor::from_vec((Dyn(1), Dyn(4), Const::<2>), vec![0.0; 8]).unwrap();
    model.predict_into(&x, &mut right, &mut scratch).unwrap();
    assert_eq!(right.as_slice(), model.predict(&x).unwrap().as_slice());
}

/// `fit` over sequences of run-time length (all one length in a batch, as
/// in Keras), then `evaluate` on sequences of another length.
#[test]
fn fit_and_evaluate_over_run_time_steps_match_keras() {
    use common::assert_near;
    let cases = load("run_time_steps.txt");
    let c = case(&cases, "fit_conv_gru");
    let mut model = sequential![Input<Dyn, 2>, Conv1D<3, 2, Tanh>, Gru<4>, Dense<3, Softmax>];
    let initial: Vec<Vec<f32>> = (0..2 + 3 + 2)
        .map(|i| c.get(&format!("initial{i}")).to_vec())
        .collect();
    model.set_weights(&initial).unwrap();
    model.compile(
        Adam {
            learning_rate: 0.01,
            ..Default::default()
        },
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let x = sequences::<2>(c.get("x"), 24);
    let t = Tensor::from_slice((Dyn(24),), c.get("t")).unwrap();
    let history = model.fit(&x, &t, common::keras_fit(8)).unwrap();
    for key in ["loss", "accuracy"] {
        let got: Vec<f32> = history.get(key).iter().map(|&v| v as f32).collect();
        assert_near(key, &got, c.get(&format!("log_{key}")), 1e-4);
    }
    for (i, w) in model.get_weights().iter().enumerate() {
        assert_near(&format!("final {i}"), w, c.get(&format!("final{i}")), 1e-4);
    }
    let other = sequences::<2>(c.get("x_other"), 5);
    let t_other = Tensor::from_slice((Dyn(5),), c.get("t_other")).unwrap();
    let logs = model.evaluate(&other, &t_other).unwrap();
    for key in ["loss", "accuracy"] {
        let got = [logs.get(key).unwrap() as f32];
        assert_near(key, &got, c.get(&format!("evaluate_{key}")), 1e-4);
    }
}
