// Add takes inputs of one shape; these are (None, 8) and (None, 5).
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<8>,)>();
    let b = g.input::<(Const<5>,)>();
    let _ = g.add(Add, (a, b));
}
