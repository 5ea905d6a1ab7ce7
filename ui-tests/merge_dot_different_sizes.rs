// Dot along axis 1 multiplies two vectors of one size; these are 8 and 5.
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<8>,)>();
    let b = g.input::<(Const<5>,)>();
    let _ = g.add(Dot::<1>::new(), (a, b));
}
