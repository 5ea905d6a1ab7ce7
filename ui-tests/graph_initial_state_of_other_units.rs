// An LSTM of 8 units gives states of 8 values; an LSTM of 4 units cannot
// start from them.
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let x = g.input::<(Const<5>, Const<3>)>();
    let z = g.input::<(Const<4>, Const<2>)>();
    let (_, h, c) = g.add_with_states(Lstm::<8>::new(), x);
    let _y = g.add(Lstm::<4>::new(), z.with_initial_state((h, c)));
}
