// An LSTM of 4 units gives (None, 4); a Dense given a kernel of 3 inputs
// cannot take it.
use corten::prelude::*;

fn main() {
    let _ = sequential![
        Input<5, 2>,
        Lstm<4>,
        Dense::<1>::from_weights([[1.0f32]; 3], [0.0]),
    ];
}
