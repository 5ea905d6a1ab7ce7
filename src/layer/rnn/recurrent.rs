//! What SimpleRNN, LSTM and GRU share: the time loop over sequences
//! `(steps, features)`. The input projection of every step is one product
//! (`x·W + b` over `batch · steps` rows); each step then runs its cell
//! ([`CellMath`]) on the batch, whose recurrent product is one small
//! product `h·U`. Training keeps every step's states and gate values and
//! runs backpropagation through time.
//!
//! Weights as Keras stores them: `kernel (features, gates·units)`,
//! `recurrent_kernel (units, gates·units)`, `bias (gates·units)` — or
//! `(2, gates·units)` for a GRU with `reset_after`, row 0 the input bias,
//! row 1 the recurrent bias.

use crate::layer::{DenseElement, Product};
use crate::shape::{unmask, with_mask, Features, StaticDim};
use crate::Element;

/// What a recurrent layer returns: its last output (Keras's default) or
/// its output at every step (`return_sequences=True`).
pub trait Returns: Copy + Default + core::fmt::Debug + Send + Sync + 'static {
    /// Whether every step's output is returned.
    const SEQUENCES: bool;
    /// The output sample shape over `T` steps of `U` units.
    type Shape<T: StaticDim, U: StaticDim>: Features;
    /// The output sample shape over a masked sequence of `T` steps: the
    /// sequence keeps its mask, the last output needs none.
    type MaskedShape<T: StaticDim, U: StaticDim>: Features;
    /// The output sample shape over sequences of run-time length.
    type DynShape<U: StaticDim>: Features;
    /// The output sample shape over masked sequences of run-time length.
    type DynMaskedShape<U: StaticDim>: Features;
}

/// The last step's output, `(None, units)` (Keras's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LastOutput;

/// Every step's output, `(None, steps, units)` (Keras's
/// `return_sequences=True`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sequences;

impl Returns for LastOutput {
    const SEQUENCES: bool = false;
    type Shape<T: StaticDim, U: StaticDim> = (U,);
    type MaskedShape<T: StaticDim, U: StaticDim> = (U,);
    type DynShape<U: StaticDim> = (U,);
    type DynMaskedShape<U: StaticDim> = (U,);
}

impl Returns for Sequences {
    const SEQUENCES: bool = true;
    type Shape<T: StaticDim, U: StaticDim> = (T, U);
    type MaskedShape<T: StaticDim, U: StaticDim> = (T, crate::shape::Masked<U>);
    type DynShape<U: StaticDim> = (crate::shape::Dyn, U);
    type DynMaskedShape<U: StaticDim> = (crate::shape::Dyn, crate::shape::Masked<U>);
}

/// The sizes of one pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dims {
    pub batch: usize,
    pub steps: usize,
    pub features: usize,
    pub units: usize,
}

impl Dims {
    /// The sizes of a pass over `batch` sequences of shape `S`, `steps`
    /// long when their length is known only at run time.
    pub(crate) fn of<S: super::SequenceInput>(batch: usize, steps: usize, units: usize) -> Dims {
        Dims {
            batch,
            steps: <S::Steps as crate::shape::StepsDim>::steps(steps),
            features: <S::Features as StaticDim>::SIZE,
            units,
        }
    }
}

/// One step of a cell over a batch, forward: from the input projection
/// `zx` of this step and the states before it, the states after it.
pub(crate) struct Forward<'a, E> {
    pub d: Dims,
    /// `recurrent_kernel`, `(units, gates·units)`.
    pub rec: &'a [E],
    /// The recurrent bias (GRU with `reset_after`), else empty.
    pub rec_bias: &'a [E],
    /// `x·W + b` of this step, `(batch, gates·units)`.
    pub zx: &'a [E],
    /// The states before the step: `STATES` blocks of `(batch, units)`, `h` first.
    pub prev: &'a [E],
    /// The states after it, as `prev`.
    pub next: &'a mut [E],
    /// What the backward step needs, `(batch, CACHE·units)`, in training.
    pub cache: Option<&'a mut [E]>,
    /// `(batch, WORK·units)` of working space.
    pub work: &'a mut [E],
    /// The recurrent dropout masks in training: one `(batch, units)` block
    /// per gate, applied to `h` where each gate's recurrent product reads it.
    pub masks: Masks<'a, E>,
}

/// A cell step's recurrent dropout: per gate, a mask over `h`
/// (`GATES` blocks of `(batch, units)`), and room for `h` masked.
pub(crate) struct Masks<'a, E> {
    pub masks: Option<&'a [E]>,
    pub tmp: &'a mut [E],
}

impl<'a, E: Element> Masks<'a, E> {
    /// None: inference, or training without recurrent dropout.
    pub(crate) fn none() -> Masks<'static, E> {
        Masks {
            masks: None,
            tmp: &mut [],
        }
    }

    /// Gate `q`'s mask.
    pub(crate) fn mask(&self, q: usize, d: Dims) -> Option<&'a [E]> {
        let n = d.batch * d.units;
        self.masks.map(|m| &m[q * n..(q + 1) * n])
    }
}

/// One step of a cell over a batch, backward.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) struct Backward<'a, E> {
    pub d: Dims,
    pub rec: &'a [E],
    pub prev: &'a [E],
    pub next: &'a [E],
    pub cache: &'a [E],
    /// The gradient with respect to the states after the step (may be overwritten).
    pub d_next: &'a mut [E],
    /// Out: the gradient with respect to the states before it.
    pub d_prev: &'a mut [E],
    /// Out: the gradient with respect to this step's `zx`.
    pub dzx: &'a mut [E],
    /// Added to: the gradient of `recurrent_kernel`.
    pub d_rec: &'a mut [E],
    /// Added to: the gradient of the recurrent bias (empty without one).
    pub d_rec_bias: &'a mut [E],
    pub work: &'a mut [E],
    /// The recurrent dropout masks of the forward step.
    pub masks: Masks<'a, E>,
}

