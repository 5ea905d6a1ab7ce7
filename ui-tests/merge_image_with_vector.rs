// An image (None, 4, 4, 3) cannot be concatenated with a vector (None, 3).
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let image = g.input::<(Const<4>, Const<4>, Const<3>)>();
    let vector = g.input::<(Const<3>,)>();
    let _ = g.add(Concatenate::new(), (image, vector));
}
