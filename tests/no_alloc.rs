//! Inference on static shapes makes no heap allocation: a counting global
//! allocator watches the forward pass.
use corten::prelude::*;
use corten::{sequential, Tensor};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    // Counted per thread so other tests running in parallel do not interfere.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn dense_stack_forward_on_static_batch_allocates_nothing() {
    let model = sequential![
        Input<16>,
        Dense::<32, Relu>::from_weights([[0.01f32; 32]; 16], [0.1; 32]),
        Dense::<8, Gelu>::from_weights([[-0.02f32; 8]; 32], [0.0; 8]),
        Dense::<4, Softmax>::from_weights([[0.5f32; 4]; 8], [0.0, 1.0, 2.0, 3.0]),
    ];
    let x = Tensor::from_array([[1.0f32; 16]; 2]);
    let mut y = Tensor::from_array([[0.0f32; 4]; 2]);
    let mut scratch = [0.0f32; 128];
    assert!(model.scratch_len(2) <= scratch.len());
    let count = allocations_during(|| model.predict_into(&x, &mut y, &mut scratch).unwrap());
    assert_eq!(count, 0, "the forward pass allocated");
    // Softmax rows sum to one: the pass really ran.
    for row in y.as_slice().chunks(4) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
    // The counter does see allocations (the check above can fail).
    assert!(allocations_during(|| drop(model.predict(&x).unwrap())) > 0);
}

#[test]
fn conv_stack_forward_on_static_batch_allocates_nothing() {
    use corten::activation::{Relu, Softmax};
    use corten::layer::{BatchNormalization, Conv2D};
    use corten::shape::{Const, Same};
    static KERNEL: [f32; 3 * 3 * 2 * 4] = [0.05; 72];
    static BIAS: [f32; 4] = [0.1, -0.1, 0.2, 0.0];
    static GAMMA: [f32; 4] = [1.0; 4];
    static BETA: [f32; 4] = [0.0; 4];
    static MEAN: [f32; 4] = [0.0; 4];
    static VARIANCE: [f32; 4] = [1.0; 4];
    let conv = Conv2D::<4, 3, Relu, Same>::from_data::<Const<2>, f32, _, _>(&KERNEL[..], &BIAS[..])
        .unwrap();
    let bn = BatchNormalization::from_data::<Const<4>, f32, _>(
        &GAMMA[..],
        &BETA[..],
        &MEAN[..],
        &VARIANCE[..],
    )
    .unwrap();
    let dense = corten::layer::Dense::<3, Softmax>::from_weights([[0.01f32; 3]; 16], [0.0; 3]);
    let model = sequential![
        Input<8, 8, 2>,
        (conv),
        (bn),
        MaxPooling2D<2>,
        ZeroPadding2D<1>,
        AveragePooling2D<3, Same, 2>,
        UpSampling2D<2>,
        Cropping2D<1>,
        GlobalMaxPooling2D,
        Reshape2<2, 2>,
        Flatten,
        Dropout::new(0.5),
        Activation<Relu>,
        (corten::layer::Dense::<16>::from_weights([[0.5f32; 16]; 4], [0.0; 16])),
        (dense),
    ];
    let x = Tensor::from_array([[[[0.5f32, -0.25]; 8]; 8]; 2]);
    let mut y = Tensor::from_array([[0.0f32; 3]; 2]);
    let mut scratch = [0.0f32; 8192];
    assert!(
        model.scratch_len(2) <= scratch.len(),
        "scratch {}",
        model.scratch_len(2)
    );
    let count = allocations_during(|| model.predict_into(&x, &mut y, &mut scratch).unwrap());
    assert_eq!(count, 0, "the forward pass allocated");
    assert!(y.as_slice().iter().all(|v| v.is_finite()));
    assert!((y.as_slice()[..3].iter().sum::<f32>() - 1.0).abs() < 1e-5);
}

#[test]
fn scratch_too_small_is_an_error_not_a_panic() {
    let model = sequential![Input<2>, Dense<3>::from_weights([[1.0f32; 3]; 2], [0.0; 3]), Dense<1>::from_weights([[1.0f32]; 3], [0.0])];
    let x = Tensor::from_array([[1.0f32, 2.0]]);
    let mut y = Tensor::from_array([[0.0f32]]);
    let err = model.predict_into(&x, &mut y, &mut [0.0; 2]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "scratch buffer too small: the forward pass needs 3 elements but 2 were given"
    );
    model.predict_into(&x, &mut y, &mut [0.0; 3]).unwrap();
    assert_eq!(y.as_slice(), &[9.0]);
}

/// A model over `&'static` weights, its type named with `model_type!`:
/// building it (checks, names, the chain of layers) allocates nothing, and
/// neither does its forward pass.
#[test]
fn building_a_named_model_over_static_weights_allocates_nothing() {
    static KERNEL: [f32; 6] = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    static BIAS: [f32; 2] = [0.0, 0.5];
    type Flash = corten::model_type![Input<3>, Dense<2> as (&'static [f32], &'static [f32])];
    let mut model: Option<Flash> = None;
    let built = allocations_during(|| {
        let dense = Dense::<2>::from_data::<Const<3>, f32, _, _>(&KERNEL[..], &BIAS[..]).unwrap();
        model = Some(sequential![Input<3>, (dense)]);
    });
    assert_eq!(built, 0, "building allocated");
    let model = model.unwrap();
    let x = Tensor::from_array([[1.0f32, 2.0, 3.0]]);
    let mut y = Tensor::from_array([[0.0f32; 2]]);
    let ran = allocations_during(|| model.predict_into(&x, &mut y, &mut []).unwrap());
    assert_eq!(ran, 0, "the forward pass allocated");
    assert_eq!(y.as_slice(), &[4.0, 5.5]);
}