/// The math of one recurrent cell (SimpleRNN, LSTM, GRU). (Its backward
/// step runs in training, with `std`.)
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) trait CellMath {
    /// Gates per unit: the kernels' width is `GATES · units`.
    const GATES: usize;
    /// State vectors carried from step to step: `h`, and `c` for LSTM.
    const STATES: usize;
    /// Values per unit and sample a training step keeps.
    const CACHE: usize;
    /// Working values per unit and sample a step needs.
    const WORK: usize;
    /// Whether the bias has a second row, added to the recurrent product.
    const RECURRENT_BIAS: bool = false;
    /// The spec's options.
    fn options(&self) -> &super::Options;
    /// Whether the sequence is read from its end (`go_backwards`).
    fn backwards(&self) -> bool {
        self.options().go_backwards
    }
    /// The fraction of input features dropped in training (Keras's
    /// `dropout`): one mask per sample, the same at every step.
    fn dropout(&self) -> f32 {
        self.options().dropout
    }
    /// The fraction of the recurrent state dropped where the recurrent
    /// products read it, in training (Keras's `recurrent_dropout`). With it,
    /// as in Keras (its `implementation=1`), each gate has masks of its own,
    /// for the input as for the state.
    fn recurrent_dropout(&self) -> f32 {
        self.options().recurrent_dropout
    }
    /// Adjusts weight `index` after its initializer drew it (an LSTM's
    /// forget-gate bias starts at 1).
    fn adjust_initial<E: Element>(&self, _index: usize, _values: &mut [E]) {}
    fn forward_step<E: DenseElement>(&self, s: Forward<'_, E>);
    fn backward_step<E: DenseElement>(&self, s: Backward<'_, E>);
}

/// `out (+)= h · rec[:, col..col + n]`, `h` rows of `lda`, into rows of `ldc`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn times_rec<E: DenseElement>(
    d: Dims,
    h: &[E],
    lda: usize,
    rec: &[E],
    (col, n, width): (usize, usize, usize),
    out: &mut [E],
    ldc: usize,
    accumulate: bool,
) {
    let p = Product {
        m: d.batch,
        k: d.units,
        n,
        a: h,
        rsa: lda,
        csa: 1,
        b: &rec[col..],
        rsb: width,
        csb: 1,
        ldc,
        accumulate,
    };
    E::product(p, out);
}

/// `d_rec[:, col..col + n] += hᵀ · dz[:, ..n]`: `h` rows of `lda`, `dz`
/// rows of `ldz`.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn add_rec_grad<E: DenseElement>(
    d: Dims,
    (h, lda): (&[E], usize),
    (dz, ldz): (&[E], usize),
    (col, n, width): (usize, usize, usize),
    d_rec: &mut [E],
) {
    let p = Product {
        m: d.units,
        k: d.batch,
        n,
        a: h,
        rsa: 1,
        csa: lda,
        b: dz,
        rsb: ldz,
        csb: 1,
        ldc: width,
        accumulate: true,
    };
    E::product(p, &mut d_rec[col..]);
}

/// `dh (+)= dz[:, ..n] · rec[:, col..col + n]ᵀ`, `dz` rows of `ldz`, into
/// `(batch, units)`.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn times_rec_t<E: DenseElement>(
    d: Dims,
    (dz, ldz): (&[E], usize),
    rec: &[E],
    (col, n, width): (usize, usize, usize),
    dh: &mut [E],
    accumulate: bool,
) {
    let p = Product {
        m: d.batch,
        k: n,
        n: d.units,
        a: dz,
        rsa: ldz,
        csa: 1,
        b: &rec[col..],
        rsb: 1,
        csb: width,
        ldc: d.units,
        accumulate,
    };
    E::product(p, dh);
}

/// `m ∘ h` into `tmp` (`(batch, units)`), `h` rows of `lda`.
fn masked<'t, E: Element>(d: Dims, (h, lda): (&[E], usize), m: &[E], tmp: &'t mut [E]) -> &'t [E] {
    for (b, row) in tmp.chunks_exact_mut(d.units).take(d.batch).enumerate() {
        let h = &h[b * lda..b * lda + d.units];
        let m = &m[b * d.units..(b + 1) * d.units];
        for ((t, &h), &m) in row.iter_mut().zip(h).zip(m) {
            *t = h * m;
        }
    }
    &tmp[..d.batch * d.units]
}

/// [`times_rec`] where each gate of the columns reads `h` through its
/// recurrent dropout mask, when there are masks.
#[allow(clippy::too_many_arguments)]
pub(crate) fn times_rec_masked<E: DenseElement>(
    d: Dims,
    (h, lda): (&[E], usize),
    rec: &[E],
    (col, n, width): (usize, usize, usize),
    out: &mut [E],
    ldc: usize,
    masks: &mut Masks<'_, E>,
) {
    if masks.masks.is_none() {
        return times_rec(d, h, lda, rec, (col, n, width), out, ldc, false);
    }
    for q in col / d.units..(col + n) / d.units {
        let m = masks.mask(q, d).expect("masks checked above");
        let hm = masked(d, (h, lda), m, masks.tmp);
        let at = q * d.units - col;
        times_rec(
            d,
            hm,
            d.units,
            rec,
            (q * d.units, d.units, width),
            &mut out[at..],
            ldc,
            false,
        );
    }
}

/// [`add_rec_grad`] through each gate's recurrent dropout mask.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn add_rec_grad_masked<E: DenseElement>(
    d: Dims,
    (h, lda): (&[E], usize),
    (dz, ldz): (&[E], usize),
    (col, n, width): (usize, usize, usize),
    d_rec: &mut [E],
    masks: &mut Masks<'_, E>,
) {
    if masks.masks.is_none() {
        return add_rec_grad(d, (h, lda), (dz, ldz), (col, n, width), d_rec);
    }
    for q in col / d.units..(col + n) / d.units {
        let m = masks.mask(q, d).expect("masks checked above");
        let hm = masked(d, (h, lda), m, masks.tmp);
        let at = q * d.units - col;
        add_rec_grad(
            d,
            (hm, d.units),
            (&dz[at..], ldz),
            (q * d.units, d.units, width),
            d_rec,
        );
    }
}

/// [`times_rec_t`] into the gradient of `h` through each gate's recurrent
/// dropout mask (always added to `dh` when there are masks).
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn times_rec_t_masked<E: DenseElement>(
    d: Dims,
    (dz, ldz): (&[E], usize),
    rec: &[E],
    (col, n, width): (usize, usize, usize),
    dh: &mut [E],
    accumulate: bool,
    masks: &mut Masks<'_, E>,
) {
    if masks.masks.is_none() {
        return times_rec_t(d, (dz, ldz), rec, (col, n, width), dh, accumulate);
    }
    if !accumulate {
        dh[..d.batch * d.units].fill(E::ZERO);
    }
    for q in col / d.units..(col + n) / d.units {
        let at = q * d.units - col;
        let m = masks.mask(q, d).expect("masks checked above");
        let tmp = &mut masks.tmp[..d.batch * d.units];
        times_rec_t(
            d,
            (&dz[at..], ldz),
            rec,
            (q * d.units, d.units, width),
            tmp,
            false,
        );
        for ((g, &t), &m) in dh.iter_mut().zip(&*tmp).zip(m) {
            *g += t * m;
        }
    }
}

/// Working elements per sample of the inference pass over `steps` steps:
/// every step's projection, one step's, the states before and after, the
/// cell's work.
pub(crate) const fn scratch_per_sample<C: CellMath>(steps: usize, units: usize) -> usize {
    let width = C::GATES * units;
    steps * width + width + 2 * C::STATES * units + C::WORK * units
}

/// `zx = x·W (+ b)` over every step's row, `b` empty without `use_bias`.
fn project_plain<E: DenseElement>(x: &[E], kernel: &[E], bias: &[E], zx: &mut [E], d: Dims) {
    let rows = d.batch * d.steps;
    let width = zx.len() / rows.max(1);
    crate::layer::products::dense_rows(x, kernel, bias, zx, rows, d.features, width);
}

/// The weights, split: `(kernel, recurrent_kernel, input bias, recurrent bias)`.
fn split<'a, C: CellMath, E>(
    (kernel, rec, bias): (&'a [E], &'a [E], &'a [E]),
    units: usize,
) -> (&'a [E], &'a [E], &'a [E], &'a [E]) {
    let width = C::GATES * units;
    let (input_bias, rec_bias) = match C::RECURRENT_BIAS {
        // (No bias at all without `use_bias`.)
        true => bias.split_at(width.min(bias.len())),
        false => (bias, &bias[bias.len()..]),
    };
    (kernel, rec, input_bias, rec_bias)
}

/// The step read at position `k` of the loop.
fn step_at<C: CellMath>(cell: &C, k: usize, steps: usize) -> usize {
    if cell.backwards() {
        steps - 1 - k
    } else {
        k
    }
}

