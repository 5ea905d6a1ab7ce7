//! Functional models against real Keras (fixtures from
//! tools/make_fixtures.py): weights copied over with one `set_weights` in
//! Keras's `model.get_weights()` order, predictions within 1e-5; `fit`
//! runs from the same initial weights, every log and the final weights
//! within 1e-4.
mod common;

use common::{assert_close, assert_near, case, load, weights, Case};
use corten::model::{Graph, Model, Syms};
use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::Tensor;

#[test]
fn two_inputs_two_outputs_with_a_skip_connection() {
    let cases = load("functional.txt");
    let c = case(&cases, "two_inputs_two_outputs_skip");
    let mut g = Graph::<f32>::new();
    let a = g.input_named::<(Const<8>,)>("a");
    let b = g.input_named::<(Const<5>,)>("b");
    let h = g.add(Dense::<8, Relu>::new(), a);
    let h = g.add(Dense::<8>::new(), h);
    let s = g.add(Add, (a, h));
    let joined = g.add(Concatenate::new(), (s, b));
    let cls = g.add(Dense::<3, Softmax>::new(), joined);
    let reg = g.add(Dense::<2>::new(), h);
    let mut model = g.build((a, b), (cls, reg)).unwrap();
    model.set_weights(&weights(c)).unwrap();
    assert_eq!(model.param_count(), 204);
    let xa = Tensor::from_slice((Dyn(4), Const::<8>), c.get("x0")).unwrap();
    let xb = Tensor::from_slice((Dyn(4), Const::<5>), c.get("x1")).unwrap();
    let (y_cls, y_reg) = model.predict((&xa, &xb)).unwrap();
    assert_close("cls", y_cls.as_slice(), c.get("y0"));
    assert_close("reg", y_reg.as_slice(), c.get("y1"));
}

#[test]
fn residual_block_with_projection_shortcut_and_batch_norm() {
    let cases = load("functional.txt");
    let c = case(&cases, "residual_block_projection_bn");
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<6>, Const<6>, Const<3>)>();
    let y = g.add(Conv2D::<4, 3, Relu, Same>::default(), x);
    let y = g.add(Conv2D::<4, 3, Linear, Same>::default(), y);
    let y = g.add(BatchNormalization::default(), y);
    let shortcut = g.add(Conv2D::<4, 1>::default(), x);
    let y = g.add(Add, (y, shortcut));
    let y = g.add(Activation(Relu), y);
    let y = g.add(GlobalAveragePooling2D::default(), y);
    let y = g.add(Dense::<2>::new(), y);
    let mut model = g.build(x, y).unwrap();
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(3), Const::<6>, Const::<6>, Const::<3>), c.get("x0")).unwrap();
    assert_close(
        "residual",
        model.predict(&x).unwrap().as_slice(),
        c.get("y0"),
    );
}

#[test]
fn inception_branches_concatenated_on_channels() {
    let cases = load("functional.txt");
    let c = case(&cases, "inception_branches");
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<6>, Const<6>, Const<2>)>();
    let b1 = g.add(Conv2D::<3, 1, Relu>::default(), x);
    let b2 = g.add(Conv2D::<2, 1, Relu>::default(), x);
    let b2 = g.add(Conv2D::<3, 3, Relu, Same>::default(), b2);
    let b3 = g.add(MaxPooling2D::<3, Same, 1>::default(), x);
    let b3 = g.add(Conv2D::<2, 1>::default(), b3);
    let y = g.add(Concatenate::<-1>, (b1, b2, b3));
    let y = g.add(Flatten, y);
    let y = g.add(Dense::<3>::new(), y);
    let mut model = g.build(x, y).unwrap();
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(2), Const::<6>, Const::<6>, Const::<2>), c.get("x0")).unwrap();
    assert_close(
        "inception",
        model.predict(&x).unwrap().as_slice(),
        c.get("y0"),
    );
}

