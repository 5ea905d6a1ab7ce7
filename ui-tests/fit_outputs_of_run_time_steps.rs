use corten::prelude::*;

fn main() {
    // A label per step of sequences of run-time length: not there yet.
    let mut model = sequential![Input<Dyn, 2>, Gru<3>.return_sequences()];
    let x = Tensor::from_vec((Dyn(1), Dyn(4), Const::<2>), vec![0.0; 8]).unwrap();
    let y = Tensor::from_vec((Dyn(1), Dyn(4), Const::<3>), vec![0.0; 12]).unwrap();
    let _ = model.fit(&x, &y, FitOptions::default());
}
