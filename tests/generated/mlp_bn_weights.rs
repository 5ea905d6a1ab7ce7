// The weights of `tests/fixtures/corten/mlp_bn.safetensors`, written by `corten-weights`.

/// `batch_normalization/beta`, shape (4,).
#[rustfmt::skip]
pub static BATCH_NORMALIZATION_BETA: [f32; 4] = [0.0, 0.0, 0.0, 0.0];
/// `batch_normalization/gamma`, shape (4,).
#[rustfmt::skip]
pub static BATCH_NORMALIZATION_GAMMA: [f32; 4] = [1.0, 1.0, 1.0, 1.0];
/// `batch_normalization/moving_mean`, shape (4,).
#[rustfmt::skip]
pub static BATCH_NORMALIZATION_MOVING_MEAN: [f32; 4] = [0.0, 0.0, 0.0, 0.0];
/// `batch_normalization/moving_variance`, shape (4,).
#[rustfmt::skip]
pub static BATCH_NORMALIZATION_MOVING_VARIANCE: [f32; 4] = [1.0, 1.0, 1.0, 1.0];
/// `dense/bias`, shape (4,).
#[rustfmt::skip]
pub static DENSE_BIAS: [f32; 4] = [0.0, 0.0, 0.0, 0.0];
/// `dense/kernel`, shape (3, 4).
#[rustfmt::skip]
pub static DENSE_KERNEL: [[f32; 4]; 3] = [
    [0.42793888, 0.50634986, -0.87796515, 0.15583268],
    [-0.4403744, 0.5036219, -0.5208721, 0.5438516],
    [0.46168506, 0.868304, 0.91900116, -0.6677451],
];
/// `dense_1/bias`, shape (2,).
#[rustfmt::skip]
pub static DENSE_1_BIAS: [f32; 2] = [0.0, 0.0];
/// `dense_1/kernel`, shape (4, 2).
#[rustfmt::skip]
pub static DENSE_1_KERNEL: [[f32; 2]; 4] = [
    [-0.77427, 0.9296714],
    [-0.9011999, -0.14859587],
    [-0.07884069, 0.8485253],
    [-0.5459187, 0.11866459],
];
