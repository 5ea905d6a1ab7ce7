// A Dense whose weights expect 8 inputs after a hidden Dense of 16 units.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let w = [[0.0f32; 4]; 8];
    let _model = sequential![Input<32>, Dense<16, Relu>, Dense<4, Softmax>::from_weights(w, [0.0; 4])];
}