#[test]
fn functional_models_predict_into_allocates_nothing() {
    use corten::model::Graph;
    use corten::shape::Const;
    // A ResNet-style block: conv, conv, add the input back, pool, classify.
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<6>, Const<6>, Const<4>)>();
    let h = g.add(Conv2D::<4, 3, Relu, Same>::default(), x);
    let h = g.add(Conv2D::<4, 3, Linear, Same>::default(), h);
    let h = g.add(Add, (x, h));
    let h = g.add(GlobalAveragePooling2D::default(), h);
    let y = g.add(Dense::<3, Softmax>::new(), h);
    let residual = g.build(x, y).unwrap();
    let xs = Tensor::from_array([[[[0.5f32; 4]; 6]; 6]; 2]);
    let mut ys = Tensor::from_array([[0.0f32; 3]; 2]);
    let mut scratch = vec![0.0f32; residual.scratch_len(2)];
    let count = allocations_during(|| residual.predict_into(&xs, &mut ys, &mut scratch).unwrap());
    assert_eq!(count, 0, "the residual block allocated");
    for row in ys.as_slice().chunks(3) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    // Two inputs, a skip connection, two outputs.
    let mut g = Graph::<f32>::new();
    let a = g.input_named::<(Const<8>,)>("a");
    let b = g.input_named::<(Const<5>,)>("b");
    let h = g.add(Dense::<8, Relu>::new(), a);
    let s = g.add(Add, (a, h));
    let c = g.add(Concatenate::new(), (s, b));
    let cls = g.add(Dense::<3, Softmax>::new(), c);
    let model = g.build((a, b), (cls, h)).unwrap();
    let (xa, xb) = (
        Tensor::from_array([[1.0f32; 8]; 2]),
        Tensor::from_array([[0.5f32; 5]; 2]),
    );
    let (mut y_cls, mut y_h) = (
        Tensor::from_array([[0.0f32; 3]; 2]),
        Tensor::from_array([[0.0f32; 8]; 2]),
    );
    let mut scratch = vec![0.0f32; model.scratch_len(2)];
    let count = allocations_during(|| {
        model
            .predict_into((&xa, &xb), (&mut y_cls, &mut y_h), &mut scratch)
            .unwrap()
    });
    assert_eq!(count, 0, "the two-input model allocated");
    assert!(y_h.as_slice().iter().all(|&v| v >= 0.0));
    assert!(allocations_during(|| drop(model.predict((&xa, &xb)).unwrap())) > 0);
}

#[test]
fn recurrent_layers_over_static_weights_allocate_nothing() {
    use corten::layer::{Dense, Gru, Lstm};
    use corten::shape::Const;
    // LSTM(4) over 3 features, then a GRU(2) (reset_after: bias (2, 6)).
    static LSTM_KERNEL: [f32; 3 * 16] = [0.1; 48];
    static LSTM_RECURRENT: [f32; 4 * 16] = [-0.05; 64];
    static LSTM_BIAS: [f32; 16] = [0.0; 16];
    static GRU_KERNEL: [f32; 4 * 6] = [0.2; 24];
    static GRU_RECURRENT: [f32; 2 * 6] = [0.1; 12];
    static GRU_BIAS: [f32; 12] = [0.01; 12];
    let lstm = Lstm::<4>::new()
        .return_sequences()
        .with_data::<Const<3>, f32, _, _, _>(&LSTM_KERNEL[..], &LSTM_RECURRENT[..], &LSTM_BIAS[..])
        .unwrap();
    let gru = Gru::<2>::new()
        .with_data::<Const<4>, f32, _, _, _>(&GRU_KERNEL[..], &GRU_RECURRENT[..], &GRU_BIAS[..])
        .unwrap();
    let model = sequential![
        Input<5, 3>,
        (lstm),
        (gru),
        (Dense::<1>::from_weights([[1.0f32], [1.0]], [0.0])),
    ];
    let x = Tensor::from_array([[[0.5f32, -0.5, 1.0]; 5]; 2]);
    let mut y = Tensor::from_array([[0.0f32; 1]; 2]);
    let mut scratch = [0.0f32; 1024];
    assert!(
        model.scratch_len(2) <= scratch.len(),
        "scratch {}",
        model.scratch_len(2)
    );
    let count = allocations_during(|| model.predict_into(&x, &mut y, &mut scratch).unwrap());
    assert_eq!(count, 0, "the forward pass allocated");
    assert!(y.as_slice().iter().all(|v| v.is_finite() && *v != 0.0));
    // A kernel of the wrong length is an error naming it.
    let err = Lstm::<4>::new()
        .with_data::<Const<2>, f32, _, _, _>(&LSTM_KERNEL[..], &LSTM_RECURRENT[..], &LSTM_BIAS[..])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "LSTM kernel: shape (2, 16) needs 32 elements but 48 were given"
    );
}
