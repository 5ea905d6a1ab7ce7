//! Legacy HDF5 files (`model.save("m.h5")`), Keras 2's (tf_keras) and Keras
//! 3's, into the same architecture written in corten: fixtures from
//! `legacy_h5()` and `legacy_h5_keras2()` in tools/make_fixtures.py.
mod common;

use common::{assert_close, case, load};
use corten::layer::BatchNormalization;
use corten::prelude::*;

fn file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/keras/{name}.h5"))
}

const WRITERS: [&str; 2] = ["keras2", "keras3"];

#[test]
fn an_mlp_with_batch_norm_loads_from_either_writer() {
    for writer in WRITERS {
        let cases = load(&format!("legacy_h5_{writer}.txt"));
        let c = case(&cases, "legacy_mlp_bn");
        let mut model =
            sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
        model
            .load_keras_weights(file(&format!("legacy_mlp_bn_{writer}")))
            .unwrap();
        let x = Tensor::from_slice((Dyn(4), Const::<3>), c.get("x")).unwrap();
        assert_close(writer, model.predict(&x).unwrap().as_slice(), c.get("y"));
        if writer == "keras2" {
            // Keras 2's `save_weights("w.h5")`: the layer groups at the root.
            let mut weights_only =
                sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
            weights_only
                .load_keras_weights(file("legacy_mlp_bn_keras2_weights"))
                .unwrap();
            let y = weights_only.predict(&x).unwrap();
            assert_close("keras2 save_weights", y.as_slice(), c.get("y"));
        }
    }
}

#[test]
fn a_cnn_loads_from_either_writer() {
    for writer in WRITERS {
        let cases = load(&format!("legacy_h5_{writer}.txt"));
        let c = case(&cases, "legacy_cnn");
        let mut model =
            sequential![Input<6, 6, 1>, Conv2D<2, 3, Relu>, MaxPooling2D<2>, Flatten, Dense<2>];
        model
            .load_keras_weights(file(&format!("legacy_cnn_{writer}")))
            .unwrap();
        let x =
            Tensor::from_slice((Dyn(2), Const::<6>, Const::<6>, Const::<1>), c.get("x")).unwrap();
        assert_close(writer, model.predict(&x).unwrap().as_slice(), c.get("y"));
    }
}

#[test]
fn recurrent_layers_and_wrappers_load_from_either_writer() {
    for writer in WRITERS {
        let cases = load(&format!("legacy_h5_{writer}.txt"));
        let c = case(&cases, "legacy_recurrent");
        let mut model = sequential![
            Input<5, 3>,
            (TimeDistributed::new(Dense::<3>::new())),
            (Bidirectional::new(Lstm::<2>::new().return_sequences())),
            Gru<2>,
            Dense<1>,
        ];
        model
            .load_keras_weights(file(&format!("legacy_recurrent_{writer}")))
            .unwrap();
        let x = Tensor::from_slice((Dyn(2), Const::<5>, Const::<3>), c.get("x")).unwrap();
        assert_close(writer, model.predict(&x).unwrap().as_slice(), c.get("y"));
    }
}

#[test]
fn legacy_files_that_do_not_fit_are_errors_naming_the_layer() {
    let path = file("legacy_mlp_bn_keras2");
    // A layer the file does not have (a third Dense, `dense_2`).
    let mut longer = sequential![
        Input<3>,
        Dense<4, Relu>,
        BatchNormalization,
        Dense<2, Softmax>,
        Dense<2>
    ];
    let err = longer.load_keras_weights(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `model_weights/dense_2`: layer `dense_2` (Dense) has 2 weights, but the file has no layer `dense_2` (it has batch_normalization, dense, dense_1, top_level_model_weights)"
    );
    // A layer the model does not have.
    let mut shorter = sequential![Input<3>, Dense<4, Relu>, BatchNormalization];
    let err = shorter.load_keras_weights(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `model_weights/dense_1`: the file's layer `dense_1` has 2 weights, but the model has no layer of that name"
    );
    // Another shape.
    let mut wider = sequential![Input<3>, Dense<5, Relu>, BatchNormalization, Dense<2, Softmax>];
    let before = wider.get_weights();
    let err = wider.load_keras_weights(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `model_weights/dense/dense/kernel:0`: layer `dense`, weight `kernel`: shape (3, 4) in the file, (3, 5) in the model"
    );
    assert_eq!(wider.get_weights(), before, "nothing changed");
    // A layer without a weight the model's has (a Dense without its bias).
    let mut no_bias = sequential![
        Input<3>,
        Dense<4, Relu>.without_bias(),
        BatchNormalization,
        Dense<2, Softmax>
    ];
    let err = no_bias.load_keras_weights(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `model_weights/dense/dense/bias:0`: the file's layer `dense` has a weight the model's (Dense) does not"
    );
}