/// Copies step `t`'s rows of the projection `zx_all` (`(batch, steps, width)`)
/// into `zx_t` (`(batch, width)`).
fn gather<E: Element>(zx_all: &[E], zx_t: &mut [E], t: usize, d: Dims, width: usize) {
    for (b, row) in zx_t.chunks_exact_mut(width).enumerate() {
        let at = (b * d.steps + t) * width;
        row.copy_from_slice(&zx_all[at..at + width]);
    }
}

/// Writes `h` (`(batch, units)`) as output step `k` of `y`.
fn emit<E: Element>(h: &[E], y: &mut [E], k: usize, d: Dims, sequences: bool) {
    if !sequences {
        return y.copy_from_slice(&h[..d.batch * d.units]);
    }
    for (b, row) in h.chunks_exact(d.units).take(d.batch).enumerate() {
        let at = (b * d.steps + k) * d.units;
        y[at..at + d.units].copy_from_slice(row);
    }
}

/// What a pass carries besides its input and output: the states it starts
/// from and where it leaves its last ones (Keras's `initial_state`, zeros
/// when none is given, and `return_state`), and the mask of a masked
/// sequence.
pub(crate) struct Carry<'a, E> {
    /// The initial states, `STATES` slices of `(batch, units)`, `h` first;
    /// empty for zeros.
    pub initial: &'a [&'a [E]],
    /// Out: the last states, `STATES` blocks of `(batch, units)`.
    pub last: Option<&'a mut [E]>,
    /// The step mask, `(batch, steps)`: a step of 0 leaves the states as
    /// they were (and its output is the state before it).
    pub mask: Option<&'a [E]>,
}

impl<E> Carry<'_, E> {
    /// Zero initial states, the last ones not kept.
    pub(crate) fn none() -> Self {
        Carry {
            initial: &[],
            last: None,
            mask: None,
        }
    }
}

/// Writes the initial states into the first state block.
fn start<E: Element>(initial: &[&[E]], first: &mut [E], d: Dims) {
    if initial.is_empty() {
        return first.fill(E::ZERO);
    }
    let n = d.batch * d.units;
    for (block, given) in first.chunks_exact_mut(n.max(1)).zip(initial) {
        block.copy_from_slice(&given[..n]);
    }
}

/// Block `prev` (read) and block `next` (written) of `states`, blocks of `n`.
fn two_blocks<E>(states: &mut [E], n: usize, prev: usize, next: usize) -> (&[E], &mut [E]) {
    if prev < next {
        let (before, after) = states.split_at_mut(next * n);
        (&before[prev * n..(prev + 1) * n], &mut after[..n])
    } else {
        let (before, after) = states.split_at_mut(prev * n);
        (&after[..n], &mut before[next * n..(next + 1) * n])
    }
}

/// What the step loop works in: the projection of every step, one step's
/// rows of it, the state blocks (every step's when `keep_all`, in
/// training; else two that alternate), the cells' caches in training, the
/// cell's work and the recurrent dropout masks.
struct StepLoop<'s, E> {
    zx_all: &'s [E],
    zx_t: &'s mut [E],
    states: &'s mut [E],
    keep_all: bool,
    caches: Option<&'s mut [E]>,
    work: &'s mut [E],
    masks: Masks<'s, E>,
    /// The step mask, `(batch, steps)`.
    step_mask: Option<&'s [E]>,
}

/// Runs the cell over every step from the state in block 0, writing the
/// outputs to `y`; gives the index of the block holding the last states.
fn run_steps<C: CellMath, E: DenseElement>(
    cell: &C,
    d: Dims,
    (rec, rec_bias): (&[E], &[E]),
    s: StepLoop<'_, E>,
    y: &mut [E],
    sequences: bool,
) -> usize {
    let width = C::GATES * d.units;
    let state = C::STATES * d.batch * d.units;
    let per_step = d.batch * C::CACHE * d.units;
    let block = |k: usize| if s.keep_all { k } else { k % 2 };
    let StepLoop {
        zx_all,
        zx_t,
        states,
        mut caches,
        work,
        masks,
        step_mask,
        ..
    } = s;
    for k in 0..d.steps {
        gather(zx_all, zx_t, step_at(cell, k, d.steps), d, width);
        let (prev, next) = two_blocks(states, state, block(k), block(k + 1));
        cell.forward_step(Forward {
            d,
            rec,
            rec_bias,
            zx: zx_t,
            prev,
            next: &mut *next,
            cache: caches
                .as_deref_mut()
                .map(|c| &mut c[k * per_step..(k + 1) * per_step]),
            work: &mut *work,
            masks: Masks {
                masks: masks.masks,
                tmp: &mut *masks.tmp,
            },
        });
        if let Some(mask) = step_mask {
            hold_masked(mask, step_at(cell, k, d.steps), d, C::STATES, prev, next);
        }
        if sequences || k + 1 == d.steps {
            emit(next, y, k, d, sequences);
        }
    }
    if d.steps == 0 {
        y.fill(E::ZERO);
    }
    block(d.steps)
}

/// The rows (in `states` blocks of `(batch, units)`) of the samples for
/// which step `t` is masked.
fn masked_rows<E: Element>(
    mask: &[E],
    t: usize,
    d: Dims,
    states: usize,
) -> impl Iterator<Item = core::ops::Range<usize>> + '_ {
    (0..d.batch)
        .filter(move |&b| mask[b * d.steps + t] == E::ZERO)
        .flat_map(move |b| (0..states).map(move |s| (s * d.batch + b) * d.units))
        .map(move |at| at..at + d.units)
}

/// Where step `t` is masked for a sample, copies `from`'s rows of that
/// sample into `to`.
fn hold_masked<E: Element>(mask: &[E], t: usize, d: Dims, states: usize, from: &[E], to: &mut [E]) {
    for rows in masked_rows(mask, t, d, states) {
        to[rows.clone()].copy_from_slice(&from[rows]);
    }
}

/// Copies the last states out, when asked.
fn finish<E: Element>(states: &[E], last_block: usize, state: usize, last: Option<&mut [E]>) {
    if let Some(last) = last {
        last.copy_from_slice(&states[last_block * state..(last_block + 1) * state]);
    }
}

/// The inference pass: `y` from `x` (`(batch, steps, features)`), all
/// working values in `scratch` ([`scratch_per_sample`] per sample), from
/// and to the states in `carry`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward<C: CellMath, E: DenseElement>(
    cell: &C,
    weights: (&[E], &[E], &[E]),
    x: &[E],
    y: &mut [E],
    d: Dims,
    sequences: bool,
    scratch: &mut [E],
    carry: Carry<'_, E>,
) {
    let width = C::GATES * d.units;
    let state = C::STATES * d.batch * d.units;
    let (kernel, rec, input_bias, rec_bias) = split::<C, E>(weights, d.units);
    let (zx_all, rest) = scratch.split_at_mut(d.batch * d.steps * width);
    let (zx_t, rest) = rest.split_at_mut(d.batch * width);
    let (states, work) = rest.split_at_mut(2 * state);
    project_plain(x, kernel, input_bias, zx_all, d);
    start(carry.initial, &mut states[..state], d);
    let s = StepLoop {
        zx_all,
        zx_t,
        states: &mut *states,
        keep_all: false,
        caches: None,
        work,
        masks: Masks::none(),
        step_mask: carry.mask,
    };
    let last = run_steps(cell, d, (rec, rec_bias), s, y, sequences);
    finish(states, last, state, carry.last);
}

