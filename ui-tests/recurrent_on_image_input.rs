// A GRU reads sequences (None, steps, features); this input is an image (None, 8, 8, 1).
use corten::prelude::*;

fn main() {
    let _ = sequential![Input<8, 8, 1>, Gru<4>];
}
