// A model built at compile time whose second Dense was given weights for 5
// inputs after a layer of 4 units: the same compile error as sequential!'s.
use corten::prelude::*;
use corten::sequential;

static W1: [[f32; 4]; 2] = [[0.0; 4]; 2];
static B1: [f32; 4] = [0.0; 4];
static W2: [[f32; 1]; 5] = [[0.0; 1]; 5];
static B2: [f32; 1] = [0.0];

fn main() {
    let _model = sequential![
        const Input<2>,
        (Dense::<4>::from_weights(&W1, &B1)),
        (Dense::<1>::from_weights(&W2, &B2)),
    ];
}
