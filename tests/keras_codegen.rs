//! The Rust generator (`corten-keras`, `corten::keras::rust_from_keras`):
//! the sources it writes for Keras-saved models are committed in
//! tests/generated/ and compiled here; they must be exactly what it writes
//! today, and their predictions must match Keras's (fixtures from
//! `codegen_models()` and `keras_digits()` in tools/make_fixtures.py).
//! Layers and options corten lacks are errors naming them.
mod common;

use common::{assert_close, case, load};
use corten::keras::{rust_from_keras, rust_from_keras_checked, rust_from_keras_config};
use corten::prelude::*;

mod mlp_bn {
    include!("generated/mlp_bn.rs");
}
/// With the test `corten-keras --check` writes (it runs as one of this
/// file's tests: `digits_cnn_checked::keras_check::predictions_match_keras`).
mod digits_cnn_checked {
    include!("generated/digits_cnn_checked.rs");
}
mod gen_sequence {
    include!("generated/gen_sequence.rs");
}
mod gen_images {
    include!("generated/gen_images.rs");
}
mod gen_steps {
    include!("generated/gen_steps.rs");
}
mod gen_wrappers {
    include!("generated/gen_wrappers.rs");
}
mod gen_reshape {
    include!("generated/gen_reshape.rs");
}
mod gen_activations {
    include!("generated/gen_activations.rs");
}
/// With the test `--check` writes for two inputs and two outputs.
mod gen_functional {
    include!("generated/gen_functional.rs");
}
mod gen_functional_steps {
    include!("generated/gen_functional_steps.rs");
}

