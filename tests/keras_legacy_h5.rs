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
