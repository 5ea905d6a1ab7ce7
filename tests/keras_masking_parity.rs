//! Masked sequences against real Keras (fixtures from
//! tools/make_fixtures.py, `masking()`): padded sequences through
//! `Embedding(mask_zero=True)` and `Masking`, predictions within 1e-5; a
//! `fit` run of a masked LSTM, every log and the final weights within 1e-4.
mod common;

use common::{assert_close, assert_near, case, load, weights};
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::Tensor;

#[test]
fn padded_ids_through_an_embedding_with_mask_zero_match_keras() {
    let cases = load("masking.txt");
    let c = case(&cases, "embedding_mask_zero");
    let mut model = sequential![
        Input<6>,
        Embedding<10, 4>.mask_zero(),
        Dropout::new(0.3),
        Lstm<5>.return_sequences(),
        Gru<3>,
        Dense<2>,
    ];
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(4), Const::<6>), c.get("x")).unwrap();
    assert_close(
        "embedding",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn masking_then_an_average_of_the_steps_kept_matches_keras() {
    let cases = load("masking.txt");
    let c = case(&cases, "masking_pool");
    let mut model = sequential![
        Input<6, 3>,
        Masking::default(),
        Gru<4>.return_sequences(),
        GlobalAveragePooling1D::default(),
        Dense<2>,
    ];
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(4), Const::<6>, Const::<3>), c.get("x")).unwrap();
    assert_close("pool", model.predict(&x).unwrap().as_slice(), c.get("y"));
}

#[test]
fn masked_sequences_read_both_ways_match_keras() {
    let cases = load("masking.txt");
    let c = case(&cases, "masking_bidirectional");
    let mut model = sequential![
        Input<5, 2>,
        Masking::default(),
        (Bidirectional::new(Lstm::<3>::new())),
        Dense<2>,
    ];
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(3), Const::<5>, Const::<2>), c.get("x")).unwrap();
    assert_close(
        "bidirectional",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "masking_backwards");
    let mut model = sequential![Input<5, 2>, Masking::default(), SimpleRnn<3>.go_backwards()];
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(3), Const::<5>, Const::<2>), c.get("x")).unwrap();
    assert_close(
        "backwards",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn fit_of_a_masked_lstm_matches_keras() {
    let cases = load("masking.txt");
    let c = case(&cases, "fit_masked_lstm");
    let mut model = sequential![Input<6>, Embedding<12, 4>.mask_zero(), Lstm<6>, Dense<3, Softmax>];
    let initial: Vec<Vec<f32>> = (0..3 + 1 + 2)
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
    let x = Tensor::from_slice((Dyn(32), Const::<6>), c.get("x")).unwrap();
    let t = Tensor::from_slice((Dyn(32),), c.get("t")).unwrap();
    let options = common::keras_fit(8);
    let history = model.fit(&x, &t, options).unwrap();
    for key in ["loss", "accuracy"] {
        let got: Vec<f32> = history.get(key).iter().map(|&v| v as f32).collect();
        assert_near(key, &got, c.get(&format!("log_{key}")), 1e-4);
    }
    for (i, w) in model.get_weights().iter().enumerate() {
        assert_near(
            &format!("final weight {i}"),
            w,
            c.get(&format!("final{i}")),
            1e-4,
        );
    }
}

/// A label per step (Keras's sequence labelling): the padded steps count
/// for neither the loss nor the accuracy; the prediction keeps the mask
/// after each step's values. (Keras 3 with JAX counts padded steps in
/// `fit`'s training accuracy, though not in `evaluate`'s or in the loss:
/// corten masks every one, so the accuracy is compared with `evaluate`.)
#[test]
fn fit_with_a_label_per_masked_step_matches_keras() {
    let cases = load("masking.txt");
    let c = case(&cases, "fit_masked_steps");
    let mut model = sequential![
        Input<5>,
        Embedding<9, 3>.mask_zero(),
        Gru<4>.return_sequences(),
        Dense<3, Softmax>,
    ];
    let initial: Vec<Vec<f32>> = (0..6)
        .map(|i| c.get(&format!("initial{i}")).to_vec())
        .collect();
    model.set_weights(&initial).unwrap();
    model.compile(
        Adam {
            learning_rate: 0.02,
            ..Default::default()
        },
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let x = Tensor::from_slice((Dyn(24), Const::<5>), c.get("x")).unwrap();
    let t = Tensor::from_slice((Dyn(24), Const::<5>), c.get("t")).unwrap();
    let options = common::keras_fit(8);
    let history = model.fit(&x, &t, options).unwrap();
    let got: Vec<f32> = history.get("loss").iter().map(|&v| v as f32).collect();
    assert_near("loss", &got, c.get("log_loss"), 1e-4);
    for (i, w) in model.get_weights().iter().enumerate() {
        assert_near(
            &format!("final weight {i}"),
            w,
            c.get(&format!("final{i}")),
            1e-4,
        );
    }
    let evaluated = model.evaluate(&x, &t).unwrap();
    for key in ["loss", "accuracy"] {
        let got = [evaluated.get(key).unwrap() as f32];
        assert_near(key, &got, c.get(&format!("evaluate_{key}")), 1e-4);
    }
    let y = model.predict(&x).unwrap();
    let ids = c.get("x");
    let values: Vec<f32> = y
        .as_slice()
        .chunks(4)
        .flat_map(|s| s[..3].to_vec())
        .collect();
    let mask: Vec<f32> = y.as_slice().chunks(4).map(|s| s[3]).collect();
    let want_mask: Vec<f32> = ids
        .iter()
        .map(|&id| f32::from(u8::from(id != 0.0)))
        .collect();
    assert_eq!(mask, want_mask);
    assert_near("predictions", &values, c.get("y"), 1e-4);
}

/// `TimeDistributed` over a masked sequence: each step's values through
/// the layer, the mask passed on.
#[test]
fn time_distributed_over_a_masked_sequence_matches_keras() {
    let cases = load("masking.txt");
    let c = case(&cases, "time_distributed_masked");
    let mut model = sequential![
        Input<6>,
        Embedding<10, 4>.mask_zero(),
        Lstm<5>.return_sequences(),
        (TimeDistributed::new(Dense::<3, Tanh>::new())),
    ];
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(4), Const::<6>), c.get("x")).unwrap();
    let y = model.predict(&x).unwrap();
    let values: Vec<f32> = y
        .as_slice()
        .chunks(4)
        .flat_map(|s| s[..3].to_vec())
        .collect();
    assert_close("time distributed", &values, c.get("y"));
    let mask: Vec<f32> = y.as_slice().chunks(4).map(|s| s[3]).collect();
    let ids = c.get("x");
    assert!(mask
        .iter()
        .zip(ids)
        .all(|(&m, &id)| (m != 0.0) == (id != 0.0)));
}
