//! Where the windows of a convolution or pooling lie, and im2col.

use super::{DenseElement, StridedProduct};
use crate::activation::Activation;
use crate::linalg::Segments;
use crate::shape::Padding;
use crate::Element;

mod direct;

/// The output length of a window of `kernel` steps with stride `stride`
/// over sequences of `steps` run-time timesteps, or the error naming
/// `layer` when the window does not fit (`Valid` padding) or there are no
/// steps.
pub(crate) fn window_steps<P: Padding>(
    layer: &'static str,
    steps: usize,
    kernel: usize,
    stride: usize,
) -> Result<usize, crate::Error> {
    let needs = match P::NAME {
        "valid" => kernel.max(1),
        _ => 1,
    };
    if steps < needs {
        return Err(crate::Error::TooFewSteps {
            layer,
            steps,
            needs,
        });
    }
    Ok(P::output_size(steps, kernel, stride))
}

/// The taps `first..end` of a kernel of `taps` taps `dilation` apart whose
/// window starts at `start` (padding included) that fall inside `0..size`
/// after removing `pad`.
pub(crate) fn taps_inside(
    start: usize,
    pad: usize,
    size: usize,
    taps: usize,
    dilation: usize,
) -> (usize, usize) {
    let first = pad.saturating_sub(start).div_ceil(dilation).min(taps);
    let end = (size + pad)
        .saturating_sub(start)
        .div_ceil(dilation)
        .clamp(first, taps);
    (first, end)
}

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
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub out_height: usize,
    pub out_width: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

impl Geometry {
    /// A `k × k` window with stride `s` over `h × w` images of `c` channels.
    #[cfg(test)]
    pub fn square<P: Padding>(h: usize, w: usize, c: usize, k: usize, s: usize) -> Geometry {
        Self::dilated::<P>(h, w, c, k, s, 1)
    }

    /// A `k × k` kernel whose taps are `d` apart (its window spans
    /// `d·(k − 1) + 1` pixels), with stride `s`.
    #[cfg(test)]
    pub fn dilated<P: Padding>(
        h: usize,
        w: usize,
        c: usize,
        k: usize,
        s: usize,
        d: usize,
    ) -> Geometry {
        Self::rect::<P>((h, w, c), (k, k), (s, s), (d, d))
    }

    /// A `kh × kw` kernel with strides `(sh, sw)` (Keras's pairs) whose
    /// taps are `dh` rows and `dw` columns apart, over `(h, w, c)` images.
    pub fn rect<P: Padding>(
        (h, w, c): (usize, usize, usize),
        (kh, kw): (usize, usize),
        (sh, sw): (usize, usize),
        (dh, dw): (usize, usize),
    ) -> Geometry {
        let (extent_h, extent_w) = (dh * (kh - 1) + 1, dw * (kw - 1) + 1);
        Geometry {
            dilation_h: dh,
            dilation_w: dw,
            height: h,
            width: w,
            channels: c,
            kernel_h: kh,
            kernel_w: kw,
            stride_h: sh,
            stride_w: sw,
            out_height: P::output_size(h, extent_h, sh),
            out_width: P::output_size(w, extent_w, sw),
            pad_top: P::pad_before(h, extent_h, sh),
            pad_left: P::pad_before(w, extent_w, sw),
        }
    }

    /// Whether the kernel's taps are adjacent (no dilation along either axis).
    fn undilated(&self) -> bool {
        self.dilation_h == 1 && self.dilation_w == 1
    }