/// Working elements per sample of the inference pass over a masked
/// sequence: its features and mask apart, every step's output, and
/// [`scratch_per_sample`].
pub(crate) const fn masked_scratch_per_sample<C: CellMath>(
    steps: usize,
    features: usize,
    units: usize,
) -> usize {
    steps * (features + 1 + units) + scratch_per_sample::<C>(steps, units)
}

/// [`forward`] over masked sequences `x` (`(batch, steps, features + 1)`):
/// masked steps leave the states unchanged; a returned sequence keeps the
/// mask.
pub(crate) fn forward_masked<C: CellMath, E: DenseElement>(
    cell: &C,
    weights: (&[E], &[E], &[E]),
    x: &[E],
    y: &mut [E],
    d: Dims,
    sequences: bool,
    scratch: &mut [E],
) {
    let rows = d.batch * d.steps;
    let (values, rest) = scratch.split_at_mut(rows * d.features);
    let (mask, rest) = rest.split_at_mut(rows);
    let (out, rest) = rest.split_at_mut(rows * d.units);
    unmask(x, d.features, values, mask);
    let carry = Carry {
        initial: &[],
        last: None,
        mask: Some(mask),
    };
    if sequences {
        forward(cell, weights, values, out, d, true, rest, carry);
        with_mask(out, mask, d.units, y);
    } else {
        forward(cell, weights, values, y, d, false, rest, carry);
    }
}

/// [`forward_train`] over masked sequences, as [`forward_masked`].
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward_train_masked<C: CellMath, E: DenseElement>(
    cell: &C,
    weights: (&[E], &[E], &[E]),
    x: &[E],
    y: &mut [E],
    d: Dims,
    sequences: bool,
    tape: &mut crate::layer::Tape<E>,
    rng: &mut crate::random::Rng,
) {
    let rows = d.batch * d.steps;
    let (values, mask) = crate::shape::unmasked(x, d.features, rows);
    let carry = Carry {
        initial: &[],
        last: None,
        mask: Some(&mask),
    };
    if sequences {
        let mut out = alloc::vec![E::ZERO; rows * d.units];
        forward_train(cell, weights, &values, &mut out, d, true, tape, rng, carry);
        with_mask(&out, &mask, d.units, y);
    } else {
        forward_train(cell, weights, &values, y, d, false, tape, rng, carry);
    }
}

/// [`backward`] after [`forward_train_masked`]: the mask gets no gradient.
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_masked<C: CellMath, E: DenseElement>(
    cell: &C,
    weights: (&[E], &[E], &[E]),
    x: &[E],
    dy: &[E],
    dx: Option<&mut [E]>,
    d: Dims,
    sequences: bool,
    tape: &mut crate::layer::Tape<E>,
    grads: &mut [E],
) {
    let rows = d.batch * d.steps;
    let (values, mask) = crate::shape::unmasked(x, d.features, rows);
    let dy_values = sequences.then(|| crate::shape::unmasked(dy, d.units, rows).0);
    let dy = dy_values.as_deref().unwrap_or(dy);
    let mut dx_values = alloc::vec![E::ZERO; if dx.is_some() { rows * d.features } else { 0 }];
    let carry = CarryGrad {
        last: None,
        initial: None,
        mask: Some(&mask),
    };
    let want_dx = dx.is_some().then_some(&mut dx_values[..]);
    backward(
        cell, weights, &values, dy, want_dx, d, sequences, tape, grads, carry,
    );
    if let Some(dx) = dx {
        with_mask(&dx_values, &alloc::vec![E::ZERO; rows], d.features, dx);
    }
}

/// How a training pass drops values: input masks (none, one, or one per
/// gate with recurrent dropout) and recurrent masks (one per gate).
#[cfg(feature = "std")]
#[derive(Clone, Copy)]
struct Dropped {
    input_masks: usize,
    recurrent_masks: usize,
}

#[cfg(feature = "std")]
impl Dropped {
    fn of<C: CellMath>(cell: &C) -> Self {
        let recurrent = cell.recurrent_dropout() > 0.0;
        let input_masks = match (cell.dropout() > 0.0, recurrent) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => C::GATES,
        };
        Dropped {
            input_masks,
            recurrent_masks: if recurrent { C::GATES } else { 0 },
        }
    }

    /// Elements kept after the states and the cell caches: the input masks,
    /// the input through each, the recurrent masks.
    fn len(&self, d: Dims, x_len: usize) -> usize {
        self.input_masks * (d.batch * d.features + x_len) + self.recurrent_masks * d.batch * d.units
    }

    /// Splits what [`Dropped::len`] counts: (input masks, masked inputs,
    /// recurrent masks).
    fn split<'a, E>(&self, kept: &'a [E], d: Dims, x_len: usize) -> (&'a [E], &'a [E], &'a [E]) {
        let (masks, rest) = kept.split_at(self.input_masks * d.batch * d.features);
        let (inputs, recurrent) = rest.split_at(self.input_masks * x_len);
        (masks, inputs, recurrent)
    }
}

/// The training pass: as [`forward`], keeping every step's states and the
/// cell's values in `cache` for [`backward`]; with `dropout`, the input's
/// features dropped by masks drawn once per sample (from `rng`, kept
/// values scaled by `1 / (1 − rate)`); with `recurrent_dropout`, the state
/// dropped the same way where each gate's recurrent product reads it.
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward_train<C: CellMath, E: DenseElement>(
    cell: &C,
    weights: (&[E], &[E], &[E]),
    x: &[E],
    y: &mut [E],
    d: Dims,
    sequences: bool,
    tape: &mut crate::layer::Tape<E>,
    rng: &mut crate::random::Rng,
    carry: Carry<'_, E>,
) {
    let width = C::GATES * d.units;
    let state = C::STATES * d.batch * d.units;
    let per_step = d.batch * C::CACHE * d.units;
    let (kernel, rec, input_bias, rec_bias) = split::<C, E>(weights, d.units);
    let dropped = Dropped::of(cell);
    let kept = (d.steps + 1) * state + d.steps * per_step;
    tape.cache.clear();
    tape.cache.resize(kept + dropped.len(d, x.len()), E::ZERO);
    tape.scratch.resize(
        d.batch * (d.steps * width + width + (C::WORK + 1) * d.units),
        E::ZERO,
    );
    let (states, rest) = tape.cache.split_at_mut((d.steps + 1) * state);
    let (caches, drops) = rest.split_at_mut(d.steps * per_step);
    let (input_masks, rest) = drops.split_at_mut(dropped.input_masks * d.batch * d.features);
    let (inputs, rec_masks) = rest.split_at_mut(dropped.input_masks * x.len());
    draw_mask(input_masks, cell.dropout(), rng);
    draw_mask(rec_masks, cell.recurrent_dropout(), rng);
    for (mask, masked) in input_masks
        .chunks_exact(d.batch * d.features)
        .zip(inputs.chunks_exact_mut(x.len().max(1)))
    {
        apply_mask(x, mask, masked, d);
    }
    let (zx_all, rest) = tape.scratch.split_at_mut(d.batch * d.steps * width);
    let (zx_t, rest) = rest.split_at_mut(d.batch * width);
    let (tmp, work) = rest.split_at_mut(d.batch * d.units);
    project(
        kernel,
        input_bias,
        x,
        inputs,
        dropped.input_masks,
        zx_all,
        d,
        width,
    );
    let rec_masks = (dropped.recurrent_masks > 0).then_some(&*rec_masks);
    start(carry.initial, &mut states[..state], d);
    let s = StepLoop {
        zx_all,
        zx_t,
        states: &mut *states,
        keep_all: true,
        caches: Some(caches),
        work,
        masks: Masks {
            masks: rec_masks,
            tmp,
        },
        step_mask: carry.mask,
    };
    let last = run_steps(cell, d, (rec, rec_bias), s, y, sequences);
    finish(states, last, state, carry.last);
}

