// A two-input model fed samples of the wrong width for its second input:
// `b` takes (None, 5), the data is (None, 4).
use corten::loss::MeanSquaredError;
use corten::model::{Graph, Objective};
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<8>,)>();
    let b = g.input::<(Const<5>,)>();
    let c = g.add(Concatenate::new(), (a, b));
    let y = g.add(Dense::<1>::new(), c);
    let mut model = g.build((a, b), y).unwrap();
    model.compile(Sgd::default(), Objective::new(MeanSquaredError));
    let xa = Tensor::from_array([[0.0f32; 8]; 2]);
    let xb = Tensor::from_array([[0.0f32; 4]; 2]);
    let t = Tensor::from_array([[0.0f32]; 2]);
    let _ = model.fit((&xa, &xb), &t, FitOptions::default());
}
