// 12 elements cannot become 2×5.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<3, 4>, Reshape2<2, 5>];
}
