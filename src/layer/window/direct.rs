//! The direct convolution: each output value one sum over the taps inside
//! the image, started at its bias, the activation applied per pixel. What
//! bare-metal targets run for every ungrouped convolution: no scratch, no
//! padded copy or im2col matrix, a few hundred bytes of code, and fewer
//! instructions than the same loops written by hand (the taps inside the
//! image are found once per pixel, and the `(kernel column, channel)` values
//! of a kernel row are one contiguous run of the input).

use super::{taps_inside, Geometry};
use crate::activation::Activation;
use crate::Element;

impl Geometry {
    /// `activation(x ∗ kernel + bias)` over `batch` samples into `filters`
    /// channels (`bias` empty for a layer without one), kernel in Keras's
    /// layout `(kernel_h, kernel_w, channels, filters)`.
    ///
    /// # Panics
    /// When a slice is shorter than the geometry says, or its size overflows.
    pub fn convolve_direct<E: Element, A: Activation>(
        &self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        (kernel, bias, filters): (&[E], &[E], usize),
        activation: &A,
    ) {
        let c = self.channels;
        let size = |dims: &[usize]| dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let (Some(image), Some(out_image), Some(taps)) = (
            size(&[self.height, self.width, c]),
            size(&[self.out_height, self.out_width, filters]),
            size(&[self.kernel_h, self.kernel_w, c, filters]),
        ) else {
            panic!("convolution: sizes overflow usize")
        };
        assert!(
            batch.checked_mul(image).is_some_and(|n| x.len() >= n)
                && batch.checked_mul(out_image).is_some_and(|n| y.len() >= n)
                && kernel.len() >= taps
                && (bias.is_empty() || bias.len() >= filters),
            "convolution: a slice is shorter than its geometry"
        );
        let (x, k) = (x.as_ptr(), kernel.as_ptr());
        // With undilated columns a kernel row's taps are one contiguous run
        // of `(kernel column, channel)` values in the input and the kernel.
        let runs_whole = self.dilation_w == 1;
        for b in 0..batch {
            for oh in 0..self.out_height {
                let (kh_first, kh_end) = taps_inside(
                    oh * self.stride_h,
                    self.pad_top,
                    self.height,
                    self.kernel_h,
                    self.dilation_h,
                );
                for ow in 0..self.out_width {
                    let left = ow * self.stride_w;
                    let (kw_first, kw_end) = taps_inside(
                        left,
                        self.pad_left,
                        self.width,
                        self.kernel_w,
                        self.dilation_w,
                    );
                    let (runs, run) = match runs_whole {
                        true => (usize::from(kw_end > kw_first), (kw_end - kw_first) * c),
                        false => (kw_end - kw_first, c),
                    };
                    let pixel =
                        &mut y[b * out_image + (oh * self.out_width + ow) * filters..][..filters];
                    for (f, out) in pixel.iter_mut().enumerate() {
                        let mut sum = if bias.is_empty() { E::ZERO } else { bias[f] };
                        for kh in kh_first..kh_end {
                            let ih = oh * self.stride_h + kh * self.dilation_h - self.pad_top;
                            for r in 0..runs {
                                let kw = kw_first + r * usize::from(!runs_whole);
                                let iw = left + kw * self.dilation_w - self.pad_left;
                                // SAFETY: `kh < kh_end` and `kw..kw + run / c` are taps
                                // inside the image (`taps_inside`), so the run's input
                                // values `(ih, iw + t / c, t % c)` lie in sample `b`,
                                // inside `x` (`batch · image` values, checked above);
                                // its kernel values `((kh, kw + t / c, t % c), f)` with
                                // `f < filters` lie inside `kernel` (checked above).
                                unsafe {
                                    let xs = x.add(b * image + (ih * self.width + iw) * c);
                                    let ks = k.add(((kh * self.kernel_w + kw) * c) * filters + f);
                                    for t in 0..run {
                                        sum += *xs.add(t) * *ks.add(t * filters);
                                    }
                                }
                            }
                        }
                        *out = sum;
                    }
                    activation.apply(pixel);
                }
            }
        }
    }
}