    /// One window covering the whole `h × w` image (global pooling).
    #[cfg(feature = "std")]
    pub fn whole(h: usize, w: usize, c: usize) -> Geometry {
        Geometry {
            height: h,
            width: w,
            channels: c,
            kernel_h: h,
            kernel_w: w,
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            out_height: 1,
            out_width: 1,
            pad_top: 0,
            pad_left: 0,
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
            dilation_h: 1,
            dilation_w: 1,
            out_height: 1,
            out_width: P::output_size(steps, k, s),
            pad_top: 0,
            pad_left: P::pad_before(steps, k, s),
        }
    }
    /// Calls `tap(out_pixel, tap, in_pixel)` for every kernel tap of every
    /// window over `batch` images that falls inside the image: `out_pixel`
    /// and `in_pixel` count pixels across the batch, `tap` is `kh·kw_n + kw`.
    pub fn for_each_tap(&self, batch: usize, mut tap: impl FnMut(usize, usize, usize)) {
        let image = self.height * self.width;
        let mut out_pixel = 0;
        for b in 0..batch {
            for oh in 0..self.out_height {
                for ow in 0..self.out_width {
                    for kh in 0..self.kernel_h {
                        for kw in 0..self.kernel_w {
                            if let Some((ih, iw)) = self.source(oh, ow, kh, kw) {
                                let in_pixel = b * image + ih * self.width + iw;
                                tap(out_pixel, kh * self.kernel_w + kw, in_pixel);
                            }
                        }
                    }
                    out_pixel += 1;
                }
            }
        }
    }

    /// The input row and column under kernel offset `(kh, kw)` of output pixel
    /// `(oh, ow)`, or `None` in the padding.
    #[inline]
    pub fn source(&self, oh: usize, ow: usize, kh: usize, kw: usize) -> Option<(usize, usize)> {
        let ih = (oh * self.stride_h + kh * self.dilation_h).checked_sub(self.pad_top)?;
        let iw = (ow * self.stride_w + kw * self.dilation_w).checked_sub(self.pad_left)?;
        (ih < self.height && iw < self.width).then_some((ih, iw))
    }

