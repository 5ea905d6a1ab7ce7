//! The UCI handwritten digits (8×8 images, 1797 samples), as scikit-learn
//! bundles them; see `DIGITS_LICENSE.md` beside this file.

use crate::error::Error;
use crate::shape::{Const, Dyn};
use crate::tensor::Tensor;
use alloc::vec::Vec;

/// Images of digits: `(samples, 8, 8, 1)`, pixels scaled to `[0, 1]`.
pub type DigitImages = Tensor<(Dyn, Const<8>, Const<8>, Const<1>), f32>;
/// Their labels: `(samples,)`, the digit 0–9.
pub type DigitLabels = Tensor<(Dyn,), f32>;

/// The digits dataset.
#[derive(Clone, Debug)]
pub struct Digits {
    /// Every image.
    pub images: DigitImages,
    /// Every label.
    pub labels: DigitLabels,
}

const DATA: &[u8] = include_bytes!("digits.bin");
const MAGIC: &[u8] = b"CDIG1";
const RECORD: usize = 41;

/// The 1797 digits shipped with corten.
///
/// ```
/// let digits = corten::datasets::load_digits().unwrap();
/// assert_eq!(digits.images.sizes(), &[1797, 8, 8, 1]);
/// assert_eq!(&digits.labels.as_slice()[..3], &[0.0, 1.0, 2.0]);
/// ```
pub fn load_digits() -> Result<Digits, Error> {
    parse_digits(DATA)
}

/// Reads digits in the format `tools/make_digits.py` writes; an error when
/// the data is truncated or not in that format.
pub fn parse_digits(bytes: &[u8]) -> Result<Digits, Error> {
    let what = "digits data";
    let header = MAGIC.len() + 2;
    if bytes.len() < header || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::Format {
            what,
            problem: "it does not start with the CDIG1 header",
        });
    }
    let count = usize::from(u16::from_le_bytes([
        bytes[MAGIC.len()],
        bytes[MAGIC.len() + 1],
    ]));
    crate::error::check_length(what, [count, RECORD], bytes.len() - header)?;
    let mut pixels = Vec::with_capacity(count * 64);
    let mut labels = Vec::with_capacity(count);
    for record in bytes[header..].chunks_exact(RECORD) {
        let label = record[0];
        let bits = &record[1..];
        for i in 0..64 {
            let bit = 5 * i;
            let window = u16::from_le_bytes([bits[bit / 8], *bits.get(bit / 8 + 1).unwrap_or(&0)]);
            let value = (window >> (bit % 8)) & 0x1f;
            if value > 16 {
                return Err(Error::Format {
                    what,
                    problem: "a pixel is above 16",
                });
            }
            pixels.push(f32::from(value) / 16.0);
        }
        if label > 9 {
            return Err(Error::Format {
                what,
                problem: "a label is not a digit",
            });
        }
        labels.push(f32::from(label));
    }
    Ok(Digits {
        images: Tensor::from_sizes(&[count, 8, 8, 1], pixels)?,
        labels: Tensor::from_sizes(&[count], labels)?,
    })
}

impl Digits {
    /// The fixed split corten's examples use: every fifth sample (index
    /// 4, 9, 14, …) for testing, the others for training. Returns
    /// `((train images, train labels), (test images, test labels))`, as
    /// Keras's `load_data()`.
    #[allow(clippy::type_complexity)]
    pub fn split(&self) -> Result<((DigitImages, DigitLabels), (DigitImages, DigitLabels)), Error> {
        let (x, y) = (self.images.as_slice(), self.labels.as_slice());
        let mut parts = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
        for (i, (image, &label)) in x.chunks_exact(64).zip(y).enumerate() {
            let part = &mut parts[usize::from(i % 5 == 4)];
            part.0.extend_from_slice(image);
            part.1.push(label);
        }
        let [(train_x, train_y), (test_x, test_y)] = parts;
        Ok((
            (
                Tensor::from_sizes(&[train_y.len(), 8, 8, 1], train_x)?,
                Tensor::from_sizes(&[train_y.len()], train_y)?,
            ),
            (
                Tensor::from_sizes(&[test_y.len(), 8, 8, 1], test_x)?,
                Tensor::from_sizes(&[test_y.len()], test_y)?,
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn the_shipped_digits_match_scikit_learn() {
        if cfg!(miri) {
            // The first 100 records (the whole file takes minutes under miri).
            let header = MAGIC.len() + 2;
            let mut head = DATA[..header + 100 * RECORD].to_vec();
            head[MAGIC.len()..header].copy_from_slice(&100u16.to_le_bytes());
            let digits = parse_digits(&head).unwrap();
            assert_eq!(&digits.labels.as_slice()[..3], &[0.0, 1.0, 2.0]);
            assert_eq!(&digits.images.as_slice()[2..4], &[5.0 / 16.0, 13.0 / 16.0]);
            return;
        }
        let digits = load_digits().unwrap();
        assert_eq!(digits.labels.as_slice().len(), 1797);
        // scikit-learn's first image (a zero), first row: 0 0 5 13 9 1 0 0.
        let first: Vec<f32> = digits.images.as_slice()[..8]
            .iter()
            .map(|v| v * 16.0)
            .collect();
        assert_eq!(first, [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
        // Class counts as scikit-learn reports them.
        let mut counts = [0; 10];
        for &l in digits.labels.as_slice() {
            counts[l as usize] += 1;
        }
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        let ((train_x, train_y), (test_x, test_y)) = digits.split().unwrap();
        assert_eq!(
            (train_y.as_slice().len(), test_y.as_slice().len()),
            (1438, 359)
        );
        assert_eq!(train_x.sizes()[0] + test_x.sizes()[0], 1797);
    }

    #[test]
    fn truncated_or_foreign_data_is_an_error() {
        let err = parse_digits(&DATA[..DATA.len() - 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "digits data: shape (1797, 41) needs 73677 elements but 73674 were given"
        );
        let err = parse_digits(b"PK\x03\x04 not digits").unwrap_err();
        assert_eq!(
            err.to_string(),
            "digits data: it does not start with the CDIG1 header"
        );
        let mut bad = DATA.to_vec();
        bad[7] = 12; // the first label
        assert!(parse_digits(&bad).is_err());
    }
}
