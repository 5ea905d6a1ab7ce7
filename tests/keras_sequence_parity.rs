//! Sequence layers (Conv1D, 1-D pooling, Embedding) against real Keras
//! (fixtures from tools/make_fixtures.py).
mod common;

use common::{assert_close, case, load, Case};
use corten::activation::{Linear, Relu};
use corten::layer::Conv1D;
use corten::prelude::*;
use corten::shape::{Const, Dyn, Same};
use corten::{sequential, Error, Tensor};

fn sequences<const L: usize, const C: usize>(c: &Case) -> Tensor<(Dyn, Const<L>, Const<C>)> {
    let x = c.get("x");
    Tensor::from_slice((Dyn(x.len() / (L * C)), Const, Const), x).unwrap()
}

fn ids<const L: usize>(c: &Case) -> Tensor<(Dyn, Const<L>)> {
    let x = c.get("x");
    Tensor::from_slice((Dyn(x.len() / L), Const), x).unwrap()
}

#[test]
fn conv1d_matches_keras() {
    let cases = load("sequence.txt");
    let c = case(&cases, "conv1d_valid_relu");
    let conv = Conv1D::<4, 3, Relu>::from_data::<Const<3>, f32, _, _>(
        c.get("w0").to_vec(),
        c.get("w1").to_vec(),
    )
    .unwrap();
    let model = sequential![Input<9, 3>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 7, 4)");
    assert_close(
        &c.name,
        model.predict(&sequences::<9, 3>(c)).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "conv1d_same_stride2");
    let conv = Conv1D::<2, 4, Linear, Same, 2>::from_data::<Const<3>, f32, _, _>(
        c.get("w0").to_vec(),
        c.get("w1").to_vec(),
    )
    .unwrap();
    let model = sequential![Input<9, 3>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 5, 2)");
    assert_close(
        &c.name,
        model.predict(&sequences::<9, 3>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn pooling_1d_matches_keras() {
    let cases = load("sequence.txt");
    macro_rules! check {
        ($name:literal, $l:literal, $c:literal, $layer:ty, $shape:literal) => {
            let c = case(&cases, $name);
            let model = sequential![Input<$l, $c>, $layer];
            assert_eq!(model.output_shape().to_string(), $shape, "{}", $name);
            assert_close($name, model.predict(&sequences::<$l, $c>(c)).unwrap().as_slice(), c.get("y"));
        };
    }
    check!("max_pooling1d_2", 7, 3, MaxPooling1D<2>, "(None, 3, 3)");
    check!("average_pooling1d_3_same_s2", 7, 2, AveragePooling1D<3, Same, 2>, "(None, 4, 2)");
    check!(
        "global_max_pooling1d",
        5,
        3,
        GlobalMaxPooling1D,
        "(None, 3)"
    );
    check!(
        "global_average_pooling1d",
        5,
        3,
        GlobalAveragePooling1D,
        "(None, 3)"
    );
}

#[test]
fn embedding_matches_keras_and_rejects_bad_ids() {
    let cases = load("sequence.txt");
    let c = case(&cases, "embedding");
    let model = sequential![
        Input<6>,
        (Embedding::<10, 4>::from_data(c.get("w0").to_vec()).unwrap())
    ];
    assert_eq!(model.output_shape().to_string(), "(None, 6, 4)");
    assert_close(
        &c.name,
        model.predict(&ids::<6>(c)).unwrap().as_slice(),
        c.get("y"),
    );

    let bad = Tensor::from_array([[1.0f32, 2.0, 10.0, 0.0, 0.0, 0.0]]);
    let err = model.predict(&bad).unwrap_err();
    assert_eq!(
        err,
        Error::IndexOutOfRange {
            index: 2,
            value: 10.0,
            limit: 10
        }
    );
    assert_eq!(
        err.to_string(),
        "index out of range: input element 2 is 10, but indices must be whole numbers in 0..10"
    );
    assert!(model
        .predict(&Tensor::from_array([[0.5f32, 0.0, 0.0, 0.0, 0.0, 0.0]]))
        .is_err());
    assert!(model
        .predict(&Tensor::from_array([[-1.0f32, 0.0, 0.0, 0.0, 0.0, 0.0]]))
        .is_err());
    let mut y = Tensor::from_array([[[0.0f32; 4]; 6]]);
    assert!(model.predict_into(&bad, &mut y, &mut []).is_err());
}

#[test]
fn embedding_conv1d_global_max_pool_matches_keras() {
    let cases = load("sequence.txt");
    let c = case(&cases, "embedding_conv1d_global_max_pool");
    let v = |k: &str| c.get(k).to_vec();
    let model = sequential![
        Input<8>,
        (Embedding::<12, 5>::from_data(v("l0w0")).unwrap()),
        (Conv1D::<6, 3, Relu>::from_data::<Const<5>, f32, _, _>(v("l1w0"), v("l1w1")).unwrap()),
        GlobalMaxPooling1D,
        (Dense::<2>::from_data::<Const<6>, f32, _, _>(v("l3w0"), v("l3w1")).unwrap()),
    ];
    assert_close(
        &c.name,
        model.predict(&ids::<8>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn nan_or_infinite_input_is_an_error() {
    let model = sequential![Input<2>, Dense<1>::from_weights([[1.0f32], [1.0]], [0.0])];
    let err = model
        .predict(&Tensor::from_array([[1.0f32, f32::NAN]]))
        .unwrap_err();
    assert_eq!(err.to_string(), "model input: element 1 is NaN or infinite");
    assert!(model
        .predict(&Tensor::from_array([[f32::INFINITY, 0.0]]))
        .is_err());
}