/// `zx_all = x·W + b` over every step: of `x` itself, of its one masked
/// copy, or of each gate's masked copy into that gate's columns.
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
fn project<E: DenseElement>(
    kernel: &[E],
    bias: &[E],
    x: &[E],
    masked: &[E],
    copies: usize,
    zx_all: &mut [E],
    d: Dims,
    width: usize,
) {
    let rows = d.batch * d.steps;
    match copies {
        0 => project_plain(x, kernel, bias, zx_all, d),
        1 => project_plain(masked, kernel, bias, zx_all, d),
        _ => {
            for (q, x_q) in masked.chunks_exact(x.len().max(1)).enumerate() {
                let p = Product {
                    m: rows,
                    k: d.features,
                    n: d.units,
                    a: x_q,
                    rsa: d.features,
                    csa: 1,
                    b: &kernel[q * d.units..],
                    rsb: width,
                    csb: 1,
                    ldc: width,
                    accumulate: false,
                };
                E::product(p, &mut zx_all[q * d.units..]);
            }
            for row in zx_all.chunks_exact_mut(width) {
                crate::element::add_into(row, bias);
            }
        }
    }
}

/// Dropout masks: each value 0 with probability `rate`, else `1 / (1 − rate)`.
#[cfg(feature = "std")]
fn draw_mask<E: Element>(mask: &mut [E], rate: f32, rng: &mut crate::random::Rng) {
    use rand::Rng as _;
    if mask.is_empty() {
        return;
    }
    let rate = f64::from(rate);
    let keep = E::from_f64(1.0 / (1.0 - rate));
    for m in mask {
        *m = if rng.random::<f64>() < rate {
            E::ZERO
        } else {
            keep
        };
    }
}

/// `out = x ∘ mask`, each sample's mask (`features` values) at every step.
#[cfg(feature = "std")]
fn apply_mask<E: Element>(x: &[E], mask: &[E], out: &mut [E], d: Dims) {
    let per_sample = d.steps * d.features;
    for ((x, out), mask) in x
        .chunks_exact(per_sample.max(1))
        .zip(out.chunks_exact_mut(per_sample.max(1)))
        .zip(mask.chunks_exact(d.features.max(1)))
    {
        for (x, out) in x
            .chunks_exact(d.features.max(1))
            .zip(out.chunks_exact_mut(d.features.max(1)))
        {
            for ((o, &v), &m) in out.iter_mut().zip(x).zip(mask) {
                *o = v * m;
            }
        }
    }
}

/// The gradients of a pass's [`Carry`]: of the last states (when they are
/// an output) and, out, of the initial states (when they were an input).
#[cfg(feature = "std")]
pub(crate) struct CarryGrad<'a, E> {
    /// The gradient of the last states, `STATES` blocks of `(batch, units)`.
    pub last: Option<&'a [E]>,
    /// Out: the gradient of the initial states, as `last` (overwritten).
    pub initial: Option<&'a mut [E]>,
    /// The step mask of the forward pass.
    pub mask: Option<&'a [E]>,
}

#[cfg(feature = "std")]
impl<E> CarryGrad<'_, E> {
    /// Neither: zero initial states, the last ones not an output.
    pub(crate) fn none() -> Self {
        CarryGrad {
            last: None,
            initial: None,
            mask: None,
        }
    }
}

/// Backpropagation through time after [`forward_train`]: `dy` the gradient
/// of the output; the gradients of `kernel`, `recurrent_kernel` and `bias`
/// into `grads` (in that order, overwritten), of `x` into `dx` when asked,
/// and those of the states in `carry`.
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<C: CellMath, E: DenseElement>(
    cell: &C,
    weights: (&[E], &[E], &[E]),
    x: &[E],
    dy: &[E],
    dx: Option<&mut [E]>,
    d: Dims,
    sequences: bool,
    tape: &mut crate::layer::Tape<E>,
    grads: &mut [E],
    carry: CarryGrad<'_, E>,
) {
    let width = C::GATES * d.units;
    let state = C::STATES * d.batch * d.units;
    let per_step = d.batch * C::CACHE * d.units;
    let (kernel, rec, _, _) = split::<C, E>(weights, d.units);
    let (d_kernel, rest) = grads.split_at_mut(d.features * width);
    let (d_rec, d_bias) = rest.split_at_mut(d.units * width);
    let (d_input_bias, d_rec_bias) = d_bias.split_at_mut(width.min(d_bias.len()));
    d_rec.fill(E::ZERO);
    d_rec_bias.fill(E::ZERO);
    tape.scratch.clear();
    tape.scratch.resize(
        d.batch * d.steps * width + d.batch * width + 2 * state + d.batch * (C::WORK + 1) * d.units,
        E::ZERO,
    );
    let (dzx_all, rest) = tape.scratch.split_at_mut(d.batch * d.steps * width);
    let (dzx_t, rest) = rest.split_at_mut(d.batch * width);
    let (d_states, rest) = rest.split_at_mut(2 * state);
    let (tmp, work) = rest.split_at_mut(d.batch * d.units);
    let (states, rest) = tape.cache.split_at((d.steps + 1) * state);
    let (caches, drops) = rest.split_at(d.steps * per_step);
    let dropped = Dropped::of(cell);
    let (input_masks, inputs, rec_masks) = dropped.split(drops, d, x.len());
    let rec_masks = (dropped.recurrent_masks > 0).then_some(rec_masks);
    if let Some(last) = carry.last {
        d_states[..state].copy_from_slice(last);
    }
    let mut held = alloc::vec![E::ZERO; if carry.mask.is_some() { state } else { 0 }];
    for k in (0..d.steps).rev() {
        let (a, b) = d_states.split_at_mut(state);
        // The gradient after step k is in `a` for the last step, then alternates.
        let (d_next, d_prev) = if (d.steps - 1 - k).is_multiple_of(2) {
            (a, b)
        } else {
            (b, a)
        };
        // The output's gradient joins the state's: at every step, or the last.
        if sequences || k + 1 == d.steps {
            let h = &mut d_next[..d.batch * d.units];
            for (b, row) in h.chunks_exact_mut(d.units).enumerate() {
                let at = if sequences {
                    (b * d.steps + k) * d.units
                } else {
                    b * d.units
                };
                for (g, &v) in row.iter_mut().zip(&dy[at..at + d.units]) {
                    *g += v;
                }
            }
        }
        // A masked step passes the states' gradient through unchanged.
        let t = step_at(cell, k, d.steps);
        if let Some(mask) = carry.mask {
            held.fill(E::ZERO);
            hold_masked(mask, t, d, C::STATES, d_next, &mut held);
            for rows in masked_rows(mask, t, d, C::STATES) {
                d_next[rows].fill(E::ZERO);
            }
        }
        cell.backward_step(Backward {
            d,
            rec,
            prev: &states[k * state..(k + 1) * state],
            next: &states[(k + 1) * state..(k + 2) * state],
            cache: &caches[k * per_step..(k + 1) * per_step],
            d_next: &mut *d_next,
            d_prev: &mut *d_prev,
            dzx: &mut *dzx_t,
            d_rec: &mut *d_rec,
            d_rec_bias: &mut *d_rec_bias,
            work: &mut *work,
            masks: Masks {
                masks: rec_masks,
                tmp: &mut *tmp,
            },
        });
        if let Some(mask) = carry.mask {
            hold_masked(mask, t, d, C::STATES, &held, d_prev);
        }
        d_next.fill(E::ZERO);
        for (b, row) in dzx_t.chunks_exact(width).enumerate() {
            let at = (b * d.steps + t) * width;
            dzx_all[at..at + width].copy_from_slice(row);
        }
    }
    if let Some(initial) = carry.initial {
        // The gradient before step 0 ends in block `steps % 2`.
        let at = (d.steps % 2) * state;
        initial.copy_from_slice(&d_states[at..at + state]);
    }
    let rows = d.batch * d.steps;
    crate::layer::sum_rows(dzx_all, d_input_bias);
    match dropped.input_masks {
        0 | 1 => {
            // The products saw `x`, or its one masked copy.
            let seen = if dropped.input_masks == 1 { inputs } else { x };
            E::matmul_at_b(rows, d.features, width, seen, dzx_all, d_kernel);
            if let Some(dx) = dx {
                E::matmul_a_bt(rows, width, d.features, dzx_all, kernel, dx);
                if dropped.input_masks == 1 {
                    let unmasked = dx.to_vec();
                    apply_mask(&unmasked, input_masks, dx, d);
                }
            }
        }
        _ => {
            // Gate q's columns saw the input through mask q.
            let mut dx = dx;
            if let Some(dx) = dx.as_deref_mut() {
                dx.fill(E::ZERO);
            }
            let mut part = alloc::vec![E::ZERO; if dx.is_some() { x.len() } else { 0 }];
            for (q, x_q) in inputs.chunks_exact(x.len().max(1)).enumerate() {
                let p = Product {
                    m: d.features,
                    k: rows,
                    n: d.units,
                    a: x_q,
                    rsa: 1,
                    csa: d.features,
                    b: &dzx_all[q * d.units..],
                    rsb: width,
                    csb: 1,
                    ldc: width,
                    accumulate: false,
                };
                E::product(p, &mut d_kernel[q * d.units..]);
                if let Some(dx) = dx.as_deref_mut() {
                    let p = Product {
                        m: rows,
                        k: d.units,
                        n: d.features,
                        a: &dzx_all[q * d.units..],
                        rsa: width,
                        csa: 1,
                        b: &kernel[q * d.units..],
                        rsb: 1,
                        csb: width,
                        ldc: d.features,
                        accumulate: false,
                    };
                    E::product(p, &mut part);
                    let mask =
                        &input_masks[q * d.batch * d.features..(q + 1) * d.batch * d.features];
                    let unmasked = part.clone();
                    apply_mask(&unmasked, mask, &mut part, d);
                    crate::element::add_into(dx, &part);
                }
            }
        }
    }
}

