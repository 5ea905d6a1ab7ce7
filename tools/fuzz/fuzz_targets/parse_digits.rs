//! Any bytes given to the digits parser give `Ok` or `Err`, never a panic;
//! what it accepts holds pixels in [0, 1] and labels 0–9, 64 pixels a label.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(digits) = corten::datasets::parse_digits(bytes) {
        let (images, labels) = (digits.images.as_slice(), digits.labels.as_slice());
        assert_eq!(images.len(), 64 * labels.len());
        assert!(images.iter().all(|p| (0.0..=1.0).contains(p)));
        assert!(labels.iter().all(|l| (0.0..=9.0).contains(l) && l.fract() == 0.0));
    }
});