fn root(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn keras_file(name: &str) -> Vec<u8> {
    std::fs::read(root(&format!("tests/fixtures/keras/{name}.keras"))).unwrap()
}

#[test]
fn the_committed_sources_are_what_the_generator_writes() {
    for (keras, generated) in [
        ("tests/fixtures/keras/mlp_bn.keras", "mlp_bn"),
        ("tests/fixtures/keras/gen_sequence.keras", "gen_sequence"),
        ("tests/fixtures/keras/gen_images.keras", "gen_images"),
        ("tests/fixtures/keras/gen_steps.keras", "gen_steps"),
        ("tests/fixtures/keras/gen_wrappers.keras", "gen_wrappers"),
        ("tests/fixtures/keras/gen_reshape.keras", "gen_reshape"),
        (
            "tests/fixtures/keras/gen_activations.keras",
            "gen_activations",
        ),
        (
            "tests/fixtures/keras/gen_functional_steps.keras",
            "gen_functional_steps",
        ),
    ] {
        let bytes = std::fs::read(root(keras)).unwrap();
        let rust = rust_from_keras(&bytes, keras).unwrap();
        let committed =
            std::fs::read_to_string(root(&format!("tests/generated/{generated}.rs"))).unwrap();
        assert_eq!(
            rust, committed,
            "tests/generated/{generated}.rs is not what corten-keras writes for {keras}: run it again"
        );
    }
    for (keras, check, generated) in [
        (
            "examples/keras/digits_cnn.keras",
            "examples/keras/digits_cnn_check.npz",
            "digits_cnn_checked",
        ),
        (
            "tests/fixtures/keras/gen_functional.keras",
            "tests/fixtures/keras/gen_functional_check.npz",
            "gen_functional",
        ),
    ] {
        let rust =
            rust_from_keras_checked(&std::fs::read(root(keras)).unwrap(), keras, check).unwrap();
        let committed =
            std::fs::read_to_string(root(&format!("tests/generated/{generated}.rs"))).unwrap();
        assert_eq!(
            rust, committed,
            "{generated}.rs: run corten-keras --check again"
        );
    }
}

#[test]
fn generated_models_predict_as_keras_does() {
    let cases = load("codegen.txt");

    let c = case(&cases, "gen_sequence");
    let model = gen_sequence::model(&keras_file("gen_sequence")).unwrap();
    assert_eq!(model.output_shape().to_string(), "(None, 2)");
    let x = Tensor::from_slice((Dyn(3), Const::<10>), c.get("x")).unwrap();
    assert_close(
        "gen_sequence",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
    // The layer Keras named keeps its name.
    assert!(model.summary().to_string().contains("tokens (Embedding)"));

    let c = case(&cases, "gen_images");
    let model = gen_images::model(&keras_file("gen_images")).unwrap();
    let x = Tensor::from_slice((Dyn(2), Const::<9>, Const::<9>, Const::<2>), c.get("x")).unwrap();
    assert_close(
        "gen_images",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "gen_steps");
    let model = gen_steps::model(&keras_file("gen_steps")).unwrap();
    assert_eq!(model.input_shape().to_string(), "(None, None, 3)");
    let x = Tensor::from_slice((Dyn(2), Dyn(7), Const::<3>), c.get("x")).unwrap();
    assert_close(
        "gen_steps",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "gen_wrappers");
    let model = gen_wrappers::model(&keras_file("gen_wrappers")).unwrap();
    let x = Tensor::from_slice((Dyn(2), Const::<5>, Const::<3>), c.get("x")).unwrap();
    assert_close(
        "gen_wrappers",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "gen_reshape");
    let model = gen_reshape::model(&keras_file("gen_reshape")).unwrap();
    let x = Tensor::from_slice((Dyn(2), Const::<4>, Const::<6>, Const::<2>), c.get("x")).unwrap();
    assert_close(
        "gen_reshape",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );

    let c = case(&cases, "gen_activations");
    let model = gen_activations::model(&keras_file("gen_activations")).unwrap();
    let x = Tensor::from_slice((Dyn(3), Const::<6>), c.get("x")).unwrap();
    assert_close(
        "gen_activations",
        model.predict(&x).unwrap().as_slice(),
        c.get("y"),
    );
    assert!(model
        .summary()
        .to_string()
        .contains("leaky_re_lu (Activation)"));

    let files = load("keras_files.txt");
    let c = case(&files, "mlp_bn");
    let model = mlp_bn::model(&keras_file("mlp_bn")).unwrap();
    let x = Tensor::from_slice((Dyn(4), Const::<3>), c.get("x0")).unwrap();
    assert_close("mlp_bn", model.predict(&x).unwrap().as_slice(), c.get("y0"));

    let bytes = std::fs::read(root("examples/keras/digits_cnn.keras")).unwrap();
    let model = digits_cnn_checked::model(&bytes).unwrap();
    let (_, (x_test, _)) = corten::datasets::load_digits().unwrap().split().unwrap();
    let keras =
        Tensor::<(Dyn, Const<10>)>::read_npy(root("examples/keras/digits_cnn_predictions.npy"))
            .unwrap();
    assert_close(
        "digits_cnn",
        model.predict(&x_test).unwrap().as_slice(),
        keras.as_slice(),
    );
}

/// Functional models: two inputs and two outputs, a skip connection, a
/// shared layer, every merge; sequences beside masked ids.
#[test]
fn generated_functional_models_predict_as_keras_does() {
    let cases = load("codegen.txt");
    let c = case(&cases, "gen_functional");
    let model = gen_functional::model(&keras_file("gen_functional")).unwrap();
    let xa = Tensor::from_slice((Dyn(3), Const::<8>), c.get("x0")).unwrap();
    let xb = Tensor::from_slice((Dyn(3), Const::<5>), c.get("x1")).unwrap();
    let (cls, hidden) = model.predict((&xa, &xb)).unwrap();
    assert_close("gen_functional cls", cls.as_slice(), c.get("y0"));
    assert_close("gen_functional hidden", hidden.as_slice(), c.get("y1"));
    // Keras's names and order, the shared layer once: Keras's own summary.
    let want = std::fs::read_to_string(root("tests/fixtures/summary_gen_functional.txt")).unwrap();
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());
    // The shapes module names each node's shape, as Keras prints it.
    let _: gen_functional::shapes::Concatenate = (Const::<13>,);
    let _: gen_functional::shapes::Cls = (Const::<3>,);

    let c = case(&cases, "gen_functional_steps");
    let model = gen_functional_steps::model(&keras_file("gen_functional_steps")).unwrap();
    let steps = Tensor::from_slice((Dyn(2), Const::<7>, Const::<3>), c.get("x0")).unwrap();
    let ids = Tensor::from_slice((Dyn(2), Const::<6>), c.get("x1")).unwrap();
    assert_close(
        "gen_functional_steps",
        model.predict((&steps, &ids)).unwrap().as_slice(),
        c.get("y0"),
    );
}

/// A generated model given another model's weights says which layer does
/// not fit.
#[test]
fn a_generated_model_given_other_weights_is_an_error() {
    let err = mlp_bn::model(&keras_file("gen_steps")).unwrap_err();
    assert!(err.to_string().contains("dense"), "{err}");
}

/// A model whose layers are `layers`, as Keras writes its config.
fn config(layers: &str) -> String {
    format!(
        r#"{{"class_name": "Sequential", "config": {{"name": "m", "layers": [
            {{"class_name": "InputLayer", "config": {{"batch_shape": [null, 8, 8, 1], "name": "input"}}}},
            {layers}]}}}}"#
    )
}

