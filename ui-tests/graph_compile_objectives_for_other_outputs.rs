// A model with two outputs compiled with three objectives.
use corten::loss::MeanSquaredError;
use corten::model::{Graph, Objective};
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<4>,)>();
    let p = g.add(Dense::<2>::new(), x);
    let q = g.add(Dense::<1>::new(), x);
    let mut model = g.build(x, (p, q)).unwrap();
    let mse = || Objective::new(MeanSquaredError);
    model.compile(Sgd::default(), (mse(), mse(), mse()));
}
