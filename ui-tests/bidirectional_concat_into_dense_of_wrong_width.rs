// Bidirectional(LSTM(4)) concatenates both directions: (None, 8). A Dense
// given a kernel of 4 inputs cannot take it.
use corten::prelude::*;

fn main() {
    let _ = sequential![
        Input<5, 2>,
        (Bidirectional::new(Lstm::<4>::new())),
        Dense::<1>::from_weights([[1.0f32]; 4], [0.0]),
    ];
}