fn conv(extra: &str) -> String {
    format!(
        r#"{{"class_name": "Conv2D", "config": {{"name": "conv2d", "filters": 4, "kernel_size": [3, 3],
            "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
            "groups": 1, "activation": "relu", "use_bias": true, "kernel_regularizer": null {extra}}}}}"#
    )
}

/// A functional model of `layers` (each with its `inbound_nodes`), as
/// Keras writes its config.
fn functional(layers: &[String], outputs: &str) -> String {
    format!(
        r#"{{"class_name": "Functional", "config": {{"name": "f", "layers": [
            {{"class_name": "InputLayer", "config": {{"batch_shape": [null, 4], "name": "x"}}, "inbound_nodes": []}},
            {}], "input_layers": [["x", 0, 0]], "output_layers": {outputs}}}}}"#,
        layers.join(", ")
    )
}

/// A layer `class` named `name` of `config`, called on `args` with `kwargs`.
fn called(class: &str, name: &str, config: &str, args: &str, kwargs: &str) -> String {
    format!(
        r#"{{"class_name": "{class}", "config": {{"name": "{name}" {config}}},
            "inbound_nodes": [{{"args": [{args}], "kwargs": {{{kwargs}}}}}]}}"#
    )
}

/// Keras's tensor for output `index` of call 0 of layer `of`.
fn tensor(of: &str, index: usize) -> String {
    format!(
        r#"{{"class_name": "__keras_tensor__", "config": {{"shape": [null, 4], "keras_history": ["{of}", 0, {index}]}}}}"#
    )
}

