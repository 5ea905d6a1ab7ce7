//! Recurrent layers against real Keras (fixtures from
//! tools/make_fixtures.py): weights copied over with one `set_weights`,
//! predictions within 1e-5; `fit` runs from the same initial weights,
//! losses, metrics and final weights within 1e-4.
mod common;

use common::{assert_close, assert_near, case, load, weights};
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::Tensor;

/// Sets the case's weights on `$model` and compares its predictions on the
/// case's input `(3, STEPS, FEATURES)` with Keras's.
macro_rules! check_forward {
    ($name:literal, $steps:literal, $features:literal, $model:expr) => {{
        let cases = load("recurrent.txt");
        let c = case(&cases, $name);
        let mut model = $model;
        model.set_weights(&weights(c)).unwrap();
        let x =
            Tensor::from_slice((Dyn(3), Const::<$steps>, Const::<$features>), c.get("x")).unwrap();
        assert_close($name, model.predict(&x).unwrap().as_slice(), c.get("y"));
    }};
}

#[test]
fn stacked_lstms_match_keras() {
    check_forward!(
        "stacked_lstm",
        6,
        3,
        sequential![Input<6, 3>, Lstm<5>.return_sequences(), Lstm<4>, Dense<2>]
    );
}

#[test]
fn grus_match_keras_with_the_reset_gate_after_and_before() {
    check_forward!(
        "gru_reset_after",
        5,
        3,
        sequential![Input<5, 3>, Gru<4>.return_sequences(), Gru<3>]
    );
    check_forward!(
        "gru_reset_before",
        5,
        3,
        sequential![Input<5, 3>, Gru<4>.reset_before().return_sequences(), Gru<3>.reset_before()]
    );
}

#[test]
fn simple_rnns_match_keras() {
    check_forward!(
        "simple_rnn_relu",
        5,
        3,
        sequential![Input<5, 3>, SimpleRnn<4, Relu>.return_sequences(), SimpleRnn<2>]
    );
}

#[test]
fn reading_backwards_matches_keras() {
    check_forward!(
        "go_backwards",
        5,
        2,
        sequential![
            Input<5, 2>,
            Lstm<3>.return_sequences().go_backwards(),
            Gru<3>.return_sequences().go_backwards(),
            SimpleRnn<2>.go_backwards(),
        ]
    );
}

#[test]
fn an_lstm_with_hard_sigmoid_gates_matches_keras() {
    check_forward!(
        "hard_sigmoid_lstm",
        4,
        3,
        sequential![Input<4, 3>, Lstm<3, Tanh, HardSigmoid>]
    );
}

#[test]
fn conv1d_then_pooling_then_gru_matches_keras() {
    check_forward!(
        "conv1d_pool_gru",
        12,
        2,
        sequential![Input<12, 2>, Conv1D<4, 3, Relu>, MaxPooling1D<2>, Gru<3>, Dense<2, Softmax>]
    );
}

#[test]
fn bidirectional_layers_match_keras_in_every_merge_mode() {
    check_forward!(
        "bidirectional_concat_sum",
        5,
        3,
        sequential![
            Input<5, 3>,
            (Bidirectional::new(Lstm::<3>::new().return_sequences())),
            (Bidirectional::with_merge(Gru::<2>::new(), Add)),
        ]
    );
    check_forward!(
        "bidirectional_mul_ave",
        4,
        2,
        sequential![
            Input<4, 2>,
            (Bidirectional::with_merge(SimpleRnn::<3>::new().return_sequences(), Multiply)),
            (Bidirectional::with_merge(
                Gru::<2>::new().reset_before().return_sequences(),
                Average
            )),
        ]
    );
}

