// Kernel weights for 3 input channels after a 1-channel image.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let kernel = [[[[0.0f32; 4]; 3]; 3]; 3];
    let _model = sequential![Input<8, 8, 1>, Conv2D<4, 3>::from_weights(kernel, [0.0; 4])];
}
