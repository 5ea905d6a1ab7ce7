// A 3×3 kernel dilated by 2 spans 5 pixels: more than a 4×4 image.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<4, 4, 1>, Conv2D<1, 3, Linear, Valid, 1, 2>];
}
