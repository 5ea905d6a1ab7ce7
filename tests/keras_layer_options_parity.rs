//! Keras options that change a layer's weights or numbers — `use_bias=False`
//! on the convolutions; `scale`, `center` and `epsilon` on the
//! normalizations — against real Keras (`layer_options()` in
//! tools/make_fixtures.py), in prediction and through `fit`.
mod common;

use common::{assert_close, assert_near, case, keras_fit, load, Case};
use corten::activation::{Linear, Relu, Softmax, Tanh};
use corten::layer::{
    Activation, BatchNormalization, Conv2DTranspose, DepthwiseConv2D, LayerNormalization,
};
use corten::model::FitOptions;
use corten::prelude::*;
use corten::shape::{Const, Dyn, Same, Valid};

/// The case's weights `l<i>w<j>`, layer by layer, in Keras's order.
fn layer_weights(c: &Case) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    for i in 0..16 {
        for j in 0..8 {
            if let Some(w) = c.arrays.get(&format!("l{i}w{j}")) {
                out.push(w.clone());
            }
        }
    }
    out
}

macro_rules! check_predict {
    ($cases:expr, $name:literal, [$($dim:literal),+], $model:expr, weights: $count:expr) => {{
        let c = case($cases, $name);
        let mut model = $model;
        let weights = layer_weights(c);
        assert_eq!(model.get_weights().len(), $count, "{}: weight count", $name);
        model.set_weights(&weights).unwrap();
        let x = Tensor::<(Dyn, $(Const<$dim>),+), f32>::from_sizes(&[3, $($dim),+], c.get("x").to_vec())
            .unwrap();
        assert_close($name, model.predict(&x).unwrap().as_slice(), c.get("y"));
    }};
}

#[test]
fn convolutions_without_bias_match_keras() {
    let cases = load("layer_options.txt");
    check_predict!(&cases, "conv1d_no_bias", [6, 2], sequential![Input<6, 2>, Conv1D<3, 2, Tanh>.without_bias()], weights: 1);
    check_predict!(&cases, "conv2d_no_bias", [5, 5, 2], sequential![Input<5, 5, 2>, Conv2D<4, 3, Linear, Same>.without_bias()], weights: 1);
    check_predict!(&cases, "conv2d_groups_no_bias", [5, 5, 2], sequential![Input<5, 5, 2>, Conv2D<4, 3, Linear, Valid, 1, 1, 2>.without_bias()], weights: 1);
    check_predict!(&cases, "depthwise_conv2d_no_bias", [5, 5, 2], sequential![Input<5, 5, 2>, DepthwiseConv2D<3, Relu, Valid, 1, 2>.without_bias()], weights: 1);
    check_predict!(&cases, "conv2d_transpose_no_bias", [3, 3, 2], sequential![Input<3, 3, 2>, Conv2DTranspose<2, 3, Linear, Valid, 2>.without_bias()], weights: 1);
}