#[test]
fn functional_models_corten_cannot_write_are_errors_naming_the_layer() {
    let dense = |name: &str, args: &str, kwargs: &str| {
        called(
            "Dense",
            name,
            r#", "units": 4, "activation": "linear", "use_bias": true"#,
            args,
            kwargs,
        )
    };
    // What works: x → dense → add(x, dense).
    let ok = functional(
        &[
            dense("dense", &tensor("x", 0), ""),
            called(
                "Add",
                "add",
                "",
                &format!("[{}, {}]", tensor("x", 0), tensor("dense", 0)),
                "",
            ),
        ],
        r#"[["add", 0, 0]]"#,
    );
    let generated = rust_from_keras_config(&ok, "f.keras").unwrap();
    assert!(
        generated.contains("    let add = g.add(l::Add, (x, dense));\n"),
        "{generated}"
    );
    assert!(generated.contains("g.build(x, add)"), "{generated}");
    for (config, message) in [
        (
            ok.replace("[null, 4]", "[null, null, 4]"),
            "Keras model, layer `x (InputLayer)`: timesteps known only at run time: corten's functional models take inputs of static sizes (not yet `None`)",
        ),
        (
            functional(&[dense("dense", &tensor("x", 0), r#""initial_state": [1]"#)], r#"[["dense", 0, 0]]"#),
            "Keras model, layer `dense (Dense)`: called with `initial_state`: the generator applies layers to their input nodes only (not yet `initial_state`)",
        ),
        (
            functional(&[dense("dense", &tensor("x", 1), "")], r#"[["dense", 0, 0]]"#),
            "Keras model: layer `dense`: output 1 of layer `x`: the generator reads a layer's first output only (not yet its states)",
        ),
        (
            functional(&[dense("dense", &format!("[{}]", tensor("x", 0)), "")], r#"[["dense", 0, 0]]"#),
            "Keras model, layer `dense (Dense)`: called on a list of nodes: corten's layers take one",
        ),
        (
            functional(&[called("Add", "add", "", &tensor("x", 0), "")], r#"[["add", 0, 0]]"#),
            "Keras model, layer `add (Add)`: a merge layer called on one node, not a list",
        ),
        (
            functional(&[dense("dense", &tensor("x", 0), &format!(r#""mask": {}"#, tensor("x", 0)))], r#"[["dense", 0, 0]]"#),
            "Keras model, layer `dense (Dense)`: given a `mask` other than an Embedding's `mask_zero`: not yet",
        ),
        (
            functional(&[dense("dense", &tensor("nowhere", 0), "")], r#"[["dense", 0, 0]]"#),
            "Keras model, layer `dense`: called on a node no layer of the model makes",
        ),
        (
            functional(&[dense("dense", &tensor("x", 0), "")], r#"[["other", 0, 0]]"#),
            "Keras model: no node `other` (call 0) in the model",
        ),
    ] {
        let err = rust_from_keras_config(&config, "f.keras").unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn layers_and_options_corten_lacks_are_errors_naming_them() {
    let generated = rust_from_keras_config(&config(&conv("")), "m.keras").unwrap();
    assert!(
        generated.contains("l::Conv2D<4, 3, a::Relu>"),
        "{generated}"
    );
    // Pairs: a 3×2 kernel with strides (2, 1).
    let pairs = conv("")
        .replace("[3, 3]", "[3, 2]")
        .replace(r#""strides": [1, 1]"#, r#""strides": [2, 1]"#);
    let generated = rust_from_keras_config(&config(&pairs), "m.keras").unwrap();
    assert!(
        generated.contains("l::Conv2D<4, 3, a::Relu, s::Valid, 2, 1, 1, 2, 1>"),
        "{generated}"
    );
    // A dilation pair: (2, 1), then (1, 3).
    for (rate, ty) in [
        (
            "[2, 1]",
            "l::Conv2D<4, 3, a::Relu, s::Valid, 1, 2, 1, 3, 1, 1>",
        ),
        (
            "[1, 3]",
            "l::Conv2D<4, 3, a::Relu, s::Valid, 1, 1, 1, 3, 1, 3>",
        ),
    ] {
        let dilated = conv("").replace(
            r#""dilation_rate": [1, 1]"#,
            &format!(r#""dilation_rate": {rate}"#),
        );
        let generated = rust_from_keras_config(&config(&dilated), "m.keras").unwrap();
        assert!(generated.contains(ty), "{ty}: {generated}");
    }
    // A recurrent layer with other activations: its type and constructor.
    let lstm = r#"{"class_name": "LSTM", "config": {"name": "lstm", "units": 4, "activation": "relu",
        "recurrent_activation": "hard_sigmoid", "use_bias": true, "return_sequences": false,
        "go_backwards": false, "dropout": 0.0, "recurrent_dropout": 0.0, "unit_forget_bias": true}}"#;
    let generated = rust_from_keras_config(&config(lstm), "m.keras").unwrap();
    assert!(
        generated.contains("    l::Lstm<4, a::Relu, a::HardSigmoid>,\n"),
        "{generated}"
    );
    assert!(
        generated.contains("(l::Lstm::<4, a::Relu, a::HardSigmoid>::new()),"),
        "{generated}"
    );
    for (pool, strides, ty) in [
        ("[2, 3]", "[1, 2]", "l::MaxPooling2D<2, s::Valid, 1, 3, 2>"),
        ("[2, 1]", "[2, 1]", "l::MaxPooling2D<2, s::Valid, 2, 1, 1>"),
        ("[3, 3]", "[2, 2]", "l::MaxPooling2D<3, s::Valid, 2>"),
        ("[2, 2]", "null", "l::MaxPooling2D<2>"),
    ] {
        let layer = format!(
            r#"{{"class_name": "MaxPooling2D", "config": {{"name": "p", "pool_size": {pool}, "strides": {strides}, "padding": "valid"}}}}"#
        );
        let generated = rust_from_keras_config(&config(&layer), "m.keras").unwrap();
        assert!(generated.contains(ty), "{ty}: {generated}");
    }
    for (layers, message) in [
        (
            r#"{"class_name": "DepthwiseConv2D", "config": {"name": "dw", "kernel_size": [3, 3], "strides": [1, 1],
                "padding": "valid", "data_format": "channels_last", "dilation_rate": [2, 1], "depth_multiplier": 1,
                "activation": "linear", "use_bias": true}}"#.into(),
            "Keras model, layer `dw (DepthwiseConv2D)`: `dilation_rate` = [2,1]: corten's layers take one size for every axis",
        ),
        (
            r#"{"class_name": "MaxPooling1D", "config": {"name": "p", "pool_size": [2, 1], "strides": [2], "padding": "valid"}}"#.into(),
            "Keras model, layer `p (MaxPooling1D)`: `pool_size` = [2,1]: corten's layers take one size for every axis",
        ),
        (
            conv("").replace(r#""kernel_regularizer": null"#, r#""kernel_regularizer": {"class_name": "L2"}"#),
            "Keras model, layer `conv2d (Conv2D)`: `kernel_regularizer` is set: corten has no regularizers or constraints yet",
        ),
        (
            conv("").replace(r#""valid""#, r#""causal""#),
            r#"Keras model, layer `conv2d (Conv2D)`: `padding` = "causal": corten has "valid" and "same""#,
        ),
        (
            conv("").replace(r#""relu""#, r#""exponential""#),
            r#"Keras model, layer `conv2d (Conv2D)`: `activation` = "exponential": not an activation the generator knows"#,
        ),
        (
            conv(r#", "dtype": "float16""#),
            "Keras model, layer `conv2d (Conv2D)`: dtype `float16`: the generator writes float32 models",
        ),
        (
            r#"{"class_name": "SpectralNormalization", "config": {"name": "sn"}}"#.into(),
            "Keras model, layer `sn (SpectralNormalization)`: `SpectralNormalization`: not a layer the generator knows yet",
        ),
        (
            r#"{"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 1, "epsilon": 0.001, "momentum": 0.99, "center": true, "scale": true}}"#.into(),
            "Keras model, layer `bn (BatchNormalization)`: `axis` = 1: corten normalizes over the last axis (-1) only",
        ),
        (
            r#"{"class_name": "Dense", "config": {"name": "dense", "activation": "relu", "use_bias": true}}"#.into(),
            "Keras model, layer `dense (Dense)`: no `units` in its config",
        ),
    ] {
        let err = rust_from_keras_config(&config(&layers), "m.keras").unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    let err = rust_from_keras_config("{", "m.keras").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Keras model: config.json is not JSON"),
        "{err}"
    );
    let err = rust_from_keras(b"not a zip", "m.keras").unwrap_err();
    assert!(err.to_string().contains("damaged .keras"), "{err}");
    let err = rust_from_keras(&keras_file("mlp_bn")[..500], "m.keras").unwrap_err();
    assert!(err.to_string().contains("damaged .keras"), "{err}");
}

/// Damaged `.keras` files give errors, never a panic.
#[test]
fn corrupted_keras_files_never_panic_the_generator() {
    let bytes = keras_file("gen_steps");
    common::corrupt(&bytes, 17, common::corruption_cases(300, 20_000), |bad| {
        let _ = rust_from_keras(bad, "m.keras");
    });
}
