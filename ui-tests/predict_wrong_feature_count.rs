// A batch of 3-feature samples given to a model that takes 2 features.
use corten::prelude::*;
use corten::{sequential, Tensor};

fn main() {
    let model = sequential![Input<2>, Dense<5>];
    let _y = model.predict(&Tensor::from_array([[1.0f32, 2.0, 3.0]]));
}
