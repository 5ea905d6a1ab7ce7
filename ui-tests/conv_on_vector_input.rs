// Conv2D needs (height, width, channels) samples; this model gives vectors.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<10>, Conv2D<4, 3>];
}