    /// Lays every window out as a row `(kh, kw, c)`: the matrix whose product
    /// with the `(kernel·kernel·channels, filters)` kernel is the convolution.
    /// For each kernel row the `(kw, c)` values are contiguous in the input, so
    /// each is one copy (zeros where the window hangs over the padding).
    pub fn im2col<E: Element>(&self, x: &[E], batch: usize, out: &mut [E]) {
        if !self.undilated() {
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
                    let (first, last) = taps_inside(left, self.pad_left, self.width, k, 1);
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

    /// The convolution `activation(x ∗ kernel + bias)` over `batch` samples
    /// into `filters` channels (`bias` empty for a layer without one):
    /// windows read in place where that pays, else an im2col matrix in
    /// `scratch` and one product.
    #[allow(clippy::too_many_arguments)]
    pub fn convolve<E: DenseElement, A: Activation>(
        &self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
        (kernel, bias, filters): (&[E], &[E], usize),
        activation: &A,
    ) {
        // Bare metal: one direct loop for every convolution (see `direct`).
        if cfg!(target_os = "none") {
            return self.convolve_direct(x, y, batch, (kernel, bias, filters), activation);
        }
        // Stride-1 convolutions of small, deep images: a padded copy and one
        // product per kernel row. In place wins where im2col is mostly
        // overhead (few channels) or the per-row products are large (wide
        // images). im2col otherwise (measured: benches/conv.rs).
        if self.undilated()
            && self.stride_h == 1
            && self.stride_w == 1
            && self.channels > 4
            && self.out_width < 32
        {
            self.convolve_padded_rows(x, y, batch, scratch, kernel, filters);
        } else if self.undilated() && (self.channels <= 4 || self.out_width >= 32) {
            self.convolve_in_place(x, y, batch, scratch, kernel, filters);
        } else {
            let rows = batch * self.out_height * self.out_width;
            let depth = self.kernel_h * self.kernel_w * self.channels;
            let columns = &mut scratch[..rows * depth];
            self.im2col(x, batch, columns);
            let p = StridedProduct {
                rows,
                inputs: depth,
                units: filters,
                lda: depth,
                ldk: filters,
                ldy: filters,
                accumulate: false,
            };
            E::matmul_strided(p, columns, kernel, y);
        }
        add_bias_and_activate(y, bias, filters, activation);
    }

    /// A stride-1 convolution as `kernel_h` large products: the image is
    /// copied once into a zero-padded buffer, where the windows of *all*
    /// output pixels of a kernel row, taken `channels` apart, are rows of one
    /// strided matrix — including wrap-around pixels past each output row's
    /// end, computed into a wider output and dropped.
    fn convolve_padded_rows<E: DenseElement>(
        &self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
        kernel: &[E],
        filters: usize,
    ) {
        let (c, k_w) = (self.channels, self.kernel_w);
        let (hp, wp) = (
            self.out_height + self.kernel_h - 1,
            self.out_width + k_w - 1,
        );
        let image = self.height * self.width * c;
        let (padded, rest) = scratch.split_at_mut(hp * wp * c);
        let wide = &mut rest[..self.out_height * wp * filters];
        let rows = (self.out_height - 1) * wp + self.out_width;
        for b in 0..batch {
            let x = &x[b * image..(b + 1) * image];
            padded.fill(E::ZERO);
            for ih in 0..self.height {
                let (ph, pw) = (ih + self.pad_top, self.pad_left);
                if ph < hp {
                    let n = self.width.min(wp - pw);
                    padded[(ph * wp + pw) * c..][..n * c]
                        .copy_from_slice(&x[ih * self.width * c..][..n * c]);
                }
            }
            // One product summing the kernel rows: row `kh` reads the padded
            // image `kh` rows further on, and the kernel's `kh`-th block.
            let p = StridedProduct {
                rows,
                inputs: k_w * c,
                units: filters,
                lda: c,
                ldk: filters,
                ldy: filters,
                accumulate: false,
            };
            let seg = Segments {
                count: self.kernel_h,
                a_step: wp * c,
                b_step: k_w * c * filters,
            };
            E::matmul_segmented(p, seg, padded, kernel, wide);
            let y = &mut y[b * self.out_height * self.out_width * filters..];
            for oh in 0..self.out_height {
                let n = self.out_width * filters;
                y[oh * n..(oh + 1) * n].copy_from_slice(&wide[oh * wp * filters..][..n]);
            }
        }
    }

    /// `y = x ∗ kernel` without an im2col matrix: for one output row and one
    /// kernel row, the windows of all output columns whose window lies inside
    /// the image are rows of the input read in place (`kernel_w · channels`
    /// contiguous values, `stride · channels` apart), so each such pair is one
    /// strided matrix product accumulated into the output row. Output columns
    /// whose window hangs over the left or right padding (at most a few per
    /// row) get their window copied into `scratch` first.
    fn convolve_in_place<E: DenseElement>(
        &self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
        kernel: &[E],
        filters: usize,
    ) {
        let (c, kw_n, sw) = (self.channels, self.kernel_w, self.stride_w);
        let segment = kw_n * c;
        let image = self.height * self.width * c;
        // Output columns whose window lies fully inside the image's width.
        let first = self.pad_left.div_ceil(sw).min(self.out_width);
        let end = if self.width + self.pad_left >= kw_n {
            ((self.width + self.pad_left - kw_n) / sw + 1).clamp(first, self.out_width)
        } else {
            first
        };
        for b in 0..batch {
            let x = &x[b * image..(b + 1) * image];
            for oh in 0..self.out_height {
                let y_row = &mut y[((b * self.out_height + oh) * self.out_width) * filters..]
                    [..self.out_width * filters];
                if end > first {
                    // The kernel rows over image rows: a contiguous range,
                    // summed in one product (zero rows: zeros).
                    let top = oh * self.stride_h;
                    let (kh_first, kh_end) =
                        taps_inside(top, self.pad_top, self.height, self.kernel_h, 1);
                    let ih = (top + kh_first).saturating_sub(self.pad_top);
                    let start = (ih * self.width + first * sw - self.pad_left) * c;
                    let p = StridedProduct {
                        rows: end - first,
                        inputs: segment,
                        units: filters,
                        lda: sw * c,
                        ldk: filters,
                        ldy: filters,
                        accumulate: false,
                    };
                    let seg = Segments {
                        count: kh_end - kh_first,
                        a_step: self.width * c,
                        b_step: segment * filters,
                    };
                    E::matmul_segmented(
                        p,
                        seg,
                        &x[start.min(x.len())..],
                        &kernel[kh_first * segment * filters..],
                        &mut y_row[first * filters..],
                    );
                }
            }
            self.convolve_borders(
                x,
                &mut y[b * self.out_height * self.out_width * filters..],
                scratch,
                kernel,
                filters,
                (first, end),
            );
        }
    }

    /// The output columns of one image whose windows hang over the left or
    /// right padding (`..first` and `end..` of every output row): their
    /// windows copied into `scratch` as rows of one matrix (as many as fit),
    /// one product, the results copied to their pixels of `y`.
    fn convolve_borders<E: DenseElement>(
        &self,
        x: &[E],
        y: &mut [E],
        scratch: &mut [E],
        kernel: &[E],
        filters: usize,
        (first, end): (usize, usize),
    ) {
        let depth = self.kernel_h * self.kernel_w * self.channels;
        let per_row = first + (self.out_width - end);
        let total = self.out_height * per_row;
        // Windows per product: as many as the scratch holds (with their
        // outputs), at least one.
        let group = (scratch.len() / (depth + filters).max(1)).max(1);
        let pixel = |j: usize| {
            let (oh, r) = (j / per_row, j % per_row);
            (oh, if r < first { r } else { end + r - first })
        };
        for start in (0..total).step_by(group) {
            let n = group.min(total - start);
            let (windows, rest) = scratch.split_at_mut(n * depth);
            for (i, window) in windows.chunks_exact_mut(depth.max(1)).enumerate() {
                let (oh, ow) = pixel(start + i);
                self.copy_window(x, oh, ow, 0, self.channels, window);
            }
            let p = StridedProduct {
                rows: n,
                inputs: depth,
                units: filters,
                lda: depth,
                ldk: filters,
                ldy: filters,
                accumulate: false,
            };
            if rest.len() >= n * filters {
                let out = &mut rest[..n * filters];
                E::matmul_strided(p, windows, kernel, out);
                for (i, o) in out.chunks_exact(filters.max(1)).enumerate() {
                    let (oh, ow) = pixel(start + i);
                    let at = (oh * self.out_width + ow) * filters;
                    y[at..at + filters].copy_from_slice(o);
                }
            } else {
                // No room for the outputs: one window at a time, straight into y.
                let (oh, ow) = pixel(start);
                let at = (oh * self.out_width + ow) * filters;
                E::matmul_strided(
                    StridedProduct { rows: 1, ..p },
                    windows,
                    kernel,
                    &mut y[at..at + filters],
                );
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
        (kernel, bias, filters): (&[E], &[E], usize),
        activation: &A,
        groups: usize,
    ) {
        if groups <= 1 {
            return self.convolve(x, y, batch, scratch, (kernel, bias, filters), activation);
        }
        let (cg, fg) = (self.channels / groups, filters / groups);
        let rows = batch * self.out_height * self.out_width;
        let depth = self.kernel_h * self.kernel_w * cg;
        let columns = &mut scratch[..rows * depth];
        for g in 0..groups {
            self.im2col_channels(x, batch, columns, g * cg, cg);
            let p = StridedProduct {
                rows,
                inputs: depth,
                units: fg,
                lda: depth,
                ldk: filters,
                ldy: filters,
                accumulate: false,
            };
            E::matmul_strided(p, columns, &kernel[g * fg..], &mut y[g * fg..]);
        }
        add_bias_and_activate(y, bias, filters, activation);
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
                    self.copy_window(x, oh, ow, first, count, row);
                }
            }
        }
    }

    /// The window of output pixel `(oh, ow)` over one image `x`, channels
    /// `first..first + count` of each tap, into `dst` (zeros in the padding).
    fn copy_window<E: Element>(
        &self,
        x: &[E],
        oh: usize,
        ow: usize,
        first: usize,
        count: usize,
        dst: &mut [E],
    ) {
        let c = self.channels;
        for (tap, dst) in dst.chunks_exact_mut(count.max(1)).enumerate() {
            match self.source(oh, ow, tap / self.kernel_w, tap % self.kernel_w) {
                Some((ih, iw)) => {
                    dst.copy_from_slice(&x[(ih * self.width + iw) * c + first..][..count])
                }
                None => dst.fill(E::ZERO),
            }
        }
    }
}

/// The backward pass of a convolution.
#[cfg(feature = "std")]
impl Geometry {
    /// Adds each row of `cols` (laid out as [`Geometry::im2col`] of the
    /// channels `first..first + count`) back onto the pixels it was copied
    /// from: the adjoint of im2col.
    fn col2im_channels<E: Element>(
        &self,
        cols: &[E],
        batch: usize,
        dx: &mut [E],
        first: usize,
        count: usize,
    ) {
        let (c, taps) = (self.channels, self.kernel_h * self.kernel_w);
        self.for_each_tap(batch, |out_pixel, tap, in_pixel| {
            let src = &cols[(out_pixel * taps + tap) * count..][..count];
            let dst = &mut dx[in_pixel * c + first..][..count];
            for (d, &s) in dst.iter_mut().zip(src) {
                *d += s;
            }
        });
    }