#[test]
fn kernels_strides_and_dilations_given_as_pairs_match_keras() {
    let cases = load("layer_options.txt");
    // Conv2D(4, (3, 2), strides=(2, 1), activation="relu")
    check_predict!(&cases, "conv2d_kernel_3x2_strides_2x1", [7, 6, 2], sequential![Input<7, 6, 2>, Conv2D<4, 3, Relu, Valid, 2, 1, 1, 2, 1>], weights: 2);
    // Conv2D(3, (2, 3), strides=(1, 2), padding="same")
    check_predict!(&cases, "conv2d_kernel_2x3_same_strides_1x2", [5, 7, 3], sequential![Input<5, 7, 3>, Conv2D<3, 2, Linear, Same, 1, 1, 1, 3, 2>], weights: 2);
    // MaxPooling2D((2, 3), strides=(1, 2))
    check_predict!(&cases, "max_pooling2d_2x3_strides_1x2", [5, 7, 2], sequential![Input<5, 7, 2>, MaxPooling2D<2, Valid, 1, 3, 2>], weights: 0);
    // AveragePooling2D((3, 1), strides=(2, 1), padding="same")
    check_predict!(&cases, "average_pooling2d_3x1_same_strides_2x1", [5, 4, 2], sequential![Input<5, 4, 2>, AveragePooling2D<3, Same, 2, 1, 1>], weights: 0);
    // DepthwiseConv2D((3, 2), strides=(1, 2), depth_multiplier=2, activation="tanh")
    check_predict!(&cases, "depthwise_conv2d_3x2_strides_1x2", [6, 7, 2], sequential![Input<6, 7, 2>, DepthwiseConv2D<3, Tanh, Valid, 1, 2, 2, 2>], weights: 2);
    // Conv2D(3, (3, 2), dilation_rate=(2, 1), activation="relu")
    check_predict!(&cases, "conv2d_dilation_2x1", [9, 6, 2], sequential![Input<9, 6, 2>, Conv2D<3, 3, Relu, Valid, 1, 2, 1, 2, 1, 1>], weights: 2);
    // Conv2D(2, 3, dilation_rate=(1, 3), padding="same")
    check_predict!(&cases, "conv2d_dilation_1x3_same", [5, 9, 2], sequential![Input<5, 9, 2>, Conv2D<2, 3, Linear, Same, 1, 1, 1, 3, 1, 3>], weights: 2);
}

#[test]
fn normalizations_without_scale_or_center_match_keras() {
    let cases = load("layer_options.txt");
    check_predict!(&cases, "batch_norm_no_scale", [4, 3], sequential![Input<4, 3>, BatchNormalization.without_scale()], weights: 3);
    check_predict!(&cases, "batch_norm_no_center", [4, 3], sequential![Input<4, 3>, BatchNormalization.without_center()], weights: 3);
    check_predict!(&cases, "batch_norm_neither_eps", [4, 3], sequential![Input<4, 3>, (BatchNormalization::new().without_scale().without_center().with_epsilon(0.1))], weights: 2);
    check_predict!(&cases, "layer_norm_no_scale", [3, 5], sequential![Input<3, 5>, LayerNormalization.without_scale()], weights: 1);
    check_predict!(&cases, "layer_norm_no_center_eps", [3, 5], sequential![Input<3, 5>, (LayerNormalization::new().without_center().with_epsilon(0.1))], weights: 1);
}

#[test]
fn fit_through_every_option_matches_keras() {
    let cases = load("layer_options.txt");
    let c = case(&cases, "fit_without_bias_scale_center");
    let mut model = sequential![
        Input<6, 6, 2>,
        Conv2D<3, 3>.without_bias(),
        BatchNormalization.without_scale(),
        (Activation(Relu)),
        DepthwiseConv2D<2>.without_bias(),
        Flatten,
        Dense<5>.without_bias(),
        LayerNormalization.without_center(),
        Dense<3, Softmax>,
    ];
    let count = model.get_weights().len();
    assert_eq!(count, 1 + 3 + 1 + 1 + 1 + 2);
    let initial: Vec<Vec<f32>> = (0..count)
        .map(|i| c.get(&format!("initial{i}")).to_vec())
        .collect();
    model.set_weights(&initial).unwrap();
    model.compile(
        Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let x = Tensor::<(Dyn, Const<6>, Const<6>, Const<2>), f32>::from_sizes(
        &[20, 6, 6, 2],
        c.get("x").to_vec(),
    )
    .unwrap();
    let y = Tensor::<(Dyn,), f32>::from_sizes(&[20], c.get("y").to_vec()).unwrap();
    let options = FitOptions {
        epochs: 2,
        ..keras_fit(8)
    };
    let history = model.fit(&x, &y, options).unwrap();
    let losses: Vec<f32> = history.get("loss").iter().map(|&v| v as f32).collect();
    assert_near("losses", &losses, c.get("loss"), 1e-4);
    for (i, w) in model.get_weights().iter().enumerate() {
        assert_near(
            &format!("final weight {i}"),
            w,
            c.get(&format!("final{i}")),
            1e-4,
        );
    }
}
