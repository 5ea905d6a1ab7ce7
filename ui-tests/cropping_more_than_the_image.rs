// Cropping 2 pixels from each side of a 3-pixel-high image.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<3, 8, 1>, Cropping2D<2>];
}
