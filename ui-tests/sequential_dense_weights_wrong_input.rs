// Weights for 5 inputs plugged after a layer that gives 4.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let w = [[0.0f32; 3]; 5];
    let _model = sequential![Input<4>, Dense::<3>::from_weights(w, [0.0; 3])];
}
