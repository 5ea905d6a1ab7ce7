//! Where the windows of a convolution or pooling lie, and im2col.

use super::DenseElement;
use crate::activation::Activation;
use crate::shape::Padding;
use crate::Element;

/// Where the windows of a convolution or pooling lie.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation: usize,
    pub out_height: usize,
    pub out_width: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

impl Geometry {
    /// A `k × k` window with stride `s` over `h × w` images of `c` channels.
    pub fn square<P: Padding>(h: usize, w: usize, c: usize, k: usize, s: usize) -> Geometry {
        Self::dilated::<P>(h, w, c, k, s, 1)
    }

    /// A `k × k` kernel whose taps are `d` apart (its window spans
    /// `d·(k − 1) + 1` pixels), with stride `s`.
    pub fn dilated<P: Padding>(
        h: usize,
        w: usize,
        c: usize,
        k: usize,
        s: usize,
        d: usize,
    ) -> Geometry {
        let extent = d * (k - 1) + 1;
        Geometry {
            dilation: d,
            height: h,
            width: w,
            channels: c,
            kernel_h: k,
            kernel_w: k,
            stride_h: s,
            stride_w: s,
            out_height: P::output_size(h, extent, s),
            out_width: P::output_size(w, extent, s),
            pad_top: P::pad_before(h, extent, s),
            pad_left: P::pad_before(w, extent, s),
        }
    }

    /// A window of `k` steps with stride `s` over sequences of `steps` × `c`
    /// (a one-row image).
    pub fn row<P: Padding>(steps: usize, c: usize, k: usize, s: usize) -> Geometry {
        Geometry {
            height: 1,
            width: steps,
            channels: c,
            kernel_h: 1,
            kernel_w: k,
            stride_h: 1,
            stride_w: s,
            dilation: 1,
            out_height: 1,
            out_width: P::output_size(steps, k, s),
            pad_top: 0,
            pad_left: P::pad_before(steps, k, s),
        }
    }
    /// The input row and column under kernel offset `(kh, kw)` of output pixel
    /// `(oh, ow)`, or `None` in the padding.
    #[inline]
    pub fn source(&self, oh: usize, ow: usize, kh: usize, kw: usize) -> Option<(usize, usize)> {
        let ih = (oh * self.stride_h + kh * self.dilation).checked_sub(self.pad_top)?;
        let iw = (ow * self.stride_w + kw * self.dilation).checked_sub(self.pad_left)?;
        (ih < self.height && iw < self.width).then_some((ih, iw))
    }

    /// Lays every window out as a row `(kh, kw, c)`: the matrix whose product
    /// with the `(kernel·kernel·channels, filters)` kernel is the convolution.
    /// For each kernel row the `(kw, c)` values are contiguous in the input, so
    /// each is one copy (zeros where the window hangs over the padding).
    pub fn im2col<E: Element>(&self, x: &[E], batch: usize, out: &mut [E]) {
        if self.dilation != 1 {
            return self.im2col_per_tap(x, batch, out);
        }
        let (c, kh_n, k) = (self.channels, self.kernel_h, self.kernel_w);
        let depth = kh_n * k * c;
        let image = self.height * self.width * c;
        let mut rows = out.chunks_exact_mut(depth.max(1));
        for b in 0..batch {
            let x = &x[b * image..(b + 1) * image];
            for oh in 0..self.out_height {
                for ow in 0..self.out_width {
                    let Some(row) = rows.next() else { return };
                    // Kernel columns kw in first..last fall inside the image.
                    let left = ow * self.stride_w;
                    let first = self.pad_left.saturating_sub(left).min(k);
                    let last = (self.width + self.pad_left)
                        .saturating_sub(left)
                        .min(k)
                        .max(first);
                    for (kh, dst) in row.chunks_exact_mut(k * c).enumerate() {
                        let ih = (oh * self.stride_h + kh)
                            .checked_sub(self.pad_top)
                            .filter(|&ih| ih < self.height);
                        match ih {
                            Some(ih) if last > first => {
                                dst[..first * c].fill(E::ZERO);
                                let iw = left + first - self.pad_left;
                                let src = &x[(ih * self.width + iw) * c..][..(last - first) * c];
                                dst[first * c..last * c].copy_from_slice(src);
                                dst[last * c..].fill(E::ZERO);
                            }
                            _ => dst.fill(E::ZERO),
                        }
                    }
                }
            }
        }
    }

