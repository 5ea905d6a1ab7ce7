// Global pooling needs images; this model gives vectors.
use corten::prelude::*;
use corten::sequential;

fn main() {
    let _model = sequential![Input<10>, Dense<8>, GlobalAveragePooling2D];
}
