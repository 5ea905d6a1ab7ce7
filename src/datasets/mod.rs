//! Small datasets shipped with corten, as Keras ships `keras.datasets`.

mod digits;

pub use digits::{load_digits, parse_digits, DigitImages, DigitLabels, Digits};
