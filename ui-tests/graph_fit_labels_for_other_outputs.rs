// A model with two outputs given labels for one.
use corten::loss::MeanSquaredError;
use corten::model::{Graph, Objective};
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<4>,)>();
    let p = g.add(Dense::<2>::new(), x);
    let q = g.add(Dense::<1>::new(), x);
    let mut model = g.build(x, (p, q)).unwrap();
    model.compile(Sgd::default(), Objective::new(MeanSquaredError));
    let x = Tensor::from_array([[0.0f32; 4]; 2]);
    let t = Tensor::from_array([[0.0f32; 2]; 2]);
    let _ = model.fit(&x, &t, FitOptions::default());
}
