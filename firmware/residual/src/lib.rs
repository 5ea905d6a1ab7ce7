//! A residual CNN as firmware runs it: `no_std`, no allocator, weights as
//! `&'static` data, every buffer a fixed-size array whose size the compiler
//! checks. CI builds this crate for `thumbv7em-none-eabihf`.
#![no_std]

use corten::layer::{Conv2D, Dense, GlobalAveragePooling2D};
use corten::model::Residual;
use corten::prelude::*;
use corten::shape::{Const, Same};
use corten::{sequential, Error, Tensor};

static STEM_KERNEL: [f32; 36] = [0.1; 36]; // 3 × 3 × 1 channel × 4 filters
static STEM_BIAS: [f32; 4] = [0.0; 4];
static BODY_KERNEL: [f32; 3 * 3 * 4 * 4] = [0.02; 144];
static BODY_BIAS: [f32; 4] = [0.01; 4];
static PROJECTED_KERNEL: [f32; 3 * 3 * 4 * 8] = [-0.01; 288];
static PROJECTED_BIAS: [f32; 8] = [0.0; 8];
static SHORTCUT_KERNEL: [f32; 4 * 8] = [0.05; 32];
static SHORTCUT_BIAS: [f32; 8] = [0.0; 8];
static DENSE_KERNEL: [f32; 8 * 3] = [0.1; 24];
static DENSE_BIAS: [f32; 3] = [0.0, 0.1, 0.2];

/// The scratch the model needs for one 8×8 image: the stem's output, the
/// projection's and the working space of the convolutions (checked at run time by
/// `predict_into`, which returns an error when it is too small).
pub const SCRATCH: usize = 3592;

/// Classifies one 8×8×1 image: stem conv, a residual block, a residual
/// block with a 1×1 projection shortcut, global pooling, dense softmax.
pub fn classify(
    image: &[f32; 64],
    scores: &mut [f32; 3],
    scratch: &mut [f32; SCRATCH],
) -> Result<(), Error> {
    let stem = Conv2D::<4, 3, Relu, Same>::from_data::<Const<1>, f32, _, _>(
        &STEM_KERNEL[..],
        &STEM_BIAS[..],
    )?;
    let body = Conv2D::<4, 3, Relu, Same>::from_data::<Const<4>, f32, _, _>(
        &BODY_KERNEL[..],
        &BODY_BIAS[..],
    )?;
    let projected = Conv2D::<8, 3, Relu, Same>::from_data::<Const<4>, f32, _, _>(
        &PROJECTED_KERNEL[..],
        &PROJECTED_BIAS[..],
    )?;
    let shortcut =
        Conv2D::<8, 1>::from_data::<Const<4>, f32, _, _>(&SHORTCUT_KERNEL[..], &SHORTCUT_BIAS[..])?;
    let dense =
        Dense::<3, Softmax>::from_data::<Const<8>, f32, _, _>(&DENSE_KERNEL[..], &DENSE_BIAS[..])?;
    let model = sequential![
        Input<8, 8, 1>,
        (stem),
        (Residual::new(body)),
        (Residual::with_shortcut(projected, shortcut)),
        (GlobalAveragePooling2D::default()),
        (dense),
    ];
    let x = Tensor::from_data((Const::<1>, Const::<8>, Const::<8>, Const::<1>), &image[..])?;
    let mut y = Tensor::from_data((Const::<1>, Const::<3>), &mut scores[..])?;
    model.predict_into(&x, &mut y, &mut scratch[..])
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use corten::model::Graph;

    /// The same network as a functional graph (another executor, the same
    /// weights) gives the same scores.
    #[test]
    fn scores_match_the_same_model_as_a_graph() {
        let image: [f32; 64] = core::array::from_fn(|i| ((i * 7) % 11) as f32 / 11.0 - 0.4);
        let mut scores = [0.0f32; 3];
        let mut scratch = [0.0f32; SCRATCH];
        classify(&image, &mut scores, &mut scratch).unwrap();

        let mut g = Graph::<f32>::new();
        let x = g.input::<(Const<8>, Const<8>, Const<1>)>();
        let h = g.add(Conv2D::<4, 3, Relu, Same>::default(), x);
        let b = g.add(Conv2D::<4, 3, Relu, Same>::default(), h);
        let h = g.add(Add, (b, h));
        let p = g.add(Conv2D::<8, 3, Relu, Same>::default(), h);
        let s = g.add(Conv2D::<8, 1>::default(), h);
        let h = g.add(Add, (p, s));
        let h = g.add(GlobalAveragePooling2D::default(), h);
        let y = g.add(Dense::<3, Softmax>::new(), h);
        let mut model = g.build(x, y).unwrap();
        let w = |s: &[f32]| s.to_vec();
        model
            .set_weights(&[
                w(&STEM_KERNEL),
                w(&STEM_BIAS),
                w(&BODY_KERNEL),
                w(&BODY_BIAS),
                w(&PROJECTED_KERNEL),
                w(&PROJECTED_BIAS),
                w(&SHORTCUT_KERNEL),
                w(&SHORTCUT_BIAS),
                w(&DENSE_KERNEL),
                w(&DENSE_BIAS),
            ])
            .unwrap();
        let x = Tensor::from_slice((corten::Dyn(1), Const::<8>, Const::<8>, Const::<1>), &image)
            .unwrap();
        let want = model.predict(&x).unwrap();
        for (got, want) in scores.iter().zip(want.as_slice()) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
        assert!((scores.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
