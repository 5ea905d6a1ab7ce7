// Permute<1, 1, 2> repeats an axis: it is no permutation.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<2, 3, 4>, (Permute::<1, 1, 2>)];
}
