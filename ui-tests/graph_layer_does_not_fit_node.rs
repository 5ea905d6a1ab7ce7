// A Conv2D needs images; this node holds vectors.
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let a = g.input::<(Const<8>,)>();
    let _ = g.add(Conv2D::<4, 3>::default(), a);
}
