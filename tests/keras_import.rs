//! Weights Keras 3 saved itself (`model.save_weights("m.weights.h5")`,
//! files in tests/fixtures/keras/ written by tools/make_fixtures.py), read
//! into the same architecture written in corten: predictions within 1e-5
//! of Keras's; files that do not fit are errors naming the layer.
mod common;

use common::{assert_close, case, corrupt, load};
use corten::model::Graph;
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{Error, Tensor};

fn file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/keras/{name}.weights.h5"))
}

#[test]
fn an_mlp_with_batch_norm_loads_from_keras() {
    let cases = load("keras_files.txt");
    let c = case(&cases, "mlp_bn");
    let mut model = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
    model.load_keras_weights(file("mlp_bn")).unwrap();
    let x = Tensor::from_slice((Dyn(4), Const::<3>), c.get("x0")).unwrap();
    assert_close("mlp_bn", model.predict(&x).unwrap().as_slice(), c.get("y0"));
}

#[test]
fn a_whole_keras_model_file_loads_its_weights() {
    let cases = load("keras_files.txt");
    let c = case(&cases, "mlp_bn");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras/mlp_bn.keras");
    let mut model = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
    model.load_keras_weights(&path).unwrap();
    let x = Tensor::from_slice((Dyn(4), Const::<3>), c.get("x0")).unwrap();
    assert_close(
        "mlp_bn.keras",
        model.predict(&x).unwrap().as_slice(),
        c.get("y0"),
    );

    // A zip without the weights file, and damaged zips.
    let bytes = std::fs::read(&path).unwrap();
    let mut other = bytes.clone();
    for at in 0..other.len() - 16 {
        if &other[at..at + 16] == b"model.weights.h5" {
            other[at + 15] = b'6';
        }
    }
    let err = model.load_keras_weights_from_bytes(&other).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file: a .keras file without `model.weights.h5`"
    );
    let err = model
        .load_keras_weights_from_bytes(&bytes[..bytes.len() / 2])
        .unwrap_err();
    assert!(err.to_string().contains("damaged .keras"), "{err}");
}

#[test]
fn a_cnn_loads_from_keras() {
    let cases = load("keras_files.txt");
    let c = case(&cases, "cnn");
    let mut model =
        sequential![Input<6, 6, 1>, Conv2D<2, 3, Relu>, MaxPooling2D<2>, Flatten, Dense<2>];
    model.load_keras_weights(file("cnn")).unwrap();
    let x = Tensor::from_slice((Dyn(2), Const::<6>, Const::<6>, Const::<1>), c.get("x0")).unwrap();
    assert_close("cnn", model.predict(&x).unwrap().as_slice(), c.get("y0"));
}

#[test]
fn recurrent_layers_and_wrappers_load_from_keras() {
    let cases = load("keras_files.txt");
    let c = case(&cases, "recurrent");
    let mut model = sequential![
        Input<5, 3>,
        (TimeDistributed::new(Dense::<3>::new())),
        (Bidirectional::new(Lstm::<2>::new().return_sequences())),
        Gru<2>,
        Dense<1>,
    ];
    model.load_keras_weights(file("recurrent")).unwrap();
    let x = Tensor::from_slice((Dyn(2), Const::<5>, Const::<3>), c.get("x0")).unwrap();
    assert_close(
        "recurrent",
        model.predict(&x).unwrap().as_slice(),
        c.get("y0"),
    );
}

#[test]
fn a_functional_model_with_a_shared_layer_loads_whatever_its_layers_are_named() {
    let cases = load("keras_files.txt");
    let c = case(&cases, "functional_shared");
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<4>,)>();
    let b = g.input::<(Const<4>,)>();
    let shared = g.shared(Dense::<3, Tanh>::new().named("encoder"));
    let (ha, hb) = (g.call(shared, a), g.call(shared, b));
    let s = g.add(Add, (ha, hb));
    let y = g.add(Dense::<1>::new(), s);
    let mut model = g.build((a, b), y).unwrap();
    model.load_keras_weights(file("functional_shared")).unwrap();
    let xa = Tensor::from_slice((Dyn(3), Const::<4>), c.get("x0")).unwrap();
    let xb = Tensor::from_slice((Dyn(3), Const::<4>), c.get("x1")).unwrap();
    assert_close(
        "functional",
        model.predict((&xa, &xb)).unwrap().as_slice(),
        c.get("y0"),
    );
}

#[test]
fn keras_files_that_do_not_fit_are_errors_naming_the_layer() {
    // Another architecture: a Dense of other units, a missing layer, an extra one.
    let mut wider = sequential![Input<3>, Dense<5, Relu>, BatchNormalization, Dense<2, Softmax>];
    let before = wider.get_weights();
    let err = wider.load_keras_weights(file("mlp_bn")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `layers/dense`: layer `dense`, weight `kernel`: shape (3, 4) in the file, (3, 5) in the model"
    );
    assert_eq!(wider.get_weights(), before, "nothing changed");
    let mut shorter = sequential![Input<3>, Dense<4, Relu>, BatchNormalization];
    let err = shorter.load_keras_weights(file("mlp_bn")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `layers/dense_1`: the file's layer `dense_1` has 2 weights, but the model has no such layer"
    );
    let mut longer =
        sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>, Dense<1>];
    let err = longer.load_keras_weights(file("mlp_bn")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `layers/dense_2`: layer `dense_2` (Dense) has 2 weights, but the file has no layer `dense_2`"
    );
    // Not an HDF5 file; a missing file.
    let err = longer
        .load_keras_weights_from_bytes(b"not an hdf5 file")
        .unwrap_err();
    assert!(err.to_string().contains("not an HDF5 file"), "{err}");
    assert!(matches!(
        longer
            .load_keras_weights(file("no_such_model"))
            .unwrap_err(),
        Error::Io { .. }
    ));
}

#[test]
fn corrupted_keras_zips_never_panic() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras/mlp_bn.keras");
    let bytes = std::fs::read(path).unwrap();
    let mut model = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
    let cases = common::corruption_cases(500, 20_000);
    corrupt(&bytes, 0x517c_c1b7_2722_0a95, cases, |bad| {
        if model.load_keras_weights_from_bytes(bad).is_ok() {
            assert!(model.get_weights().iter().flatten().all(|v| v.is_finite()));
        }
    });
}

/// Damaged Keras 3 `.weights.h5` and Keras 2 legacy `.h5` files of the
/// same model.
#[test]
fn corrupted_keras_files_never_panic() {
    let mut model = sequential![
        Input<5, 3>,
        (TimeDistributed::new(Dense::<3>::new())),
        (Bidirectional::new(Lstm::<2>::new().return_sequences())),
        Gru<2>,
        Dense<1>,
    ];
    let cases = common::corruption_cases(2_000, 20_000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras");
    for (name, seed) in [
        ("recurrent.weights.h5", 0x9e37_79b9_7f4a_7c15),
        ("legacy_recurrent_keras2.h5", 0x2545_f491_4f6c_dd1d),
    ] {
        let bytes = std::fs::read(root.join(name)).unwrap();
        let mut loaded = 0;
        corrupt(&bytes, seed, cases, |bad| {
            if model.load_keras_weights_from_bytes(bad).is_ok() {
                loaded += 1;
                assert!(model.get_weights().iter().flatten().all(|v| v.is_finite()));
            }
        });
        // Most damage lands in the weights' own bytes and loads (as other numbers).
        assert!(loaded > 0, "{name}");
    }
}
