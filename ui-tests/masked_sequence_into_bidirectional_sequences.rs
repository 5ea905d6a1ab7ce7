// Bidirectional over a masked sequence returns its last outputs; its
// sequences would need masks concatenated, which corten does not do yet.
use corten::prelude::*;

fn main() {
    let _ = sequential![
        Input<6>,
        Embedding<10, 4>.mask_zero(),
        (Bidirectional::new(Lstm::<3>::new().return_sequences())),
    ];
}
