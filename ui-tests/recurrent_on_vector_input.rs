// An LSTM reads sequences (None, steps, features); this input is a vector (None, 8).
use corten::prelude::*;

fn main() {
    let _ = sequential![Input<8>, Lstm<4>];
}
