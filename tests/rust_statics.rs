//! `corten-weights` (`SafeTensorsView::rust_statics`): a safetensors file as
//! Rust `static` arrays for firmware. The golden in tests/generated/ is what
//! the tool writes for the fixture, compiled here and compared value by
//! value with the file itself.

use corten::model::SafeTensorsView;
use corten::prelude::*;
use corten::sequential;

mod statics {
    include!("generated/mlp_bn_weights.rs");
}

const FIXTURE: &str = "tests/fixtures/corten/mlp_bn.safetensors";

#[test]
fn the_golden_is_what_the_tool_writes() {
    let bytes = std::fs::read(FIXTURE).unwrap();
    let rust = SafeTensorsView::new(&bytes)
        .unwrap()
        .rust_statics()
        .unwrap();
    let golden = std::fs::read_to_string("tests/generated/mlp_bn_weights.rs").unwrap();
    let body = golden.split_once("\n\n").unwrap().1;
    assert_eq!(body, rust, "regenerate: cargo run --bin corten-weights -- {FIXTURE} --out tests/generated/mlp_bn_weights.rs");
}

#[test]
fn every_static_holds_the_files_values_exactly_in_its_shape() {
    let bytes = std::fs::read(FIXTURE).unwrap();
    let view = SafeTensorsView::new(&bytes).unwrap();
    let flat: [(&str, &[f32]); 10] = [
        ("dense/kernel", statics::DENSE_KERNEL.as_flattened()),
        ("dense/bias", &statics::DENSE_BIAS),
        (
            "batch_normalization/gamma",
            &statics::BATCH_NORMALIZATION_GAMMA,
        ),
        (
            "batch_normalization/beta",
            &statics::BATCH_NORMALIZATION_BETA,
        ),
        (
            "batch_normalization/moving_mean",
            &statics::BATCH_NORMALIZATION_MOVING_MEAN,
        ),
        (
            "batch_normalization/moving_variance",
            &statics::BATCH_NORMALIZATION_MOVING_VARIANCE,
        ),
        ("dense_1/kernel", statics::DENSE_1_KERNEL.as_flattened()),
        ("dense_1/bias", &statics::DENSE_1_BIAS),
        ("dense/kernel", statics::DENSE_KERNEL.as_flattened()),
        ("dense_1/kernel", statics::DENSE_1_KERNEL.as_flattened()),
    ];
    for (name, values) in flat {
        let want = view.tensor_copied::<f32>(name).unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(values), bits(&want), "{name}");
    }
    assert_eq!(view.names().len(), 8);
    // The kernels' shapes are Keras's (inputs, units).
    assert_eq!(
        statics::DENSE_KERNEL.len(),
        view.shape("dense/kernel").unwrap()[0]
    );
    assert_eq!(
        statics::DENSE_1_KERNEL[0].len(),
        view.shape("dense_1/kernel").unwrap()[1]
    );
}

#[test]
fn a_model_over_the_statics_predicts_what_the_loaded_model_does() {
    // The Dense layers over the statics in place (the batch norm holds
    // gamma 1, beta 0, mean 0, variance 1: its epsilon alone shows).
    let mut loaded = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
    loaded.load_weights(FIXTURE).unwrap();
    let first = sequential![
        Input<3>,
        (Dense::<4, Relu>::from_weights(&statics::DENSE_KERNEL, &statics::DENSE_BIAS))
    ];
    let x = Tensor::from_array([[0.5f32, -1.0, 2.0], [1.5, 0.25, -0.75]]);
    let hidden = first.predict(&x).unwrap();
    let scale = 1.0 / (1.0f32 + 1e-3).sqrt();
    let mut logits = [[0.0f32; 2]; 2];
    for (row, h) in logits.iter_mut().zip(hidden.as_slice().chunks(4)) {
        for (j, l) in row.iter_mut().enumerate() {
            *l = statics::DENSE_1_BIAS[j]
                + (0..4)
                    .map(|i| h[i] * scale * statics::DENSE_1_KERNEL[i][j])
                    .sum::<f32>();
        }
    }
    let want = loaded.predict(&x).unwrap();
    for (row, got) in logits.iter().zip(want.as_slice().chunks(2)) {
        let e: Vec<f32> = row.iter().map(|l| (l - row[0].max(row[1])).exp()).collect();
        let sum: f32 = e.iter().sum();
        for (a, b) in e.iter().zip(got) {
            assert!((a / sum - b).abs() < 1e-6, "{} vs {b}", a / sum);
        }
    }
}

#[test]
fn a_nan_and_two_names_for_one_static_are_errors() {
    let mut model = sequential![Input<2>, Dense<1>];
    model
        .set_weights(&[&[f32::NAN, 1.0][..], &[0.0]])
        .unwrap_err();
    // set_weights refuses NaN; write the file's bytes by hand instead.
    let mut ok = sequential![Input<2>, Dense<1>];
    ok.set_weights(&[&[2.0f32, 1.0][..], &[0.0]]).unwrap();
    let mut bytes = ok.weights_to_bytes().unwrap();
    let two = 2.0f32.to_le_bytes();
    let at = bytes.windows(4).position(|w| w == two).unwrap();
    bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let err = SafeTensorsView::new(&bytes)
        .unwrap()
        .rust_statics()
        .unwrap_err();
    assert!(
        err.to_string().contains("dense/kernel")
            && err.to_string().contains("value 0 is NaN or infinite"),
        "{err}"
    );
    let renamed = sequential![Input<2>, Dense<1>.named("a_b"), Dense<1>.named("a-b")];
    let bytes = renamed.weights_to_bytes().unwrap();
    let err = SafeTensorsView::new(&bytes)
        .unwrap()
        .rust_statics()
        .unwrap_err();
    assert!(err.to_string().contains("also"), "{err}");
}