    /// The convolution `activation(im2col(x) · kernel + bias)` over `batch`
    /// samples, with the im2col matrix in `scratch`; the filter count is
    /// `bias.len()`.
    #[allow(clippy::too_many_arguments)]
    pub fn convolve<E: DenseElement, A: Activation>(
        &self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
        kernel: &[E],
        bias: &[E],
        activation: &A,
    ) {
        let rows = batch * self.out_height * self.out_width;
        let depth = self.kernel_h * self.kernel_w * self.channels;
        let columns = &mut scratch[..rows * depth];
        self.im2col(x, batch, columns);
        E::dense_forward(columns, kernel, bias, y, rows, depth);
        if !bias.is_empty() {
            for row in y.chunks_exact_mut(bias.len()) {
                activation.apply(row);
            }
        }
    }

    /// A grouped convolution: channels and filters split into `groups`
    /// equal blocks, block `g` of filters seeing only block `g` of channels
    /// (Keras's `groups`; the kernel is `(k, k, channels / groups, filters)`).
    #[allow(clippy::too_many_arguments)]
    pub fn convolve_grouped<E: DenseElement, A: Activation>(
        &self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
        kernel: &[E],
        bias: &[E],
        activation: &A,
        groups: usize,
    ) {
        if groups <= 1 {
            return self.convolve(x, y, batch, scratch, kernel, bias, activation);
        }
        let filters = bias.len();
        let (cg, fg) = (self.channels / groups, filters / groups);
        let rows = batch * self.out_height * self.out_width;
        let depth = self.kernel_h * self.kernel_w * cg;
        let columns = &mut scratch[..rows * depth];
        for g in 0..groups {
            self.im2col_channels(x, batch, columns, g * cg, cg);
            E::matmul_strided(
                columns,
                &kernel[g * fg..],
                filters,
                &mut y[g * fg..],
                filters,
                rows,
                depth,
                fg,
            );
        }
        for row in y.chunks_exact_mut(filters.max(1)) {
            for (v, &b) in row.iter_mut().zip(bias) {
                *v += b;
            }
            activation.apply(row);
        }
    }

    /// im2col one tap at a time (dilated kernels, whose taps are not
    /// contiguous).
    fn im2col_per_tap<E: Element>(&self, x: &[E], batch: usize, out: &mut [E]) {
        self.im2col_channels(x, batch, out, 0, self.channels)
    }

    /// im2col of the channels `first..first + count` only, one tap at a time.
    fn im2col_channels<E: Element>(
        &self,
        x: &[E],
        batch: usize,
        out: &mut [E],
        first: usize,
        count: usize,
    ) {
        let c = self.channels;
        let depth = self.kernel_h * self.kernel_w * count;
        let image = self.height * self.width * c;
        let mut rows = out.chunks_exact_mut(depth.max(1));
        for b in 0..batch {
            let x = &x[b * image..(b + 1) * image];
            for oh in 0..self.out_height {
                for ow in 0..self.out_width {
                    let Some(row) = rows.next() else { return };
                    for (tap, dst) in row.chunks_exact_mut(count.max(1)).enumerate() {
                        match self.source(oh, ow, tap / self.kernel_w, tap % self.kernel_w) {
                            Some((ih, iw)) => dst
                                .copy_from_slice(&x[(ih * self.width + iw) * c + first..][..count]),
                            None => dst.fill(E::ZERO),
                        }
                    }
                }
            }
        }
    }
}