#[test]
fn siamese_model_with_a_shared_layer() {
    let cases = load("functional.txt");
    let c = case(&cases, "siamese_shared_layer");
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<6>,)>();
    let b = g.input::<(Const<6>,)>();
    let shared = g.shared(Dense::<4, Tanh>::new());
    let (ha, hb) = (g.call(shared, a), g.call(shared, b));
    let d = g.add(Subtract, (ha, hb));
    let m = g.add(Multiply, (ha, hb));
    let joined = g.add(Concatenate::new(), (d, m));
    let out = g.add(Dense::<1, Sigmoid>::new(), joined);
    let cos = g.add(Dot::<1>::new().normalized(), (ha, hb));
    let mut model = g.build((a, b), (out, cos)).unwrap();
    // One set of weights for the shared layer: 28 + 9.
    assert_eq!(model.param_count(), 37);
    model.set_weights(&weights(c)).unwrap();
    let xa = Tensor::from_slice((Dyn(5), Const::<6>), c.get("x0")).unwrap();
    let xb = Tensor::from_slice((Dyn(5), Const::<6>), c.get("x1")).unwrap();
    let (y, cos) = model.predict((&xa, &xb)).unwrap();
    assert_close("siamese", y.as_slice(), c.get("y0"));
    assert_close("cosine", cos.as_slice(), c.get("y1"));
}

#[test]
fn merge_layers_match_keras() {
    let cases = load("functional.txt");
    let c = case(&cases, "merges");
    type P = (Const<3>, Const<4>);
    let mut g = Graph::<f32>::new();
    let p = g.input::<P>();
    let q = g.input::<P>();
    let r = g.input::<(Const<4>, Const<2>)>();
    let max = g.add(Maximum, (p, q));
    let min = g.add(Minimum, (p, q));
    let avg = g.add(Average, (p, q));
    let dot_rows = g.add(Dot::<2, 2>::new(), (p, q));
    let product = g.add(Dot::<2, 1>::new(), (p, r));
    let rows = g.add(Concatenate::<1>, (p, q));
    let model = g.build((p, q, r), (max, min, avg, dot_rows)).unwrap();
    let more = {
        // A second model over the same kind of graph for the last two
        // outputs (a model has at most four).
        let mut g = Graph::<f32>::new();
        let p2 = g.input::<P>();
        let q2 = g.input::<P>();
        let r2 = g.input::<(Const<4>, Const<2>)>();
        let product = g.add(Dot::<2, 1>::new(), (p2, r2));
        let rows = g.add(Concatenate::<1>, (p2, q2));
        g.build((p2, q2, r2), (product, rows)).unwrap()
    };
    // The nodes no output needs are not run.
    assert_eq!(model.node_count(), 4);
    let _ = (product, rows);
    let xp = Tensor::from_slice((Dyn(2), Const::<3>, Const::<4>), c.get("x0")).unwrap();
    let xq = Tensor::from_slice((Dyn(2), Const::<3>, Const::<4>), c.get("x1")).unwrap();
    let xr = Tensor::from_slice((Dyn(2), Const::<4>, Const::<2>), c.get("x2")).unwrap();
    let (y_max, y_min, y_avg, y_dot) = model.predict((&xp, &xq, &xr)).unwrap();
    assert_close("maximum", y_max.as_slice(), c.get("y0"));
    assert_close("minimum", y_min.as_slice(), c.get("y1"));
    assert_close("average", y_avg.as_slice(), c.get("y2"));
    assert_close("dot (2, 2)", y_dot.as_slice(), c.get("y3"));
    let (y_product, y_rows) = more.predict((&xp, &xq, &xr)).unwrap();
    assert_eq!(y_product.sizes(), &[2, 3, 2]);
    assert_close("dot (2, 1)", y_product.as_slice(), c.get("y4"));
    assert_eq!(y_rows.sizes(), &[2, 6, 4]);
    assert_close("concatenate axis 1", y_rows.as_slice(), c.get("y5"));
}

