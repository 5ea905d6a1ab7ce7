// Each step of (None, 10, 6) is a vector (6,); a Conv2D takes images.
use corten::prelude::*;

fn main() {
    let _ = sequential![Input<10, 6>, (TimeDistributed::new(Conv2D::<4, 3>::default()))];
}
