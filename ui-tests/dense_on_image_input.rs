// Dense takes vectors: an image input must be flattened first.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<28, 28, 1>, Dense<10>];
}
