//! Convolution, pooling and reshaping layers against real Keras (fixtures from
//! tools/make_fixtures.py: every weight set explicitly).
mod common;

use common::{assert_close, case, load, Case};
use corten::layer::{Conv2D, Dense};
use corten::prelude::*;
use corten::shape::{Const, Dyn, Same, Valid};
use corten::{sequential, Tensor};

type Image<const H: usize, const W: usize, const C: usize> =
    Tensor<(Dyn, Const<H>, Const<W>, Const<C>)>;

fn images<const H: usize, const W: usize, const C: usize>(c: &Case) -> Image<H, W, C> {
    let x = c.get("x");
    Tensor::from_slice((Dyn(x.len() / (H * W * C)), Const, Const, Const), x).unwrap()
}

fn w(c: &Case, key: &str) -> Vec<f32> {
    c.get(key).to_vec()
}

#[test]
fn conv2d_single_layers_match_keras() {
    let cases = load("conv.txt");

    let c = case(&cases, "conv2d_valid_relu");
    let conv = Conv2D::<4, 3, corten::activation::Relu>::from_data::<Const<3>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<7, 6, 3>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 5, 4, 4)");
    assert_close(
        &c.name,
        model.predict(&images::<7, 6, 3>(c)).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "conv2d_same_stride2");
    let conv =
        Conv2D::<5, 3, corten::activation::Linear, Same, 2>::from_data::<Const<3>, f32, _, _>(
            w(c, "w0"),
            w(c, "w1"),
        )
        .unwrap();
    let model = sequential![Input<7, 6, 3>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 4, 3, 5)");
    assert_close(
        &c.name,
        model.predict(&images::<7, 6, 3>(c)).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "conv2d_same_k4");
    let conv = Conv2D::<3, 4, corten::activation::Linear, Same>::from_data::<Const<2>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<5, 5, 2>, (conv)];
    assert_close(
        &c.name,
        model.predict(&images::<5, 5, 2>(c)).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "conv2d_valid_stride2_k2");
    let conv =
        Conv2D::<2, 2, corten::activation::Linear, Valid, 2>::from_data::<Const<1>, f32, _, _>(
            w(c, "w0"),
            w(c, "w1"),
        )
        .unwrap();
    let model = sequential![Input<8, 9, 1>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 4, 4, 2)");
    assert_close(
        &c.name,
        model.predict(&images::<8, 9, 1>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn pooling_and_flatten_match_keras() {
    let cases = load("conv.txt");
    macro_rules! check {
        ($name:literal, $h:literal, $w:literal, $c:literal, $layer:ty, $shape:literal) => {
            let c = case(&cases, $name);
            let model = sequential![Input<$h, $w, $c>, $layer];
            assert_eq!(model.output_shape().to_string(), $shape, "{}", $name);
            assert_close($name, model.predict(&images::<$h, $w, $c>(c)).unwrap().as_slice(), c.get("y"));
        };
    }
    check!(
        "max_pooling2d_2",
        6,
        7,
        3,
        MaxPooling2D<2>,
        "(None, 3, 3, 3)"
    );
    check!("max_pooling2d_3_same_s2", 7, 6, 2, MaxPooling2D<3, Same, 2>, "(None, 4, 3, 2)");
    check!(
        "average_pooling2d_2",
        6,
        7,
        3,
        AveragePooling2D<2>,
        "(None, 3, 3, 3)"
    );
    check!("average_pooling2d_3_same_s2", 7, 6, 2, AveragePooling2D<3, Same, 2>, "(None, 4, 3, 2)");
    check!(
        "global_average_pooling2d",
        4,
        5,
        3,
        GlobalAveragePooling2D,
        "(None, 3)"
    );
    check!(
        "global_max_pooling2d",
        4,
        5,
        3,
        GlobalMaxPooling2D,
        "(None, 3)"
    );
    check!("flatten", 3, 4, 2, Flatten, "(None, 24)");
}

#[test]
fn cnn_conv_pool_flatten_dense_matches_keras() {
    let cases = load("conv.txt");
    let c = case(&cases, "cnn_conv_pool_flatten_dense");
    let conv = Conv2D::<4, 3, corten::activation::Relu>::from_data::<Const<1>, f32, _, _>(
        w(c, "l0w0"),
        w(c, "l0w1"),
    )
    .unwrap();
    // 10×10 → conv 8×8×4 → pool 4×4×4 → flatten 64 → dense 3.
    let dense = Dense::<3, corten::activation::Softmax>::from_data::<Const<64>, f32, _, _>(
        w(c, "l3w0"),
        w(c, "l3w1"),
    )
    .unwrap();
    let model = sequential![Input<10, 10, 1>, (conv), MaxPooling2D<2>, Flatten, (dense)];
    assert_close(
        &c.name,
        model.predict(&images::<10, 10, 1>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn cnn_same_valid_stride2_gap_matches_keras() {
    let cases = load("conv.txt");
    let c = case(&cases, "cnn_same_valid_stride2_gap");
    use corten::activation::{Linear, Relu, Tanh};
    let c0 =
        Conv2D::<4, 3, Relu, Same>::from_data::<Const<2>, f32, _, _>(w(c, "l0w0"), w(c, "l0w1"))
            .unwrap();
    let c1 = Conv2D::<6, 3, Tanh, Valid, 2>::from_data::<Const<4>, f32, _, _>(
        w(c, "l1w0"),
        w(c, "l1w1"),
    )
    .unwrap();
    let c2 = Conv2D::<5, 3, Linear, Same, 2>::from_data::<Const<6>, f32, _, _>(
        w(c, "l2w0"),
        w(c, "l2w1"),
    )
    .unwrap();
    let dense = Dense::<2>::from_data::<Const<5>, f32, _, _>(w(c, "l4w0"), w(c, "l4w1")).unwrap();
    let model = sequential![Input<9, 9, 2>, (c0), (c1), (c2), GlobalAveragePooling2D, (dense)];
    assert_close(
        &c.name,
        model.predict(&images::<9, 9, 2>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn cnn_summary_matches_keras_table() {
    let want = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/summary_cnn.txt"
    ))
    .unwrap();
    let model = sequential![
        Input<28, 28, 1>,
        Conv2D<16, 3, Relu>,
        MaxPooling2D<2>,
        Conv2D<32, 3, Relu>,
        MaxPooling2D<2>,
        Flatten,
        Dense<10, Softmax>,
    ];
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());
}

#[test]
fn depthwise_conv2d_matches_keras() {
    use corten::activation::{Linear, Relu};
    use corten::layer::DepthwiseConv2D;
    let cases = load("conv_more.txt");
    let c = case(&cases, "depthwise_conv2d_same_m2");
    let dw = DepthwiseConv2D::<3, Linear, Same, 1, 2>::from_data::<Const<3>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<6, 5, 3>, (dw)];
    assert_eq!(model.output_shape().to_string(), "(None, 6, 5, 6)");
    assert_close(
        &c.name,
        model.predict(&images::<6, 5, 3>(c)).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "depthwise_conv2d_valid_s2");
    let dw = DepthwiseConv2D::<3, Relu, Valid, 2>::from_data::<Const<2>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<7, 7, 2>, (dw)];
    assert_eq!(model.output_shape().to_string(), "(None, 3, 3, 2)");
    assert_close(
        &c.name,
        model.predict(&images::<7, 7, 2>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn conv2d_transpose_matches_keras() {
    use corten::activation::Linear;
    use corten::layer::Conv2DTranspose;
    let cases = load("conv_more.txt");
    macro_rules! check {
        ($name:literal, [$h:literal, $w:literal, $c:literal], $f:literal, $k:literal, $p:ty, $s:literal, $shape:literal) => {
            let c = case(&cases, $name);
            let layer = Conv2DTranspose::<$f, $k, Linear, $p, $s>::from_data::<Const<$c>, f32, _, _>(w(c, "w0"), w(c, "w1")).unwrap();
            let model = sequential![Input<$h, $w, $c>, (layer)];
            assert_eq!(model.output_shape().to_string(), $shape, "{}", $name);
            assert_close($name, model.predict(&images::<$h, $w, $c>(c)).unwrap().as_slice(), c.get("y"));
        };
    }
    check!(
        "conv2d_transpose_valid_s2",
        [3, 4, 2],
        3,
        3,
        Valid,
        2,
        "(None, 7, 9, 3)"
    );
    check!(
        "conv2d_transpose_same_s2",
        [3, 4, 2],
        3,
        3,
        Same,
        2,
        "(None, 6, 8, 3)"
    );
    check!(
        "conv2d_transpose_same_k4_s2",
        [3, 3, 1],
        2,
        4,
        Same,
        2,
        "(None, 6, 6, 2)"
    );
    check!(
        "conv2d_transpose_valid_s1",
        [3, 3, 2],
        2,
        2,
        Valid,
        1,
        "(None, 4, 4, 2)"
    );
}

#[test]
fn dilated_conv2d_matches_keras() {
    use corten::activation::Linear;
    let cases = load("conv_more.txt");
    let c = case(&cases, "conv2d_dilated2_valid");
    let conv = Conv2D::<3, 3, Linear, Valid, 1, 2>::from_data::<Const<2>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<9, 8, 2>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 5, 4, 3)");
    assert_close(
        &c.name,
        model.predict(&images::<9, 8, 2>(c)).unwrap().as_slice(),
        c.get("y"),
    );
    let c = case(&cases, "conv2d_dilated2_same");
    let conv = Conv2D::<3, 3, Linear, Same, 1, 2>::from_data::<Const<2>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<7, 6, 2>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 7, 6, 3)");
    assert_close(
        &c.name,
        model.predict(&images::<7, 6, 2>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}

#[test]
fn grouped_conv2d_matches_keras() {
    use corten::activation::{Linear, Relu};
    let cases = load("conv_more.txt");
    let c = case(&cases, "conv2d_groups2_same");
    let conv = Conv2D::<6, 3, Relu, Same, 1, 1, 2>::from_data::<Const<4>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<6, 5, 4>, (conv)];
    assert_eq!(model.param_count(), 3 * 3 * 2 * 6 + 6);
    assert_close(
        &c.name,
        model.predict(&images::<6, 5, 4>(c)).unwrap().as_slice(),
        c.get("y"),
    );
    let c = case(&cases, "conv2d_groups4_s2");
    let conv = Conv2D::<8, 3, Linear, Valid, 2, 1, 4>::from_data::<Const<4>, f32, _, _>(
        w(c, "w0"),
        w(c, "w1"),
    )
    .unwrap();
    let model = sequential![Input<7, 7, 4>, (conv)];
    assert_eq!(model.output_shape().to_string(), "(None, 3, 3, 8)");
    assert_close(
        &c.name,
        model.predict(&images::<7, 7, 4>(c)).unwrap().as_slice(),
        c.get("y"),
    );
}