/// A recurrent layer's passes from given initial states and to its last
/// states (Keras's `initial_state` and `return_state`): what a graph node
/// with state inputs or outputs runs. Its [`LayerOp`] passes are these
/// from zeros, the last states dropped.
///
/// [`LayerOp`]: crate::layer::machinery::LayerOp
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
pub(crate) trait Stateful<In: crate::shape::Features, E: DenseElement>:
    crate::layer::machinery::LayerOp<In, E>
{
    /// State vectors: `h`, and `c` for an LSTM.
    const STATES: usize;
    /// Units: each state is `(batch, UNITS)`.
    const UNITS: usize;

    /// [`LayerOp::forward`](crate::layer::machinery::LayerOp::forward) with states.
    #[allow(clippy::too_many_arguments)]
    fn forward_carry<W: crate::layer::machinery::Weights<E>>(
        &self,
        w: &W,
        x: &[E],
        y: &mut [E],
        batch: usize,
        scratch: &mut [E],
        carry: Carry<'_, E>,
    );

    /// The training pass with states.
    #[cfg(feature = "std")]
    #[allow(clippy::too_many_arguments)]
    fn forward_train_carry<W: crate::layer::machinery::Weights<E>>(
        &self,
        w: &mut W,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut crate::layer::Tape<E>,
        rng: &mut crate::random::Rng,
        carry: Carry<'_, E>,
    );

    /// The backward pass with the states' gradients.
    #[cfg(feature = "std")]
    fn backward_carry<W: crate::layer::machinery::Weights<E>>(
        &self,
        w: &W,
        pass: crate::layer::Backprop<'_, E>,
        tape: &mut crate::layer::Tape<E>,
        grads: &mut [E],
        carry: CarryGrad<'_, E>,
    );
}

