//! The README's "From Keras to corten" table, compiled: each corten
//! spelling there is used here as written.
use corten::layer::DepthwiseConv2D;
use corten::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use corten::model::{Graph, Objective};
use corten::prelude::*;
use corten::shape::{Const, Dyn};

#[test]
fn the_keras_table_spells_what_compiles() {
    let image = sequential![
        Input<28, 28, 1>,
        Conv2D<32, 3, Relu, Same>,
        DepthwiseConv2D<3>,
        MaxPooling2D<2>,
        BatchNormalization,
        Dropout::new(0.5),
        GlobalAveragePooling2D,
        Dense<64, Relu>,
        Dense<3>.named("cls"),
    ];
    assert!(image.summary().to_string().contains("cls (Dense)"));
    let sequence = sequential![
        Input<20>,
        Embedding<1000, 16>,
        Conv1D<16, 5>,
        Lstm<32>.return_sequences().dropout(0.2),
        Gru<16>.reset_before().return_sequences(),
        SimpleRnn<8>.go_backwards().return_sequences(),
        (Bidirectional::with_merge(Lstm::<8>::new().return_sequences(), Add)),
        (TimeDistributed::new(Dense::<3>::new())),
        Flatten,
        Reshape2<4, 12>,
        Flatten,
        Dense<4>,
        RepeatVector<4>,
        Flatten,
    ];
    assert_eq!(sequence.output_shape().to_string(), "(None, 16)");
    let options = sequential![
        Input<16, 16, 1>,
        Conv2D<8, 3>.without_bias(),
        Conv2D<10, 3, Linear, Valid, 2, 1, 1, 2, 1>,
        MaxPooling2D<2, Valid, 1, 3, 2>,
        DepthwiseConv2D<3, Linear, Valid, 1, 1, 2, 2>,
        (BatchNormalization::new().without_scale().without_center().with_epsilon(0.01)),
        LayerNormalization.without_center(),
    ];
    assert_eq!(options.weight_shapes().len(), 1 + 2 + 2 + 2 + 1);
    let masked = sequential![
        Input<20>,
        Embedding<100, 8>.mask_zero(),
        Lstm<8>.without_bias().return_sequences(),
        Gru<4>,
        Dense<8>.without_bias(),
    ];
    assert_eq!(masked.output_shape().to_string(), "(None, 8)");
    let ids = sequential![Input<3>, Embedding<100, 8>, Flatten, Dense<2>];
    let y = ids.predict(&Tensor::from_ids((Dyn(1), Const::<3>), &[4u32, 17, 9]).unwrap());
    assert_eq!(y.unwrap().sizes(), &[1, 2]);
    let dilated = sequential![Input<9, 9, 1>, Conv2D<4, 3, Linear, Valid, 1, 2, 1, 3, 1, 1>];
    assert_eq!(dilated.output_shape().to_string(), "(None, 5, 7, 4)");
    let padded = sequential![Input<20, 3>, Masking::default(), Gru<4>];
    assert_eq!(padded.output_shape().to_string(), "(None, 4)");
    let any_length = sequential![Input<Dyn, 3>, Conv1D<16, 3, Relu>, Lstm<8>.return_sequences()];
    assert_eq!(any_length.output_shape().to_string(), "(None, None, 8)");
    let mut g = Graph::<f32>::new();
    let (x, z) = (
        g.input::<(Const<5>, Const<3>)>(),
        g.input::<(Const<4>, Const<2>)>(),
    );
    let (_out, h, c) = g.add_with_states(Lstm::<8>::new(), x);
    let y = g.add(Lstm::<8>::new(), z.with_initial_state((h, c)));
    let (f, b) = g.add_both_directions(Gru::<4>::new(), x);
    assert!(g.build((x, z), (y, f, b)).is_ok());

    let mut g = Graph::<f32>::new();
    let a = g.input_named::<(Const<8>,)>("a");
    let b = g.input_named::<(Const<8>,)>("b");
    let h = g.add(Dense::<8>::new(), a);
    let s = g.add(Add, (a, h));
    let p = g.add(Concatenate::<1>, (s, b));
    let c = g.add(Dense::<3, Softmax>::new(), p);
    let d = g.add(Dense::<1>::new(), p);
    let mut model = g.build((a, b), (c, d)).unwrap();
    model.compile(
        Adam::default(),
        (
            Objective::new(SparseCategoricalCrossentropy::default()).metrics([Accuracy]),
            Objective::new(MeanSquaredError).weight(0.5),
        ),
    );
    let xa = Tensor::<(Dyn, Const<8>)>::from_sizes(&[2, 8], vec![0.1; 16]).unwrap();
    let (ya, yb) = (
        Tensor::<(Dyn,)>::from_sizes(&[2], vec![0.0, 2.0]).unwrap(),
        Tensor::<(Dyn, Const<1>)>::from_sizes(&[2, 1], vec![0.5; 2]).unwrap(),
    );
    let options = FitOptions {
        epochs: 5,
        validation_split: 0.0,
        verbose: Verbosity::Silent,
        callbacks: vec![Box::new(
            EarlyStopping::new("loss", 3).restore_best_weights(),
        )],
        ..Default::default()
    };
    model.fit((&xa, &xa), (&ya, &yb), options).unwrap();
    assert!(model
        .evaluate((&xa, &xa), (&ya, &yb))
        .unwrap()
        .get("loss")
        .is_some());
    let w = model.get_weights();
    model.set_weights(&w).unwrap();
    println!("{}", model.summary());
}

