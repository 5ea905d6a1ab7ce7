// Training images of 8×8 given to a model that takes 28×28 images.
use corten::prelude::*;
use corten::loss::SparseCategoricalCrossentropy;
use corten::metric::Accuracy;
use corten::model::FitOptions;
use corten::optimizer::Adam;
use corten::{sequential, Const, Dyn, Tensor};

fn main() {
    let mut model = sequential![Input<28, 28, 1>, Flatten, Dense<10, Softmax>];
    model.compile(Adam::default(), SparseCategoricalCrossentropy::default(), [Accuracy]);
    let x = Tensor::<(Dyn, Const<8>, Const<8>, Const<1>)>::from_sizes(&[1, 8, 8, 1], vec![0.0; 64]).unwrap();
    let y = Tensor::<(Dyn,)>::from_sizes(&[1], vec![0.0]).unwrap();
    let _history = model.fit(&x, &y, FitOptions::default());
}
