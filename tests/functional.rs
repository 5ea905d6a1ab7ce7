//! Functional models: what `Graph::build` refuses, what `predict` checks,
//! buffers planned once, and models as nodes.
use corten::model::{Graph, Sym};
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{sequential, Tensor};

type V8 = (Const<8>,);

fn message(err: Error) -> String {
    err.to_string()
}

#[test]
fn build_refuses_graphs_keras_refuses() {
    // An output that needs an input the model is not given.
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let b = g.input::<V8>();
    let s = g.add(Add, (a, b));
    let err = g.build(a, s).unwrap_err();
    assert!(message(err).contains("graph disconnected"), "disconnected");

    // A node of another graph.
    let mut other = Graph::<f32>::new();
    let foreign = other.input::<V8>();
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let s = g.add(Add, (a, foreign));
    assert!(message(g.build(a, s).unwrap_err()).contains("another graph"));

    // A shared layer of another graph.
    let shared = other.shared(Dense::<4>::new());
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let h = g.call(shared, a);
    assert!(message(g.build(a, h).unwrap_err()).contains("another graph"));

    // The same input twice, and a layer's node given as an input.
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let h = g.add(Dense::<8>::new(), a);
    let s = g.add(Add, (a, h));
    assert!(message(g.build((a, a), s).unwrap_err()).contains("twice"));
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let h = g.add(Dense::<8>::new(), a);
    let s = g.add(Add, (a, h));
    assert!(message(g.build(h, s).unwrap_err()).contains("not an input node"));
}

/// A functional model's type names its inputs and outputs.
type TwoInputs = corten::model::Model<(Sym<V8>, Sym<(Const<5>,)>), Sym<(Const<13>,)>>;

fn two_input_model() -> TwoInputs {
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let b = g.input::<(Const<5>,)>();
    let h = g.add(Dense::<8, Relu>::new(), a);
    let s = g.add(Add, (a, h));
    let c = g.add(Concatenate::new(), (s, b));
    g.build((a, b), c).unwrap()
}

#[test]
fn predict_checks_batches_scratch_and_values() {
    let model = two_input_model();
    let xa = Tensor::from_slice((Dyn(3), Const::<8>), &[0.5f32; 24]).unwrap();
    let xb = Tensor::from_slice((Dyn(2), Const::<5>), &[0.5f32; 10]).unwrap();
    assert_eq!(
        model.predict((&xa, &xb)).unwrap_err(),
        Error::BatchMismatch {
            expected: 3,
            got: 2
        }
    );
    let xb = Tensor::from_slice((Dyn(3), Const::<5>), &[0.5f32; 15]).unwrap();
    let mut y = Tensor::from_slice((Dyn(2), Const::<13>), &[0.0f32; 26]).unwrap();
    let mut scratch = vec![0.0; model.scratch_len(3)];
    assert_eq!(
        model
            .predict_into((&xa, &xb), &mut y, &mut scratch)
            .unwrap_err(),
        Error::BatchMismatch {
            expected: 3,
            got: 2
        }
    );
    let mut y = Tensor::from_slice((Dyn(3), Const::<13>), &[0.0f32; 39]).unwrap();
    let short = model.scratch_len(3) - 1;
    assert!(matches!(
        model.predict_into((&xa, &xb), &mut y, &mut scratch[..short]),
        Err(Error::ScratchTooSmall { .. })
    ));
    let mut bad = [0.5f32; 15];
    bad[7] = f32::NAN;
    let xb_nan = Tensor::from_slice((Dyn(3), Const::<5>), &bad).unwrap();
    assert_eq!(
        model.predict((&xa, &xb_nan)).unwrap_err(),
        Error::NonFinite {
            what: "model input",
            index: 7
        }
    );
    model
        .predict_into((&xa, &xb), &mut y, &mut scratch)
        .unwrap();
    // The skip connection and the concatenation, by hand: b's part is b.
    for row in y.as_slice().chunks(13) {
        assert_eq!(&row[8..], &[0.5; 5]);
        assert!(row[..8].iter().all(|&v| v >= 0.5), "a + relu(…) ≥ a");
    }
}

#[test]
fn predict_in_batches_equals_one_pass() {
    let model = two_input_model();
    let n = 70; // three batches of at most 32
    let xa: Vec<f32> = (0..n * 8).map(|i| (i % 13) as f32 * 0.1 - 0.6).collect();
    let xb: Vec<f32> = (0..n * 5).map(|i| (i % 7) as f32 * 0.2 - 0.5).collect();
    let xa = Tensor::from_vec((Dyn(n), Const::<8>), xa).unwrap();
    let xb = Tensor::from_vec((Dyn(n), Const::<5>), xb).unwrap();
    let y = model.predict((&xa, &xb)).unwrap();
    let mut whole = Tensor::from_vec((Dyn(n), Const::<13>), vec![0.0; n * 13]).unwrap();
    let mut scratch = vec![0.0; model.scratch_len(n)];
    model
        .predict_into((&xa, &xb), &mut whole, &mut scratch)
        .unwrap();
    assert_eq!(y.as_slice(), whole.as_slice());
}

#[test]
fn buffers_are_planned_not_one_per_node() {
    // A chain of six layers of 16 needs two buffers of 16, not six.
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<16>,)>();
    let mut h = g.add(Dense::<16, Relu>::new(), x);
    for _ in 0..5 {
        h = g.add(Dense::<16, Relu>::new(), h);
    }
    let model = g.build(x, h).unwrap();
    assert_eq!(model.node_count(), 6);
    assert_eq!(model.scratch_len(1), 2 * 16);
    assert_eq!(model.scratch_len(10), 10 * 2 * 16);
}

#[test]
fn a_sequential_model_is_a_node() {
    let inner = sequential![
        Input<4>,
        Dense::<3, Relu>::from_weights([[1.0f32, -1.0, 0.5]; 4], [0.0, 0.5, -0.5]),
    ];
    let x = Tensor::from_array([[1.0f32, 2.0, -1.0, 0.5], [0.0, 0.0, 1.0, 1.0]]);
    let alone = inner.predict(&x).unwrap();
    let mut g = Graph::<f32>::new();
    let input = g.input::<(Const<4>,)>();
    let h = g.add(inner, input);
    let doubled = g.add(Add, (h, h));
    let model = g.build(input, (h, doubled)).unwrap();
    assert_eq!(model.param_count(), 15);
    let (y, y2) = model.predict(&x).unwrap();
    assert_eq!(y.as_slice(), alone.as_slice());
    let twice: Vec<f32> = alone.as_slice().iter().map(|v| v + v).collect();
    assert_eq!(y2.as_slice(), &twice[..]);
}

#[test]
fn an_input_can_be_an_output() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<V8>();
    let h = g.add(Dense::<2>::new(), a);
    let model = g.build(a, (a, h)).unwrap();
    let x = Tensor::from_array([[0.25f32; 8]]);
    let (same, _) = model.predict(&x).unwrap();
    assert_eq!(same.as_slice(), x.as_slice());
}
