//! A recurrent sequence classifier as firmware runs it (a keyword or
//! gesture model reading sensor frames): `no_std`, no allocator, weights as
//! `&'static` data, every buffer a fixed-size array. CI builds this crate
//! for `thumbv7em-none-eabihf`.
#![no_std]

use corten::layer::{Dense, Gru, Lstm};
use corten::prelude::*;
use corten::shape::Const;
use corten::{sequential, Error, Tensor};

/// Frames per sequence and values per frame.
pub const STEPS: usize = 10;
/// Values per frame.
pub const FEATURES: usize = 3;

/// Deterministic weights in `[-0.5, 0.5)`, in place of trained ones.
const fn weights<const N: usize>(seed: usize) -> [f32; N] {
    let mut w = [0.0f32; N];
    let mut i = 0;
    while i < N {
        w[i] = ((i * 37 + seed * 11) % 97) as f32 / 97.0 - 0.5;
        i += 1;
    }
    w
}

// LSTM(8) returning sequences: kernel (3, 32), recurrent (8, 32), bias (32).
pub static LSTM_KERNEL: [f32; FEATURES * 32] = weights(1);
pub static LSTM_RECURRENT: [f32; 8 * 32] = weights(2);
pub static LSTM_BIAS: [f32; 32] = weights(3);
// GRU(4) (reset_after): kernel (8, 12), recurrent (4, 12), bias (2, 12).
pub static GRU_KERNEL: [f32; 8 * 12] = weights(4);
pub static GRU_RECURRENT: [f32; 4 * 12] = weights(5);
pub static GRU_BIAS: [f32; 24] = weights(6);
// Dense(3, softmax).
pub static DENSE_KERNEL: [f32; 4 * 3] = weights(7);
pub static DENSE_BIAS: [f32; 3] = weights(8);

/// The scratch one sequence needs: the LSTM's output sequence and the
/// working space of the widest layer (checked at run time by
/// `predict_into`, which returns an error when it is too small).
pub const SCRATCH: usize = 500;

/// Classifies one sequence of `STEPS` frames into 3 classes.
pub fn classify(
    frames: &[f32; STEPS * FEATURES],
    scores: &mut [f32; 3],
    scratch: &mut [f32; SCRATCH],
) -> Result<(), Error> {
    let lstm = Lstm::<8>::new()
        .return_sequences()
        .with_data::<Const<FEATURES>, f32, _, _, _>(
            &LSTM_KERNEL[..],
            &LSTM_RECURRENT[..],
            &LSTM_BIAS[..],
        )?;
    let gru = Gru::<4>::new().with_data::<Const<8>, f32, _, _, _>(
        &GRU_KERNEL[..],
        &GRU_RECURRENT[..],
        &GRU_BIAS[..],
    )?;
    let dense =
        Dense::<3, Softmax>::from_data::<Const<4>, f32, _, _>(&DENSE_KERNEL[..], &DENSE_BIAS[..])?;
    let model = sequential![Input<10, 3>, (lstm), (gru), (dense)];
    let x = Tensor::from_data((Const::<1>, Const::<STEPS>, Const::<FEATURES>), &frames[..])?;
    let mut y = Tensor::from_data((Const::<1>, Const::<3>), &mut scores[..])?;
    model.predict_into(&x, &mut y, &mut scratch[..])
}