/// Implements `LayerKind`, `WeightShapes`, `LayerOp` and `BuildLayer` for a
/// recurrent layer spec (generics in brackets) whose units are `$units`
/// and output `R`: Keras's weights (`kernel`, `recurrent_kernel`, `bias`),
/// glorot_uniform, orthogonal and zero initializers, and the time loop
/// above over inputs `(steps, features)`.
macro_rules! recurrent_layer {
    ($keras:literal, $base:literal, $units:ident, $returns:ident, states($($state:ident),+), [$($generics:tt)*] $spec:ty) => {
        impl<$($generics)*> $spec {
            /// The spec with Keras's defaults.
            pub fn new() -> Self {
                Self::default()
            }

            /// No bias (Keras's `use_bias=False`): the weights are the kernel
            /// and the recurrent kernel.
            pub fn without_bias(mut self) -> Self {
                self.options.use_bias = false;
                self
            }

            /// Reads the sequence from its last step (Keras's
            /// `go_backwards=True`; with `return_sequences` the outputs stay
            /// in reading order).
            pub fn go_backwards(mut self) -> Self {
                self.options.go_backwards = true;
                self
            }

            /// Drops each input feature with probability `rate` in training
            /// (Keras's `dropout`; clamped to `[0, 1)`): one mask per sample
            /// and batch, the same at every step, the kept features scaled
            /// by `1 / (1 − rate)`. Inference is unchanged.
            pub fn dropout(mut self, rate: f32) -> Self {
                self.options.dropout = if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 0.999_999) };
                self
            }

            /// Drops each value of the recurrent state with probability
            /// `rate` where the recurrent products read it, in training
            /// (Keras's `recurrent_dropout`; clamped to `[0, 1)`): masks drawn
            /// once per batch, the same at every step, one per gate (and,
            /// with `dropout`, one input mask per gate), as Keras does.
            pub fn recurrent_dropout(mut self, rate: f32) -> Self {
                self.options.recurrent_dropout = if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 0.999_999) };
                self
            }

            /// This spec with other initializers for the kernel, the
            /// recurrent kernel and the bias (Keras's `kernel_initializer`,
            /// `recurrent_initializer`, `bias_initializer`); an error when
            /// one's parameters are invalid.
            pub fn with_initializers(
                mut self,
                initializers: [$crate::init::Initializer; 3],
            ) -> Result<Self, $crate::Error> {
                initializers.iter().try_for_each($crate::init::Initializer::check)?;
                self.options.initializers = initializers;
                Ok(self)
            }

            /// This spec over weights in Keras's layout, in any storage (a
            /// `Vec`, or `&'static` data in flash), for `Feat` features per
            /// step: `kernel (features, gates·units)`, `recurrent_kernel
            /// (units, gates·units)`, `bias`. An error names the weight when
            /// a length does not fit or a value is NaN or infinite.
            #[allow(clippy::type_complexity)]
            pub fn with_data<Feat, Elem, Kernel, Recurrent, Bias>(
                self,
                kernel: Kernel,
                recurrent_kernel: Recurrent,
                bias: Bias,
            ) -> Result<
                $crate::layer::Built<Self, ($crate::layer::FromInput, Feat), Elem, (Kernel, Recurrent, Bias)>,
                $crate::Error,
            >
            where
                Feat: $crate::shape::StaticDim,
                Elem: $crate::Element,
                Kernel: $crate::tensor::Data<Elem>,
                Recurrent: $crate::tensor::Data<Elem>,
                Bias: $crate::tensor::Data<Elem>,
            {
                $crate::layer::Built::from_parts(self, (kernel, recurrent_kernel, bias))
            }
        }

        impl<$($generics)*> $crate::layer::machinery::LayerKind for $spec {
            const KERAS_NAME: &'static str = $keras;
            const BASE_NAME: &'static str = $base;
            const WEIGHTS: &'static [$crate::layer::machinery::WeightInfo] = &[
                $crate::layer::machinery::WeightInfo::trainable("kernel", concat!($keras, " kernel")),
                $crate::layer::machinery::WeightInfo::trainable("recurrent_kernel", concat!($keras, " recurrent_kernel")),
                $crate::layer::machinery::WeightInfo::trainable("bias", concat!($keras, " bias")),
            ];
            type Fresh<E: $crate::Element> = $crate::layer::machinery::Random<E>;
            fn initializer(&self, index: usize) -> $crate::init::Initializer {
                self.options.initializers[index.min(2)]
            }
            fn weights(&self) -> &'static [$crate::layer::machinery::WeightInfo] {
                match self.options.use_bias {
                    true => Self::WEIGHTS,
                    false => &Self::WEIGHTS[..2],
                }
            }
            fn adjust_initial<E: $crate::Element>(&self, index: usize, values: &mut [E]) {
                <Self as $crate::layer::rnn::recurrent::CellMath>::adjust_initial(self, index, values)
            }
        }

        /// The weights do not depend on the number of steps.
        impl<S: $crate::layer::rnn::SequenceShape, $($generics)*>
            $crate::layer::machinery::WeightShapes<S> for $spec
        {
            fn weight_shape(index: usize) -> $crate::shape::Sizes {
                use $crate::layer::rnn::recurrent::CellMath;
                use $crate::shape::StaticDim;
                let width = <Self as CellMath>::GATES * $units;
                match index {
                    0 => $crate::shape::Sizes::of([S::Features::SIZE, width]),
                    1 => $crate::shape::Sizes::of([$units, width]),
                    _ if <Self as CellMath>::RECURRENT_BIAS => $crate::shape::Sizes::of([2, width]),
                    _ => $crate::shape::Sizes::of([width]),
                }
            }
        }

        /// A recurrent layer takes sequences `(steps, features)`, masked or not.
        impl<S, E, $($generics)*> $crate::layer::machinery::LayerOp<S, E> for $spec
        where
            S: $crate::layer::rnn::SequenceInput,
            E: $crate::layer::DenseElement,
        {
            type Output = S::Output<$returns, $crate::shape::Const<$units>>;
            /// Per sample, or per step of sequences of run-time length.
            const SCRATCH_PER_SAMPLE: usize = {
                use $crate::shape::{StaticDim, StepsDim};
                let (steps, features) = (S::Steps::PER_ROW, S::Features::SIZE);
                match S::MASKED {
                    true => $crate::layer::rnn::recurrent::masked_scratch_per_sample::<Self>(steps, features, $units),
                    false => $crate::layer::rnn::recurrent::scratch_per_sample::<Self>(steps, $units),
                }
            };

            $crate::layer::machinery::passes_over_steps!(S);

            fn forward_steps<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &W,
                x: &[E],
                y: &mut [E],
                (batch, steps): (usize, usize),
                scratch: &mut [E],
            ) {
                use $crate::layer::rnn::recurrent as driver;
                let d = driver::Dims::of::<S>(batch, steps, $units);
                let weights = (w.at(0), w.at(1), w.at(2));
                let sequences = <$returns as $crate::layer::rnn::Returns>::SEQUENCES;
                match S::MASKED {
                    true => driver::forward_masked(self, weights, x, y, d, sequences, scratch),
                    false => driver::forward(self, weights, x, y, d, sequences, scratch, driver::Carry::none()),
                }
            }

            #[cfg(feature = "std")]
            fn forward_train<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &mut W,
                x: &[E],
                y: &mut [E],
                batch: usize,
                tape: &mut $crate::layer::Tape<E>,
                rng: &mut $crate::random::Rng,
            ) {
                $crate::layer::machinery::LayerOp::<S, E>::forward_train_steps(self, w, x, y, (batch, 1), tape, rng);
            }

            #[cfg(feature = "std")]
            fn forward_train_steps<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &mut W,
                x: &[E],
                y: &mut [E],
                (batch, steps): (usize, usize),
                tape: &mut $crate::layer::Tape<E>,
                rng: &mut $crate::random::Rng,
            ) {
                use $crate::layer::rnn::recurrent as driver;
                let d = driver::Dims::of::<S>(batch, steps, $units);
                let weights = (w.at(0), w.at(1), w.at(2));
                let sequences = <$returns as $crate::layer::rnn::Returns>::SEQUENCES;
                match S::MASKED {
                    true => driver::forward_train_masked(self, weights, x, y, d, sequences, tape, rng),
                    false => driver::forward_train(self, weights, x, y, d, sequences, tape, rng, driver::Carry::none()),
                }
            }

            #[cfg(feature = "std")]
            fn backward_steps<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &W,
                pass: $crate::layer::Backprop<'_, E>,
                tape: &mut $crate::layer::Tape<E>,
                grads: &mut [E],
            ) {
                use $crate::layer::rnn::recurrent as driver;
                let d = driver::Dims::of::<S>(pass.batch, pass.steps, $units);
                let weights = (w.at(0), w.at(1), w.at(2));
                let sequences = <$returns as $crate::layer::rnn::Returns>::SEQUENCES;
                let carry = driver::CarryGrad::none();
                match S::MASKED {
                    true => driver::backward_masked(self, weights, pass.x, pass.dy, pass.dx, d, sequences, tape, grads),
                    false => driver::backward(self, weights, pass.x, pass.dy, pass.dx, d, sequences, tape, grads, carry),
                }
            }
        }

        impl<T, F, E, $($generics)*> $crate::layer::rnn::recurrent::Stateful<(T, F), E> for $spec
        where
            T: $crate::shape::StaticDim,
            F: $crate::shape::StaticDim,
            E: $crate::layer::DenseElement,
        {
            const STATES: usize = <Self as $crate::layer::rnn::recurrent::CellMath>::STATES;
            const UNITS: usize = $units;

            #[allow(clippy::too_many_arguments)]
            fn forward_carry<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &W,
                x: &[E],
                y: &mut [E],
                batch: usize,
                scratch: &mut [E],
                carry: $crate::layer::rnn::recurrent::Carry<'_, E>,
            ) {
                let d = $crate::layer::rnn::recurrent::Dims { batch, steps: T::SIZE, features: F::SIZE, units: $units };
                let weights = (w.at(0), w.at(1), w.at(2));
                let sequences = <$returns as $crate::layer::rnn::Returns>::SEQUENCES;
                $crate::layer::rnn::recurrent::forward(self, weights, x, y, d, sequences, scratch, carry);
            }

            #[cfg(feature = "std")]
            #[allow(clippy::too_many_arguments)]
            fn forward_train_carry<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &mut W,
                x: &[E],
                y: &mut [E],
                batch: usize,
                tape: &mut $crate::layer::Tape<E>,
                rng: &mut $crate::random::Rng,
                carry: $crate::layer::rnn::recurrent::Carry<'_, E>,
            ) {
                let d = $crate::layer::rnn::recurrent::Dims { batch, steps: T::SIZE, features: F::SIZE, units: $units };
                let weights = (w.at(0), w.at(1), w.at(2));
                let sequences = <$returns as $crate::layer::rnn::Returns>::SEQUENCES;
                $crate::layer::rnn::recurrent::forward_train(self, weights, x, y, d, sequences, tape, rng, carry);
            }

            #[cfg(feature = "std")]
            fn backward_carry<W: $crate::layer::machinery::Weights<E>>(
                &self,
                w: &W,
                pass: $crate::layer::Backprop<'_, E>,
                tape: &mut $crate::layer::Tape<E>,
                grads: &mut [E],
                carry: $crate::layer::rnn::recurrent::CarryGrad<'_, E>,
            ) {
                let d = $crate::layer::rnn::recurrent::Dims { batch: pass.batch, steps: T::SIZE, features: F::SIZE, units: $units };
                let weights = (w.at(0), w.at(1), w.at(2));
                let sequences = <$returns as $crate::layer::rnn::Returns>::SEQUENCES;
                $crate::layer::rnn::recurrent::backward(self, weights, pass.x, pass.dy, pass.dx, d, sequences, tape, grads, carry);
            }
        }

        impl<$($generics)*> $crate::layer::rnn::Recurrent for $spec {
            type States = ($($crate::layer::rnn::recurrent::state!($state, $units),)+);
        }

        /// The layer starts from one node `(units,)` per state.
        #[cfg(feature = "alloc")]
        impl<$($generics)*> $crate::model::StartsFrom<
            ($($crate::model::Sym<$crate::layer::rnn::recurrent::state!($state, $units)>,)+),
        > for $spec {}

        $crate::layer::rnn::recurrent::starts_from_one_node!([$($generics)*] $spec, $units, $($state),+);

        impl<$($generics)*> $crate::layer::rnn::Reversible for $spec {
            fn reversed(&self) -> Self {
                let mut spec = *self;
                spec.options.go_backwards = !spec.options.go_backwards;
                spec
            }
        }

        $crate::layer::machinery::builds_from_spec!([$($generics)*] $spec);
    };
}
pub(crate) use recurrent_layer;