#[test]
fn residual_block_inside_sequential_matches_the_same_keras_model() {
    use corten::model::Residual;
    let cases = load("functional.txt");
    let c = case(&cases, "residual_block_projection_bn");
    let mut model = corten::sequential![
        Input<6, 6, 3>,
        (Residual::with_shortcut(
            (
                Conv2D::<4, 3, Relu, Same>::default(),
                Conv2D::<4, 3, Linear, Same>::default(),
                BatchNormalization::default(),
            ),
            Conv2D::<4, 1>::default(),
        )),
        (Activation(Relu)),
        GlobalAveragePooling2D,
        Dense<2>,
    ];
    model.set_weights(&weights(c)).unwrap();
    let x = Tensor::from_slice((Dyn(3), Const::<6>, Const::<6>, Const::<3>), c.get("x0")).unwrap();
    assert_close(
        "residual in sequential!",
        model.predict(&x).unwrap().as_slice(),
        c.get("y0"),
    );
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn summaries_match_keras_tables_character_for_character() {
    // Two inputs, a skip connection, two outputs: the `Connected to` column.
    let mut g = Graph::<f32>::new();
    let a = g.input_named::<(Const<8>,)>("a");
    let b = g.input_named::<(Const<5>,)>("b");
    let h = g.add(Dense::<8, Relu>::new(), a);
    let h = g.add(Dense::<8>::new(), h);
    let s = g.add(Add, (a, h));
    let joined = g.add(Concatenate::new(), (s, b));
    let cls = g.add(Dense::<3, Softmax>::new().named("cls"), joined);
    let reg = g.add(Dense::<2>::new().named("reg"), h);
    let model = g.build((a, b), (cls, reg)).unwrap();
    let want = fixture("summary_functional.txt");
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());

    // A shared layer: one row, both of its inputs; names cut with an ellipsis.
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<6>,)>();
    let b = g.input::<(Const<6>,)>();
    let shared = g.shared(Dense::<4, Tanh>::new());
    let (ha, hb) = (g.call(shared, a), g.call(shared, b));
    let d = g.add(Subtract, (ha, hb));
    let m = g.add(Multiply, (ha, hb));
    let joined = g.add(Concatenate::new(), (d, m));
    let out = g.add(Dense::<1, Sigmoid>::new(), joined);
    let model = g.build((a, b), out).unwrap();
    let want = fixture("summary_siamese.txt");
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());

    // A chain prints as Keras prints a chain: no `Connected to`.
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<4>,)>();
    let y = g.add(Dense::<3>::new(), x);
    let y = g.add(BatchNormalization::default(), y);
    let y = g.add(Dense::<2>::new(), y);
    let model = g.build(x, y).unwrap();
    let want = fixture("summary_functional_chain.txt");
    assert_eq!(model.summary().to_string().trim_end(), want.trim_end());
}

/// Sets the case's initial weights, runs `fit` (3 epochs, no shuffling),
/// and compares every log Keras wrote (`log_<name>`, per epoch) and the
/// final weights.
fn check_fit<Ins, Outs, X, Y>(
    c: &Case,
    model: &mut Model<Ins, Outs>,
    x: X,
    y: Y,
    options: FitOptions<'_>,
) where
    Ins: Syms,
    Outs: Syms,
    X: corten::model::Feed<Ins, f32>,
    Y: corten::model::Labels<Outs, f32>,
{
    let initial: Vec<Vec<f32>> = (0..model.get_weights().len())
        .map(|i| c.get(&format!("initial{i}")).to_vec())
        .collect();
    model.set_weights(&initial).unwrap();
    let history = model.fit(x, y, options).unwrap();
    let keras_logs: Vec<&str> = c
        .arrays
        .keys()
        .filter_map(|k| k.strip_prefix("log_"))
        .collect();
    let mut ours: Vec<String> = history.epochs[0]
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    let mut theirs: Vec<String> = keras_logs.iter().map(|k| k.to_string()).collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "{}: the logs Keras writes", c.name);
    for name in keras_logs {
        let got: Vec<f32> = history.get(name).iter().map(|&v| v as f32).collect();
        assert_near(
            &format!("{} {name}", c.name),
            &got,
            c.get(&format!("log_{name}")),
            1e-4,
        );
    }
    for (i, w) in model.get_weights().iter().enumerate() {
        let what = format!("{} final weight {i}", c.name);
        assert_near(&what, w, c.get(&format!("final{i}")), 1e-4);
    }
}