/// TimeDistributed, Bidirectional, GRU, RepeatVector and SimpleRNN in one
/// model: the outputs, and the summary character for character.
#[test]
fn wrappers_and_repeat_vector_match_keras() {
    let model = || {
        sequential![
            Input<10, 6>,
            (TimeDistributed::new(Dense::<3>::new())),
            (Bidirectional::new(Lstm::<8>::new().return_sequences())),
            Gru<4>,
            RepeatVector<2>,
            SimpleRnn<2>.return_sequences(),
            (Bidirectional::with_merge(Gru::<3>::new().reset_before(), Add)),
        ]
    };
    let want = std::fs::read_to_string(format!(
        "{}/tests/fixtures/summary_recurrent.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert_eq!(model().summary().to_string().trim_end(), want.trim_end());
    check_forward!("wrappers", 10, 6, model());
}

#[test]
fn layers_without_bias_match_keras() {
    check_forward!(
        "without_bias",
        5,
        3,
        sequential![
            Input<5, 3>,
            Lstm<4>.without_bias().return_sequences(),
            Gru<3>.without_bias().return_sequences(),
            Gru<3>.without_bias().reset_before().return_sequences(),
            SimpleRnn<2>.without_bias(),
        ]
    );
}

#[test]
fn dense_on_every_step_and_without_bias_matches_keras() {
    check_forward!(
        "dense_on_steps_without_bias",
        4,
        3,
        sequential![
            Input<4, 3>,
            Dense<5, Tanh>.without_bias(),
            Lstm<3>,
            Dense<2>.without_bias(),
        ]
    );
}

/// Runs `fit` (batch 8, 3 epochs, no shuffling) from the case's initial
/// weights and compares every log and the final weights.
macro_rules! check_fit {
    ($name:literal, $steps:literal, $features:literal, $model:expr, $labels:expr, $optimizer:expr, $loss:expr, $metrics:expr) => {{
        let cases = load("recurrent.txt");
        let c = case(&cases, $name);
        let mut model = $model;
        let initial: Vec<Vec<f32>> = (0..model.get_weights().len())
            .map(|i| c.get(&format!("initial{i}")).to_vec())
            .collect();
        model.set_weights(&initial).unwrap();
        model.compile($optimizer, $loss, $metrics);
        let n = c.get("x").len() / ($steps * $features);
        let x =
            Tensor::from_slice((Dyn(n), Const::<$steps>, Const::<$features>), c.get("x")).unwrap();
        let y = $labels(n, c.get("t"));
        let options = common::keras_fit(8);
        let history = model.fit(&x, &y, options).unwrap();
        for key in c.arrays.keys().filter_map(|k| k.strip_prefix("log_")) {
            let got: Vec<f32> = history.get(key).iter().map(|&v| v as f32).collect();
            assert_near(
                &format!("{} {key}", $name),
                &got,
                c.get(&format!("log_{key}")),
                1e-4,
            );
        }
        for (i, w) in model.get_weights().iter().enumerate() {
            let what = format!("{} final weight {i}", $name);
            assert_near(&what, w, c.get(&format!("final{i}")), 1e-4);
        }
    }};
}

#[test]
fn fit_of_an_lstm_matches_keras() {
    check_fit!(
        "fit_lstm",
        6,
        3,
        sequential![Input<6, 3>, Lstm<8>, Dense<3, Softmax>],
        |n, t: &[f32]| Tensor::from_slice((Dyn(n),), t).unwrap(),
        Adam {
            learning_rate: 0.01,
            ..Default::default()
        },
        SparseCategoricalCrossentropy::default(),
        [Accuracy]
    );
}

#[test]
fn fit_of_stacked_grus_matches_keras() {
    check_fit!(
        "fit_gru",
        5,
        2,
        sequential![Input<5, 2>, Gru<6>.return_sequences(), Gru<4>, Dense<1>],
        |n, t: &[f32]| Tensor::from_slice((Dyn(n), Const::<1>), t).unwrap(),
        Sgd {
            learning_rate: 0.05,
            momentum: 0.9,
            ..Default::default()
        },
        MeanSquaredError,
        [] as [corten::metric::Metric; 0]
    );
}

/// Keras: `_, h, c = LSTM(4, return_state=True)(x)`, `LSTM(4,
/// return_sequences=True)(z, initial_state=[h, c])`, a Dense after it; the
/// model gives the Dense's output and the encoder's `h`.
#[test]
fn an_encoder_state_starts_a_decoder_as_in_keras() {
    use corten::model::Graph;
    let cases = load("recurrent_states.txt");
    let c = case(&cases, "seq2seq_lstm");
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<5>, Const<3>)>();
    let z = g.input::<(Const<4>, Const<2>)>();
    let (_, h, cell) = g.add_with_states(Lstm::<4>::new(), x);
    let d = g.add(
        Lstm::<4>::new().return_sequences(),
        z.with_initial_state((h, cell)),
    );
    let y = g.add(Dense::<2>::new(), d);
    let mut model = g.build((x, z), (y, h)).unwrap();
    model.set_weights(&weights(c)).unwrap();
    let xs = Tensor::from_slice((Dyn(3), Const::<5>, Const::<3>), c.get("x0")).unwrap();
    let zs = Tensor::from_slice((Dyn(3), Const::<4>, Const::<2>), c.get("x1")).unwrap();
    let (y, h) = model.predict((&xs, &zs)).unwrap();
    assert_close("decoder", y.as_slice(), c.get("y0"));
    assert_close("encoder h", h.as_slice(), c.get("y1"));
}

/// GRU and SimpleRNN states as outputs, and a GRU's state as the initial
/// state of a GRU reading backwards and of one with the reset gate before.
#[test]
fn gru_and_simple_rnn_states_match_keras() {
    use corten::model::Graph;
    let cases = load("recurrent_states.txt");
    let c = case(&cases, "gru_simple_rnn_states");
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<6>, Const<2>)>();
    let (seq, h) = g.add_with_states(Gru::<3>::new().return_sequences(), x);
    let h2 = g.add(Gru::<3>::new().go_backwards(), seq.with_initial_state(h));
    let h3 = g.add(Gru::<3>::new().reset_before(), x.with_initial_state((h,)));
    let (_, hs) = g.add_with_states(SimpleRnn::<2>::new(), x);
    let mut model = g.build(x, (seq, h2, h3, hs)).unwrap();
    model.set_weights(&weights(c)).unwrap();
    let xs = Tensor::from_slice((Dyn(3), Const::<6>, Const::<2>), c.get("x0")).unwrap();
    let (seq, h2, h3, hs) = model.predict(&xs).unwrap();
    assert_close("sequence", seq.as_slice(), c.get("y0"));
    assert_close("backwards from h", h2.as_slice(), c.get("y1"));
    assert_close("reset before from h", h3.as_slice(), c.get("y2"));
    assert_close("simple rnn h", hs.as_slice(), c.get("y3"));
    // Keras lists a layer's outputs, `gru[0][1]` its second.
    let want = std::fs::read_to_string(format!(
        "{}/tests/fixtures/summary_recurrent_states.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());
}

/// Keras's `Bidirectional(…, merge_mode=None)`: each direction's output.
#[test]
fn unmerged_directions_match_keras() {
    use corten::model::Graph;
    let cases = load("recurrent_states.txt");
    let c = case(&cases, "bidirectional_unmerged");
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<5>, Const<3>)>();
    let (f, b) = g.add_both_directions(Lstm::<3>::new().return_sequences(), x);
    let (gf, gb) = g.add_both_directions(Gru::<2>::new(), f);
    let mut model = g.build(x, (f, b, gf, gb)).unwrap();
    model.set_weights(&weights(c)).unwrap();
    let xs = Tensor::from_slice((Dyn(3), Const::<5>, Const::<3>), c.get("x0")).unwrap();
    let (f, b, gf, gb) = model.predict(&xs).unwrap();
    assert_close("forward sequence", f.as_slice(), c.get("y0"));
    assert_close("backward sequence", b.as_slice(), c.get("y1"));
    assert_close("forward last", gf.as_slice(), c.get("y2"));
    assert_close("backward last", gb.as_slice(), c.get("y3"));
}
