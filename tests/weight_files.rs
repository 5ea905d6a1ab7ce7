//! Weights saved to and loaded from safetensors files: round trips for
//! every kind of weight, Keras's tensor names, and every way a file can
//! fail to fit (each an `Err` naming the tensor, the model unchanged).
mod common;

use corten::model::Graph;
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{Error, Tensor};
use safetensors::SafeTensors;

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("corten-test-{}-{name}", std::process::id()))
}

type Seq = Tensor<(Dyn, Const<6>, Const<3>)>;

fn sequence(n: usize) -> Seq {
    let v: Vec<f32> = (0..n * 18)
        .map(|i| ((i * 7) % 13) as f32 / 13.0 - 0.5)
        .collect();
    Tensor::from_slice((Dyn(n), Const::<6>, Const::<3>), &v).unwrap()
}

macro_rules! recurrent_model {
    ($seed:expr) => {
        corten::model::Sequential::<(Const<6>, Const<3>)>::with_seed($seed)
            .then(Conv1D::<4, 2, Relu>::default())
            .then(BatchNormalization::default())
            .then(Bidirectional::new(Lstm::<3>::new().return_sequences()))
            .then(Gru::<2>::new())
            .then(Dense::<2, Softmax>::new())
    };
}

#[test]
fn a_trained_model_round_trips_with_keras_names() {
    let mut trained = recurrent_model!(1);
    trained.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let x = sequence(8);
    let y = Tensor::from_slice((Dyn(8),), &[0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]).unwrap();
    let quiet = FitOptions {
        epochs: 2,
        verbose: Verbosity::Silent,
        ..Default::default()
    };
    trained.fit(&x, &y, quiet).unwrap(); // moving statistics away from 0 and 1
    let path = temp("round-trip.safetensors");
    trained.save_weights(&path).unwrap();

    let mut fresh = recurrent_model!(2);
    assert_ne!(fresh.get_weights(), trained.get_weights());
    fresh.load_weights(&path).unwrap();
    assert_eq!(fresh.get_weights(), trained.get_weights());
    assert_eq!(
        fresh.predict(&x).unwrap().as_slice(),
        trained.predict(&x).unwrap().as_slice()
    );

    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    assert_eq!(
        names,
        [
            "batch_normalization/beta",
            "batch_normalization/gamma",
            "batch_normalization/moving_mean",
            "batch_normalization/moving_variance",
            "bidirectional/bias",
            "bidirectional/bias_1",
            "bidirectional/kernel",
            "bidirectional/kernel_1",
            "bidirectional/recurrent_kernel",
            "bidirectional/recurrent_kernel_1",
            "conv1d/bias",
            "conv1d/kernel",
            "dense/bias",
            "dense/kernel",
            "gru/bias",
            "gru/kernel",
            "gru/recurrent_kernel",
        ]
    );
    // Keras's layouts: a Conv1D kernel (kernel, channels, filters), a GRU
    // bias (2, 3·units) with reset_after.
    assert_eq!(file.tensor("conv1d/kernel").unwrap().shape(), [2, 3, 4]);
    assert_eq!(file.tensor("gru/bias").unwrap().shape(), [2, 6]);
    assert_eq!(file.tensor("dense/kernel").unwrap().shape(), [2, 2]);
    assert_eq!(
        file.tensor("dense/kernel").unwrap().dtype(),
        safetensors::Dtype::F32
    );
}

#[test]
fn f64_models_and_functional_models_round_trip() {
    let a = corten::model::Sequential::<(Const<3>,), _, f64>::with_seed(1).then(Dense::<2>::new());
    let mut b =
        corten::model::Sequential::<(Const<3>,), _, f64>::with_seed(2).then(Dense::<2>::new());
    b.load_weights_from_bytes(&a.weights_to_bytes().unwrap())
        .unwrap();
    assert_eq!(a.get_weights(), b.get_weights());
    let file_bytes = a.weights_to_bytes().unwrap();
    let file = SafeTensors::deserialize(&file_bytes).unwrap();
    assert_eq!(
        file.tensor("dense/kernel").unwrap().dtype(),
        safetensors::Dtype::F64
    );
    // An f64 file does not load into an f32 model.
    let mut single = sequential![Input<3>, Dense<2>];
    let err = single.load_weights_from_bytes(&file_bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `dense/kernel`: the file holds F64 values, the model's weights are F32"
    );

    let graph = |seed| {
        let mut g = Graph::<f32>::with_seed(seed);
        let p = g.input::<(Const<4>,)>();
        let q = g.input::<(Const<4>,)>();
        let shared = g.shared(Dense::<3, Tanh>::new());
        let (hp, hq) = (g.call(shared, p), g.call(shared, q));
        let s = g.add(Add, (hp, hq));
        let out = g.add(Dense::<1>::new().named("out"), s);
        g.build((p, q), out).unwrap()
    };
    let (a, mut b) = (graph(1), graph(2));
    b.load_weights_from_bytes(&a.weights_to_bytes().unwrap())
        .unwrap();
    assert_eq!(a.get_weights(), b.get_weights());
    let bytes = a.weights_to_bytes().unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    assert_eq!(
        names,
        ["dense/bias", "dense/kernel", "out/bias", "out/kernel"]
    );
}

