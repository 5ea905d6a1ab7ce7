//! The firmware crate `firmware/recurrent` (built for thumbv7em-none-eabihf
//! in CI, `no_std` without an allocator), run on the host: its scores
//! against the same model built with `std` and given the same weights.
#[allow(unused_attributes)]
#[path = "../firmware/recurrent/src/lib.rs"]
mod firmware;

use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::Tensor;
use firmware::*;

#[test]
fn scores_match_the_same_model_built_with_std() {
    let frames: [f32; STEPS * FEATURES] =
        core::array::from_fn(|i| ((i * 5) % 7) as f32 / 7.0 - 0.4);
    let mut scores = [0.0f32; 3];
    let mut scratch = [0.0f32; SCRATCH];
    classify(&frames, &mut scores, &mut scratch).unwrap();

    let mut model =
        sequential![Input<10, 3>, Lstm<8>.return_sequences(), Gru<4>, Dense<3, Softmax>];
    let w = |s: &[f32]| s.to_vec();
    model
        .set_weights(&[
            w(&LSTM_KERNEL),
            w(&LSTM_RECURRENT),
            w(&LSTM_BIAS),
            w(&GRU_KERNEL),
            w(&GRU_RECURRENT),
            w(&GRU_BIAS),
            w(&DENSE_KERNEL),
            w(&DENSE_BIAS),
        ])
        .unwrap();
    assert_eq!(
        model.scratch_len(1),
        SCRATCH,
        "the firmware's scratch is what the model needs"
    );
    let x = Tensor::from_slice((Dyn(1), Const::<10>, Const::<3>), &frames).unwrap();
    let want = model.predict(&x).unwrap();
    for (got, want) in scores.iter().zip(want.as_slice()) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    assert!((scores.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    // The scores depend on the frames.
    let mut other = [0.0f32; 3];
    classify(&[0.3; 30], &mut other, &mut scratch).unwrap();
    assert_ne!(scores, other);
}
