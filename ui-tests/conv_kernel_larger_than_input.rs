// A 5×5 kernel on a 3×3 image with `valid` padding.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<3, 3, 1>, Conv2D<4, 5>];
}
