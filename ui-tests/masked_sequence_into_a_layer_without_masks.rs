// Conv1D does not know masks: a masked sequence (here from an Embedding
// with mask_zero) cannot go into it, where Keras would drop the mask.
use corten::prelude::*;

fn main() {
    let _ = sequential![Input<6>, Embedding<10, 4>.mask_zero(), Conv1D<8, 3>];
}
