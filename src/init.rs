//! Seeded weight initializers with Keras's definitions.

use crate::Element;
use rand::Rng;
use rand_distr::{Distribution, Uniform};

/// Keras's `glorot_uniform`: uniform on `[-l, l]` with `l = √(6 / (fan_in + fan_out))`,
/// for a kernel of shape `(fan_in, fan_out)`, row-major.
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
/// let w: Vec<f32> = corten::init::glorot_uniform(&mut rng, 784, 128);
/// let limit = (6.0f32 / (784.0 + 128.0)).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= limit));
/// ```
pub fn glorot_uniform<E: Element, R: Rng + ?Sized>(
    rng: &mut R,
    fan_in: usize,
    fan_out: usize,
) -> alloc::vec::Vec<E> {
    glorot_uniform_fans(rng, fan_in, fan_out, fan_in * fan_out)
}

/// `glorot_uniform` for `n` weights with the given fans (a convolution's fans
/// are its receptive field times its input or its output channels).
pub fn glorot_uniform_fans<E: Element, R: Rng + ?Sized>(
    rng: &mut R,
    fan_in: usize,
    fan_out: usize,
    n: usize,
) -> alloc::vec::Vec<E> {
    if n == 0 {
        return alloc::vec::Vec::new();
    }
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    let dist = Uniform::new_inclusive(-limit, limit).expect("finite, ordered bounds");
    (0..n).map(|_| E::from_f64(dist.sample(rng))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn glorot_uniform_bounds_moments_and_seed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let w: alloc::vec::Vec<f64> = glorot_uniform(&mut rng, 300, 100);
        let limit = (6.0f64 / 400.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= limit));
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / w.len() as f64;
        // Uniform(-l, l) has variance l²/3 = 2 / (fan_in + fan_out).
        assert!(mean.abs() < 0.01 * limit, "mean {mean}");
        assert!((var - 2.0 / 400.0).abs() < 0.05 * 2.0 / 400.0, "var {var}");
        let mut rng2 = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(w, glorot_uniform::<f64, _>(&mut rng2, 300, 100));
    }
}