/// The sample shape of one state of `units` units (`h` or `c`).
macro_rules! state {
    ($state:ident, $units:ident) => {
        ($crate::shape::Const<$units>,)
    };
}
pub(crate) use state;

/// A layer with one state also starts from that node alone (`h` as well
/// as `(h,)`, as Keras takes `initial_state=h`).
macro_rules! starts_from_one_node {
    ([$($generics:tt)*] $spec:ty, $units:ident, $state:ident) => {
        #[cfg(feature = "alloc")]
        impl<$($generics)*> $crate::model::StartsFrom<
            $crate::model::Sym<$crate::layer::rnn::recurrent::state!($state, $units)>,
        > for $spec {}
    };
    ([$($generics:tt)*] $spec:ty, $units:ident, $($state:ident),+) => {};
}
pub(crate) use starts_from_one_node;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::layer::train::check;
    use crate::layer::{Gru, Layer, Lstm, SimpleRnn};
    use crate::shape::Masked;
    use crate::Const as N;

    /// Backpropagation through masked steps (every third masked): the
    /// states' gradient passes them unchanged, their inputs get none.
    #[test]
    fn gradients_through_masked_steps_match_finite_differences() {
        type Seq = (N<4>, Masked<N<2>>);
        check::gradients(&check::build::<Seq, _>(Lstm::<2>::new()), 2, None);
        let backwards = Gru::<2>::new().return_sequences().go_backwards();
        check::gradients(&check::build::<Seq, _>(backwards), 2, None);
        let dropped = SimpleRnn::<2>::new().dropout(0.3).recurrent_dropout(0.2);
        check::gradients(&check::build::<Seq, _>(dropped), 2, None);
        let before = Gru::<2>::new().reset_before().return_sequences();
        check::gradients(&check::build::<Seq, _>(before), 2, None);
    }

    /// Without a bias: two weights, and gradients through each cell.
    #[test]
    fn layers_without_bias_have_two_weights_and_their_gradients() {
        type Seq = (N<3>, N<2>);
        let lstm = check::build::<Seq, _>(Lstm::<2>::new().without_bias());
        assert_eq!(lstm.param_count(), 4 * (2 * 2 + 2 * 2));
        check::gradients(&lstm, 2, None);
        let gru = Gru::<2>::new().without_bias().return_sequences();
        check::gradients(&check::build::<Seq, _>(gru), 2, None);
        let before = Gru::<2>::new().without_bias().reset_before();
        check::gradients(&check::build::<Seq, _>(before), 2, None);
        let simple = SimpleRnn::<2>::new().without_bias().dropout(0.2);
        check::gradients(&check::build::<Seq, _>(simple), 2, None);
    }

    /// The oracle: a sequence with masked steps gives what the same layer
    /// gives on the steps kept alone; a returned sequence repeats the last
    /// output at a masked step and keeps the mask.
    #[test]
    fn masked_steps_are_skipped() {
        let kept = [0.5, -1.0, 2.0, 0.25, -0.75, 1.5];
        let short = check::build::<(N<3>, N<2>), _>(Lstm::<3>::new().return_sequences());
        let mut want = [0.0; 9];
        short.forward_slices(&kept, &mut want, 1, &mut [0.0; 200]);
        // The same steps with masked ones between them (their values arbitrary).
        let x = [
            0.5, -1.0, 1.0, 9.0, 9.0, 0.0, 2.0, 0.25, 1.0, -0.75, 1.5, 1.0, 3.0, 3.0, 0.0,
        ];
        let long = check::build::<(N<5>, Masked<N<2>>), _>(Lstm::<3>::new().return_sequences());
        let mut y = [f64::NAN; 20];
        long.forward_slices(&x, &mut y, 1, &mut [0.0; 400]);
        // Step by step: the output kept (repeated at a masked step), the mask.
        let expected = [(0, 1.0), (0, 0.0), (3, 1.0), (6, 1.0), (6, 0.0)];
        for (step, &(at, mask)) in y.chunks(4).zip(&expected) {
            // (Within 1e-12: Miri lets `exp` differ by a few ulps.)
            for (got, want) in step[..3].iter().zip(&want[at..at + 3]) {
                assert!((got - want).abs() < 1e-12, "{got} vs {want}");
            }
            assert_eq!(step[3], mask);
        }
    }
}
