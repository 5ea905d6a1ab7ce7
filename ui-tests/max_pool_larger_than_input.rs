// A 2×2 pool over a 1×1 image.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<1, 1, 3>, MaxPooling2D<2>];
}