#[test]
fn fit_of_two_inputs_with_a_skip_connection_and_two_outputs_matches_keras() {
    let cases = load("functional_fit.txt");
    let c = case(&cases, "fit_two_inputs_skip");
    let mut g = Graph::<f32>::new();
    let a = g.input_named::<(Const<8>,)>("a");
    let b = g.input_named::<(Const<5>,)>("b");
    let h = g.add(Dense::<8, Relu>::new(), a);
    let h = g.add(Dense::<8>::new(), h);
    let s = g.add(Add, (a, h));
    let b_norm = g.add(BatchNormalization::default(), b);
    let joined = g.add(Concatenate::new(), (s, b_norm));
    let cls = g.add(Dense::<3, Softmax>::new().named("cls"), joined);
    let reg = g.add(Dense::<2>::new().named("reg"), h);
    let mut model = g.build((a, b), (cls, reg)).unwrap();
    model.compile(
        Adam {
            learning_rate: 0.01,
            ..Default::default()
        },
        (
            Objective::new(SparseCategoricalCrossentropy::default()).metrics([Accuracy]),
            Objective::new(MeanSquaredError).weight(0.5).metrics([Mae]),
        ),
    );
    let xa = Tensor::from_slice((Dyn(70), Const::<8>), c.get("x0")).unwrap();
    let xb = Tensor::from_slice((Dyn(70), Const::<5>), c.get("x1")).unwrap();
    let y_cls = Tensor::from_slice((Dyn(70),), c.get("t0")).unwrap();
    let y_reg = Tensor::from_slice((Dyn(70), Const::<2>), c.get("t1")).unwrap();
    let options = FitOptions {
        batch_size: 16,
        epochs: 3,
        shuffle: false,
        validation_split: 0.2,
        verbose: Verbosity::Silent,
        ..Default::default()
    };
    check_fit(c, &mut model, (&xa, &xb), (&y_cls, &y_reg), options);
}

#[test]
fn fit_through_a_shared_layer_with_one_loss_for_both_outputs_matches_keras() {
    let cases = load("functional_fit.txt");
    let c = case(&cases, "fit_siamese_shared");
    let mut g = Graph::<f32>::new();
    let p = g.input_named::<(Const<6>,)>("p");
    let q = g.input_named::<(Const<6>,)>("q");
    let shared = g.shared(Dense::<4, Tanh>::new().named("shared"));
    let (hp, hq) = (g.call(shared, p), g.call(shared, q));
    let d = g.add(Subtract, (hp, hq));
    let m = g.add(Multiply, (hp, hq));
    let joined = g.add(Concatenate::new(), (d, m));
    let out = g.add(Dense::<2>::new().named("out"), joined);
    let sum = g.add(Add, (hp, hq));
    let sim = g.add(Dense::<1>::new().named("sim"), sum);
    let mut model = g.build((p, q), (out, sim)).unwrap();
    let sgd = Sgd {
        learning_rate: 0.05,
        momentum: 0.9,
        ..Default::default()
    };
    model.compile(sgd, Objective::new(MeanSquaredError));
    let xp = Tensor::from_slice((Dyn(40), Const::<6>), c.get("x0")).unwrap();
    let xq = Tensor::from_slice((Dyn(40), Const::<6>), c.get("x1")).unwrap();
    let y_out = Tensor::from_slice((Dyn(40), Const::<2>), c.get("t0")).unwrap();
    let y_sim = Tensor::from_slice((Dyn(40), Const::<1>), c.get("t1")).unwrap();
    let options = common::keras_fit(8);
    check_fit(c, &mut model, (&xp, &xq), (&y_out, &y_sim), options);
}