    /// Gradients of the grouped convolution `z = x ∗ kernel + bias` given
    /// `dz`: of the kernel (`(taps, channels / groups, filters)`) into
    /// `d_kernel`, of the bias into `d_bias` (empty without one) over `filters` filters, and of the input into `dx`
    /// when asked. Each group is one im2col matrix `X`: `dK = Xᵀ·dz`,
    /// `dX = dz·Kᵀ`, folded back onto the image. `work` holds the matrices
    /// between calls.
    #[allow(clippy::too_many_arguments)]
    pub fn convolve_backward<E: DenseElement>(
        &self,
        x: &[E],
        dz: &[E],
        mut dx: Option<&mut [E]>,
        batch: usize,
        kernel: &[E],
        d_kernel: &mut [E],
        (d_bias, filters): (&mut [E], usize),
        groups: usize,
        work: &mut alloc::vec::Vec<E>,
    ) {
        let groups = groups.max(1);
        let (cg, fg) = (self.channels / groups, filters / groups);
        let rows = batch * self.out_height * self.out_width;
        let depth = self.kernel_h * self.kernel_w * cg;
        super::sum_rows(dz, d_bias);
        if let Some(dx) = dx.as_deref_mut() {
            dx.fill(E::ZERO);
        }
        // The im2col matrix, its gradient, and (grouped only) this group's
        // columns of dz, of the kernel and of the kernel's gradient.
        let grouped = if groups > 1 {
            rows * fg + 2 * depth * fg
        } else {
            0
        };
        work.resize(2 * rows * depth + grouped, E::ZERO);
        let (cols, rest) = work.split_at_mut(rows * depth);
        let (dcols, rest) = rest.split_at_mut(rows * depth);
        let (dz_g, rest) = rest.split_at_mut(if groups > 1 { rows * fg } else { 0 });
        let (k_g, dk_g) = rest.split_at_mut(if groups > 1 { depth * fg } else { 0 });
        if groups == 1 {
            self.im2col_channels(x, batch, cols, 0, cg);
            E::matmul_at_b(rows, depth, fg, cols, dz, d_kernel);
            if let Some(dx) = dx {
                E::matmul_a_bt(rows, fg, depth, dz, kernel, dcols);
                self.col2im_channels(dcols, batch, dx, 0, cg);
            }
            return;
        }
        // This group's block of columns of a `(…, filters)` matrix.
        let block = |g: usize, m: &[E], out: &mut [E]| {
            for (dst, src) in out.chunks_exact_mut(fg.max(1)).zip(m.chunks_exact(filters)) {
                dst.copy_from_slice(&src[g * fg..(g + 1) * fg]);
            }
        };
        for g in 0..groups {
            self.im2col_channels(x, batch, cols, g * cg, cg);
            block(g, dz, dz_g);
            block(g, kernel, k_g);
            E::matmul_at_b(rows, depth, fg, cols, dz_g, dk_g);
            if fg > 0 {
                for (dst, src) in d_kernel
                    .chunks_exact_mut(filters)
                    .zip(dk_g.chunks_exact(fg))
                {
                    dst[g * fg..(g + 1) * fg].copy_from_slice(src);
                }
            }
            if let Some(dx) = dx.as_deref_mut() {
                E::matmul_a_bt(rows, fg, depth, dz_g, k_g, dcols);
                self.col2im_channels(dcols, batch, dx, g * cg, cg);
            }
        }
    }
}

/// `y[row] = activation(y[row] + bias)` for every row of `filters` values
/// (`bias` empty: no bias).
fn add_bias_and_activate<E: Element, A: Activation>(
    y: &mut [E],
    bias: &[E],
    filters: usize,
    activation: &A,
) {
    if filters == 0 {
        return;
    }
    for row in y.chunks_exact_mut(filters) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
        activation.apply(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Linear;
    use crate::shape::{Same, Valid};
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    /// The convolution by its definition, in f64.
    fn oracle(g: &Geometry, x: &[f32], kernel: &[f32], filters: usize) -> Vec<f64> {
        let mut y = vec![0.0f64; g.out_height * g.out_width * filters];
        for oh in 0..g.out_height {
            for ow in 0..g.out_width {
                for f in 0..filters {
                    let mut sum = 0.0;
                    for kh in 0..g.kernel_h {
                        for kw in 0..g.kernel_w {
                            if let Some((ih, iw)) = g.source(oh, ow, kh, kw) {
                                for c in 0..g.channels {
                                    let w = kernel
                                        [((kh * g.kernel_w + kw) * g.channels + c) * filters + f];
                                    sum +=
                                        x[(ih * g.width + iw) * g.channels + c] as f64 * w as f64;
                                }
                            }
                        }
                    }
                    y[(oh * g.out_width + ow) * filters + f] = sum;
                }
            }
        }
        y
    }

    /// (geometry, filters): wide with few channels (in place), small and
    /// deep (im2col), odd padding, strides, a kernel wider than the image.
    fn cases() -> [(Geometry, usize); 11] {
        [
            // (geometry, filters): wide with few channels (in place), small and
            // deep (im2col), odd padding, strides, a kernel wider than the image.
            (Geometry::square::<Same>(5, 40, 3, 3, 1), 5),
            (Geometry::square::<Same>(6, 35, 2, 4, 2), 3),
            (Geometry::square::<Valid>(7, 33, 1, 3, 2), 4),
            (Geometry::square::<Same>(6, 6, 8, 3, 1), 7),
            (Geometry::square::<Same>(5, 7, 6, 4, 1), 3),
            (Geometry::square::<Valid>(6, 9, 5, 3, 1), 2),
            (Geometry::square::<Same>(6, 6, 8, 3, 2), 7),
            (Geometry::square::<Same>(3, 34, 2, 5, 1), 2),
            (Geometry::row::<Same>(50, 3, 4, 1), 6),
            (Geometry::dilated::<Same>(9, 40, 2, 3, 1, 2), 3),
            (
                Geometry::rect::<Valid>((9, 12, 2), (3, 2), (1, 2), (2, 3)),
                2,
            ),
        ]
    }

    /// Deterministic input and kernel for a case.
    fn case_data(g: &Geometry, filters: usize) -> (Vec<f32>, Vec<f32>) {
        let x: Vec<f32> = (0..g.height * g.width * g.channels)
            .map(|v| ((v * 37 % 19) as f32) * 0.1 - 0.9)
            .collect();
        let depth = g.kernel_h * g.kernel_w * g.channels;
        let kernel: Vec<f32> = (0..depth * filters)
            .map(|v| ((v * 13 % 11) as f32) * 0.05 - 0.25)
            .collect();
        (x, kernel)
    }

    #[test]
    fn in_place_and_im2col_paths_match_the_definition() {
        let cases = cases();
        // Under Miri (minutes a case), one case of each path: in place,
        // padded rows, im2col, a row, dilated.
        let miri_cases = [1, 4, 6, 8, 9];
        let cases = cases
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !cfg!(miri) || miri_cases.contains(i));
        for (i, (g, filters)) in cases {
            let (x, kernel) = case_data(&g, filters);
            let depth = g.kernel_h * g.kernel_w * g.channels;
            let mut y = vec![f32::NAN; g.out_height * g.out_width * filters];
            let padded =
                (g.out_height + g.kernel_h) * (g.out_width + g.kernel_w) * (g.channels + filters);
            let mut scratch = vec![0.0f32; (g.out_height * g.out_width * depth).max(padded)];
            g.convolve(
                &x,
                &mut y,
                1,
                &mut scratch,
                (&kernel, &vec![0.0; filters], filters),
                &Linear,
            );
            for (j, (got, want)) in y.iter().zip(oracle(&g, &x, &kernel, filters)).enumerate() {
                assert!(
                    (*got as f64 - want).abs() < 1e-4,
                    "case {i}, element {j}: {got} vs {want}"
                );
            }
        }
    }

    /// The border columns of the in-place path in groups of every size the
    /// scratch allows: one window at a time with no room for its output,
    /// one, two, and all at once.
    #[test]
    fn border_windows_in_groups_match_the_definition() {
        // Under Miri, a narrower image: the same border groups, fewer
        // windows between them.
        let width = if cfg!(miri) { 12 } else { 40 };
        let (g, filters) = (Geometry::square::<Same>(5, width, 3, 5, 1), 4);
        let x: Vec<f32> = (0..g.height * g.width * g.channels)
            .map(|v| ((v * 29 % 23) as f32) * 0.1 - 1.1)
            .collect();
        let depth = g.kernel_h * g.kernel_w * g.channels;
        let kernel: Vec<f32> = (0..depth * filters)
            .map(|v| ((v * 7 % 13) as f32) * 0.04 - 0.2)
            .collect();
        let want = oracle(&g, &x, &kernel, filters);
        for room in [
            depth,
            depth + filters,
            2 * (depth + filters) + 1,
            1000 * depth,
        ] {
            let mut y = vec![f32::NAN; g.out_height * g.out_width * filters];
            let mut scratch = vec![0.0f32; room];
            g.convolve_in_place(&x, &mut y, 1, &mut scratch, &kernel, filters);
            for (j, (got, want)) in y.iter().zip(&want).enumerate() {
                assert!(
                    (*got as f64 - want).abs() < 1e-4,
                    "room {room}, element {j}: {got} vs {want}"
                );
            }
        }
    }

    /// The direct convolution of bare-metal targets, with a bias and ReLU,
    /// two samples at once, against the definition.
    #[test]
    fn direct_convolution_matches_the_definition() {
        use crate::activation::Relu;
        for (i, (g, filters)) in cases().into_iter().enumerate() {
            let (x, kernel) = case_data(&g, filters);
            let bias: Vec<f32> = (0..filters).map(|f| f as f32 * 0.1 - 0.2).collect();
            let second: Vec<f32> = x.iter().map(|v| -v).collect();
            let out = g.out_height * g.out_width * filters;
            let mut y = vec![f32::NAN; 2 * out];
            g.convolve_direct(
                &[x.clone(), second.clone()].concat(),
                &mut y,
                2,
                (&kernel, &bias, filters),
                &Relu,
            );
            for (b, sample) in [x, second].iter().enumerate() {
                let want = oracle(&g, sample, &kernel, filters);
                for (j, want) in want.iter().enumerate() {
                    let want = (want + bias[j % filters] as f64).max(0.0);
                    let got = y[b * out + j] as f64;
                    assert!(
                        (got - want).abs() < 1e-4,
                        "case {i}, sample {b}, element {j}: {got} vs {want}"
                    );
                }
            }
        }
    }
}
