// An output tensor of 4 features for a model that gives 5.
use corten::prelude::*;
use corten::{sequential, Tensor};

fn main() {
    let model = sequential![Input<2>, Dense<5>];
    let x = Tensor::from_array([[1.0f32, 2.0]]);
    let mut y = Tensor::from_array([[0.0f32; 4]]);
    let _ = model.predict_into(&x, &mut y, &mut []);
}
