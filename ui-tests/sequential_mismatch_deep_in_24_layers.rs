// The mismatch sits at layer 20 of 24; the error still names both sizes.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let w = [[0.0f32; 8]; 9];
    let _model = sequential![
        Input<8>,
        Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>,
        Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>, Dense<8>,
        Dense<8>, Dense<8>, Dense<8>, Dense<8>::from_weights(w, [0.0; 8]), Dense<8>, Dense<8>,
        Dense<8>, Dense<8>,
    ];
}
