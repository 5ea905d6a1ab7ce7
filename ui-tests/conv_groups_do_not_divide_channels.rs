// 6 input channels cannot be split into 4 groups.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<8, 8, 6>, Conv2D<8, 3, Linear, Valid, 1, 1, 4>];
}
