// A 4×4×2 feature map flattens to 32, but the Dense weights take 30 inputs.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let w = [[0.0f32; 3]; 30];
    let _model = sequential![Input<4, 4, 2>, Flatten, Dense<3>::from_weights(w, [0.0; 3])];
}
