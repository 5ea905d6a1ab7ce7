// 8 → 6 → 4 → 2: the fourth 3×3 convolution no longer fits.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<8, 8, 1>, Conv2D<4, 3>, Conv2D<4, 3>, Conv2D<4, 3>, Conv2D<4, 3>];
}