/// The table's rows for the other layers, the losses, optimizers, metrics
/// and callbacks, as written there.
#[test]
fn the_keras_table_spells_the_rest_as_written() {
    use corten::layer::{
        Activation, AveragePooling2D, Conv2DTranspose, Cropping2D, Dot, GlobalMaxPooling1D,
        Permute, UpSampling2D, ZeroPadding2D,
    };
    use corten::loss::{BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError};
    use corten::metric::{Mae, Metric, Mse};
    use corten::model::{Callback, Control, Logs, ModelWeights, Sequential};
    use corten::optimizer::{Adagrad, AdamW, Clip, RMSprop, Sgd};

    let images = sequential![
        Input<4, 4, 2>,
        (Activation(Relu)),
        (Activation(LeakyRelu { negative_slope: 0.3 })),
        Conv2DTranspose<8, 3, Linear, Same, 2>,
        AveragePooling2D<2>,
        ZeroPadding2D<1>,
        UpSampling2D<2>,
        Cropping2D<1>,
        (Activation(Softmax)),
    ];
    // 4×4 → 8×8 (stride 2) → 4×4 (pool) → 6×6 (pad) → 12×12 → 10×10 (crop).
    assert_eq!(images.output_shape().to_string(), "(None, 10, 10, 8)");
    let steps = sequential![Input<3, 2>, (Permute::<2, 1>), GlobalMaxPooling1D];
    assert_eq!(steps.output_shape().to_string(), "(None, 3)");

    let mut g = Graph::<f32>::new();
    let (a, b) = (g.input::<(Const<4>,)>(), g.input::<(Const<4>,)>());
    let merged = [
        g.add(Subtract, (a, b)),
        g.add(Multiply, (a, b)),
        g.add(Average, (a, b)),
        g.add(Maximum, (a, b)),
        g.add(Minimum, (a, b)),
    ];
    let dot = g.add(Dot::<1, 1>::new(), (a, b));
    assert!(g.build((a, b), (merged[0], merged[4], dot)).is_ok());

    /// Counts the epochs, as a Keras callback subclass would.
    struct Count(usize);
    impl Callback for Count {
        fn on_epoch_end(
            &mut self,
            _epoch: usize,
            _logs: &Logs,
            _model: &mut dyn ModelWeights,
        ) -> Control {
            self.0 += 1;
            Control::Continue
        }
    }
    let x = Tensor::from_array([[0.5f32, -0.5], [1.0, 2.0]]);
    let y = Tensor::from_array([[1.0f32], [0.0]]);
    let fit = |model: &mut Sequential<_, _>| {
        let options = FitOptions {
            epochs: 2,
            verbose: Verbosity::Silent,
            callbacks: vec![Box::new(Count(0))],
            ..Default::default()
        };
        model.fit(&x, &y, options).unwrap().epochs.len()
    };
    let mut model = Sequential::<(Const<2>,)>::with_seed(7).then(Dense::<1>::new());
    assert_eq!(model.param_count(), 3);
    model.compile(
        Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        },
        MeanSquaredError,
        [Metric::MeanSquaredError, Metric::MeanAbsoluteError],
    );
    assert_eq!(fit(&mut model), 2);
    model.compile(RMSprop::default(), MeanAbsoluteError, [Mae]);
    assert_eq!(fit(&mut model), 2);
    model.compile(Adagrad::default(), Huber { delta: 2.0 }, [Mse]);
    assert_eq!(fit(&mut model), 2);
    model.compile(
        AdamW {
            weight_decay: 0.01,
            ..Default::default()
        },
        BinaryCrossentropy {
            from_logits: true,
            ..Default::default()
        },
        [Accuracy],
    );
    assert_eq!(fit(&mut model), 2);
    model.compile(
        Adam {
            clip: Clip::Norm(1.0),
            ..Default::default()
        },
        CategoricalCrossentropy {
            label_smoothing: 0.1,
            ..Default::default()
        },
        [Accuracy],
    );
    assert!(model.evaluate(&x, &y).unwrap().get("loss").is_some());
    let logs = {
        model.compile(
            Sgd::default(),
            MeanSquaredError,
            [Metric::MeanSquaredError, Metric::MeanAbsoluteError],
        );
        model.evaluate(&x, &y).unwrap()
    };
    assert!(logs.get("mean_squared_error").is_some() && logs.get("mean_absolute_error").is_some());
}
