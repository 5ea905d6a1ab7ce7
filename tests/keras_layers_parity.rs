//! Reshaping, normalization and utility layers against real Keras (fixtures
//! from tools/make_fixtures.py).
mod common;

use common::{assert_close, case, load};
use corten::layer::{BatchNormalization, LayerNormalization};
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{sequential, Tensor};

#[test]
fn batch_normalization_matches_keras() {
    let cases = load("layers.txt");
    let c = case(&cases, "batch_normalization");
    let v = |k: &str| c.get(k).to_vec();
    let bn = BatchNormalization::from_data::<Const<3>, f32, _>(v("w0"), v("w1"), v("w2"), v("w3"))
        .unwrap();
    let model = sequential![Input<4, 5, 3>, (bn)];
    let x = Tensor::<(Dyn, Const<4>, Const<5>, Const<3>)>::from_slice(
        (Dyn(2), Const, Const, Const),
        c.get("x"),
    )
    .unwrap();
    assert_close(
        "batch_normalization",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn layer_normalization_matches_keras() {
    let cases = load("layers.txt");
    let c = case(&cases, "layer_normalization");
    let ln = LayerNormalization::from_data::<Const<6>, f32, _>(
        c.get("w0").to_vec(),
        c.get("w1").to_vec(),
    )
    .unwrap();
    let model = sequential![Input<3, 6>, (ln)];
    let x = Tensor::<(Dyn, Const<3>, Const<6>)>::from_slice((Dyn(2), Const, Const), c.get("x"))
        .unwrap();
    assert_close(
        "layer_normalization",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn resize_reshape_and_utility_layers_match_keras() {
    let cases = load("layers.txt");
    macro_rules! check {
        ($name:literal, [$($d:literal),+], $layer:ty, $shape:literal) => {{
            let c = case(&cases, $name);
            let model = sequential![Input<$($d),+>, $layer];
            assert_eq!(model.output_shape().to_string(), $shape, "{}", $name);
            let x = c.get("x");
            let batch = x.len() / (1 $(* $d)+);
            let x = Tensor::<(Dyn, $(Const<$d>,)+)>::from_vec((Dyn(batch), $(Const::<$d>,)+), x.to_vec()).unwrap();
            assert_close($name, model.predict(&x).unwrap().as_slice(), c.get("y"));
        }};
    }
    check!(
        "zero_padding2d",
        [3, 4, 2],
        ZeroPadding2D<2>,
        "(None, 7, 8, 2)"
    );
    check!(
        "up_sampling2d",
        [3, 4, 2],
        UpSampling2D<3>,
        "(None, 9, 12, 2)"
    );
    check!("cropping2d", [6, 5, 2], Cropping2D<2>, "(None, 2, 1, 2)");
    check!("reshape", [12], Reshape3<3, 2, 2>, "(None, 3, 2, 2)");
    check!(
        "activation_softmax",
        [3, 4],
        Activation<Softmax>,
        "(None, 3, 4)"
    );
    check!("dropout", [7], Dropout, "(None, 7)");
}

#[test]
fn summary_counts_non_trainable_parameters_like_keras() {
    let want = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/summary_bn.txt"
    ))
    .unwrap();
    let model = sequential![
        Input<8, 8, 3>,
        Conv2D<4, 3>,
        BatchNormalization,
        Activation<Relu>,
        ZeroPadding2D<1>,
        MaxPooling2D<2>,
        Flatten,
        Dropout::new(0.2),
        Dense<2>,
    ];
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());
}

#[test]
fn normalization_weights_of_the_wrong_length_are_errors() {
    let err = BatchNormalization::from_data::<Const<3>, f32, _>(
        vec![1.0; 3],
        vec![0.0; 2],
        vec![0.0; 3],
        vec![1.0; 3],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchNormalization beta: shape (3,) needs 3 elements but 2 were given"
    );
    assert!(LayerNormalization::from_data::<Const<4>, f32, _>(vec![1.0; 4], vec![0.0; 5]).is_err());
}

#[test]
fn permute_matches_keras() {
    let cases = load("conv_more.txt");
    let c = case(&cases, "permute_312");
    let model = sequential![Input<2, 3, 4>, (corten::layer::Permute::<3, 1, 2>)];
    assert_eq!(model.output_shape().to_string(), "(None, 4, 2, 3)");
    let x = Tensor::<(Dyn, Const<2>, Const<3>, Const<4>)>::from_slice(
        (Dyn(2), Const, Const, Const),
        c.get("x"),
    )
    .unwrap();
    assert_close(
        "permute_312",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
    let c = case(&cases, "permute_21");
    let model = sequential![Input<3, 4>, (corten::layer::Permute::<2, 1>)];
    let x = Tensor::<(Dyn, Const<3>, Const<4>)>::from_slice((Dyn(2), Const, Const), c.get("x"))
        .unwrap();
    assert_close(
        "permute_21",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
}
