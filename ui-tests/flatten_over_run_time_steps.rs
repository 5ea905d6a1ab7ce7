use corten::prelude::*;

fn main() {
    // Keras cannot flatten `(None, None, 3)` into a Dense layer either.
    let _ = sequential![Input<Dyn, 3>, Flatten, Dense<2>];
}
