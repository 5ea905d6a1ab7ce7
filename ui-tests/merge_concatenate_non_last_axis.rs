// Concatenate on axis 1 joins rows; the inputs must agree on the other axis: 4 and 3 columns.
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<2>, Const<4>)>();
    let b = g.input::<(Const<5>, Const<3>)>();
    let _ = g.add(Concatenate::<1>, (a, b));
}
