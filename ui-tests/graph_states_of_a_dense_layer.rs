// Only a recurrent layer has states to return.
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<5>,)>();
    let (_y, _h) = g.add_with_states(Dense::<4>::new(), x);
}
