//! corten's numbers against real Keras (fixtures from tools/make_fixtures.py).
mod common;

use common::{assert_close, case, load};
use corten::activation::Activation as _;
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{sequential, Tensor};

fn apply_by_name(name: &str, x: &[f32], row_len: usize) -> Vec<f32> {
    let mut y = x.to_vec();
    macro_rules! by_name {
        ($($keras:literal => $act:expr),* $(,)?) => {
            match name {
                $($keras => y.chunks_mut(row_len).for_each(|row| $act.apply(row)),)*
                other => panic!("no activation {other}"),
            }
        };
    }
    by_name!(
        "linear" => Linear, "relu" => Relu, "sigmoid" => Sigmoid, "tanh" => Tanh,
        "leaky_relu" => LeakyRelu::default(), "elu" => Elu::default(), "selu" => Selu,
        "gelu" => Gelu, "silu" => Silu, "softplus" => Softplus, "softsign" => Softsign,
        "relu6" => Relu6, "hard_sigmoid" => HardSigmoid, "softmax" => Softmax,
    );
    y
}

#[test]
fn every_activation_matches_keras() {
    let cases = load("activations.txt");
    assert_eq!(cases.len(), 14);
    for c in &cases {
        let x = c.get("x");
        let row_len = if c.name == "softmax" { 4 } else { x.len() };
        let y = apply_by_name(&c.name, x, row_len);
        assert!(
            y.iter().all(|v| v.is_finite()),
            "{}: non-finite output",
            c.name
        );
        assert_close(&c.name, &y, c.get("y"));
    }
}

#[test]
fn seed_example_matches_keras() {
    let cases = load("dense.txt");
    let c = case(&cases, "seed");
    let model = sequential![
        Input<2>,
        Dense::<5, Linear>::from_weights([[1.0f32, 2.0, 3.0, 4.0, 5.0]; 2], [0.0; 5])
    ];
    let y = model.predict(&Tensor::from_array([[1.0f32, 2.0]])).unwrap();
    assert_close("seed", y.as_slice(), c.get("y"));
}

fn weights<const I: usize, const O: usize>(
    c: &common::Case,
    w: &str,
    b: &str,
) -> ([[f32; O]; I], [f32; O]) {
    let mut kernel = [[0.0; O]; I];
    kernel.as_flattened_mut().copy_from_slice(c.get(w));
    (kernel, c.get(b).try_into().unwrap())
}

#[test]
fn mlp_matches_keras_on_a_dynamic_batch() {
    let cases = load("dense.txt");
    let c = case(&cases, "mlp_13_16_8_4");
    let (w0, b0) = weights::<13, 16>(c, "w0", "b0");
    let (w1, b1) = weights::<16, 8>(c, "w1", "b1");
    let (w2, b2) = weights::<8, 4>(c, "w2", "b2");
    let model = sequential![
        Input<13>,
        Dense::<16, Relu>::from_weights(w0, b0),
        Dense::<8, Tanh>::from_weights(w1, b1),
        Dense::<4, Softmax>::from_weights(w2, b2),
    ];
    let x = Tensor::<(Dyn, Const<13>)>::from_slice((Dyn(7), Const), c.get("x")).unwrap();
    let y = model.predict(&x).unwrap();
    assert_eq!(y.sizes(), &[7, 4]);
    assert_close("mlp", y.as_slice(), c.get("y"));
}

#[test]
fn dense_with_each_activation_matches_keras() {
    let cases = load("dense.txt");
    macro_rules! check {
        ($($name:literal => $act:ty),* $(,)?) => {$(
            let c = case(&cases, concat!("dense_", $name));
            let (w, b) = weights::<6, 5>(c, "w", "b");
            let model = sequential![Input<6>, Dense<5, $act>::from_weights(w, b)];
            let x = Tensor::<(Dyn, Const<6>)>::from_slice((Dyn(3), Const), c.get("x")).unwrap();
            assert_close($name, model.predict(&x).unwrap().as_slice(), c.get("y"));
        )*};
    }
    check!(
        "sigmoid" => Sigmoid, "elu" => Elu, "selu" => Selu, "gelu" => Gelu, "silu" => Silu,
        "softplus" => Softplus, "softsign" => Softsign, "relu6" => Relu6,
        "hard_sigmoid" => HardSigmoid, "leaky_relu" => LeakyRelu,
    );
}

#[test]
fn summary_matches_keras_table() {
    let want = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/summary_mlp.txt"
    ))
    .unwrap();
    let model = sequential![Input<784>, Dense<128, Relu>, Dense<64, Relu>, Dense<10, Softmax>];
    let got = model.summary().to_string();
    assert_eq!(got.trim_end(), want.trim_end());
}