#[test]
fn files_that_do_not_fit_are_errors_naming_the_tensor() {
    let source = sequential![Input<3>, Dense<4, Relu>, Dense<2>];
    let bytes = source.weights_to_bytes().unwrap();
    // A weight the file does not have.
    let mut longer = sequential![Input<3>, Dense<4, Relu>, Dense<2>, Dense<1>];
    let before = longer.get_weights();
    let err = longer.load_weights_from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `dense_2/kernel`: the model has this weight, of shape (2, 1), but the file does not"
    );
    assert_eq!(longer.get_weights(), before);

    // A tensor the model does not have.
    let mut shorter = sequential![Input<3>, Dense<4, Relu>];
    let err = shorter.load_weights_from_bytes(&bytes).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("weights file, tensor `dense_1/"),
        "{err}"
    );
    assert!(
        err.to_string().ends_with("the model has no such weight"),
        "{err}"
    );

    // Another shape (a layer of other units).
    let mut wider = sequential![Input<3>, Dense<5, Relu>, Dense<2>];
    let before = wider.get_weights();
    let err = wider.load_weights_from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `dense/kernel`: shape (3, 4) in the file, (3, 5) in the model"
    );
    assert_eq!(wider.get_weights(), before);

    // Not a safetensors file, a truncated one, an empty one, a missing one.
    let mut model = sequential![Input<3>, Dense<4, Relu>, Dense<2>];
    for bad in [
        &b"not a safetensors file"[..],
        &bytes[..bytes.len() - 3],
        &[],
    ] {
        let err = model.load_weights_from_bytes(bad).unwrap_err();
        assert!(
            matches!(err, Error::WeightFile { tensor: None, .. }),
            "{err}"
        );
    }
    let err = model
        .load_weights(temp("no-such-file.safetensors"))
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    // A header length claiming 2⁶⁰ bytes.
    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    assert!(model.load_weights_from_bytes(&huge).is_err());

    // A NaN inside the file: refused, naming the layer.
    let mut poisoned = sequential![Input<3>, Dense<4, Relu>, Dense<2>];
    poisoned.set_weights(&source.get_weights()).unwrap();
    let mut bytes_nan = source.weights_to_bytes().unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let at = {
        let view = file.tensor("dense_1/kernel").unwrap();
        let data = view.data();
        let offset = data.as_ptr() as usize - bytes.as_ptr() as usize;
        offset + 4
    };
    bytes_nan[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let before = poisoned.get_weights();
    let err = poisoned.load_weights_from_bytes(&bytes_nan).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `dense_1`, weight `kernel`: element 1 is not a valid value (NaN, infinite, or a negative variance)"
    );
    assert_eq!(poisoned.get_weights(), before);
}

#[test]
fn corrupted_files_never_panic() {
    let mut model = recurrent_model!(3);
    let bytes = model.weights_to_bytes().unwrap();
    let cases = common::corruption_cases(3_000, 20_000);
    common::corrupt(&bytes, 0x2545_f491_4f6c_dd1d, cases, |bad| {
        if model.load_weights_from_bytes(bad).is_ok() {
            assert!(model.get_weights().iter().flatten().all(|v| v.is_finite()));
        }
    });
}

/// The saved weights of `sequential![Input<3>, Dense<4, Relu>,
/// BatchNormalization, Dense<2, Softmax>]`, in the binary twice: aligned
/// to 8 bytes, and one byte past such an address.
const BLOB: &[u8] = include_bytes!("fixtures/corten/mlp_bn.safetensors");
#[repr(C, align(8))]
struct Aligned([u8; BLOB.len()]);
#[repr(C, align(8))]
struct Shifted {
    _pad: u8,
    bytes: [u8; BLOB.len()],
}
static ALIGNED: Aligned = Aligned(*include_bytes!("fixtures/corten/mlp_bn.safetensors"));
static SHIFTED: Shifted = Shifted {
    _pad: 0,
    bytes: *include_bytes!("fixtures/corten/mlp_bn.safetensors"),
};

#[test]
fn a_view_reads_tensors_in_place_and_says_when_it_cannot() {
    use corten::model::SafeTensorsView;
    let mut model = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
    model.load_weights_from_bytes(BLOB).unwrap();
    let want = model.get_weights();

    let view = SafeTensorsView::new(&ALIGNED.0).unwrap();
    assert_eq!(
        view.names(),
        [
            "batch_normalization/beta",
            "batch_normalization/gamma",
            "batch_normalization/moving_mean",
            "batch_normalization/moving_variance",
            "dense/bias",
            "dense/kernel",
            "dense_1/bias",
            "dense_1/kernel"
        ]
    );
    let kernel: &'static [f32] = view.tensor("dense/kernel").unwrap();
    assert_eq!(kernel, want[0].as_slice());
    assert!(
        ALIGNED.0.as_ptr_range().contains(&kernel.as_ptr().cast()),
        "in place"
    );
    assert_eq!(view.shape("dense/kernel").unwrap().as_slice(), [3, 4]);

    // Misaligned: an error saying what to do, and the copy that works.
    let view = SafeTensorsView::new(&SHIFTED.bytes).unwrap();
    let err = view.tensor::<f32>("dense/kernel").unwrap_err();
    assert!(
        err.to_string()
            .contains("not a multiple of 4 (align the blob to 8 bytes, or use `tensor_copied`)"),
        "{err}"
    );
    assert_eq!(view.tensor_copied::<f32>("dense/kernel").unwrap(), want[0]);
    // Another dtype, another name.
    let err = view.tensor::<f64>("dense/kernel").unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `dense/kernel`: the file holds F32 values, not float64"
    );
    let err = view.tensor::<f32>("dense/weights").unwrap_err();
    assert_eq!(
        err.to_string(),
        "weights file, tensor `dense/weights`: no tensor of that name in the file"
    );
    assert!(SafeTensorsView::new(&BLOB[..BLOB.len() / 2]).is_err());
}
