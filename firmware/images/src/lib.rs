//! The harness every image shares: markers around one inference (for the
//! instruction counter), the stack's high-water mark, and integer output
//! (floats formatted would cost ~15 KB of flash).
#![no_std]

use cortex_m_semihosting::{debug, hprintln};

use core::sync::atomic::{AtomicU32, Ordering};

/// Inferences begun and ended (so the two markers differ and are not
/// folded into one function).
static MARKS: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];

/// Called right before one inference: its address is where the
/// instruction count starts.
#[inline(never)]
#[no_mangle]
pub extern "C" fn inference_begin() {
    MARKS[0].store(MARKS[0].load(Ordering::Relaxed) + 1, Ordering::SeqCst);
}

/// Called right after one inference: where the count ends.
#[inline(never)]
#[no_mangle]
pub extern "C" fn inference_end() {
    MARKS[1].store(MARKS[1].load(Ordering::Relaxed) + 1, Ordering::SeqCst);
}

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

/// Bytes of stack used so far: from the top down to the deepest word that
/// is no longer cortex-m-rt's paint (0xCCCCCCCC).
pub fn stack_used() -> usize {
    // SAFETY: the linker script defines both symbols around the stack; the
    // words between them are RAM this image owns, read one at a time.
    unsafe {
        let top = core::ptr::addr_of!(_stack_start) as usize;
        let mut at = core::ptr::addr_of!(_stack_end) as usize;
        while at < top && core::ptr::read_volatile(at as *const u32) == 0xCCCC_CCCC {
            at += 4;
        }
        top - at
    }
}

/// Prints `NAME outputs=… stack=…` (outputs in millionths) and exits
/// successfully, or exits with failure when `outputs` is an error.
pub fn report(name: &str, outputs: Result<&[f32], ()>) -> ! {
    match outputs {
        Ok(values) => {
            let stack = stack_used();
            hprintln!("{} stack={}", name, stack);
            for v in values {
                hprintln!("out {}", (*v * 1e6) as i32);
            }
            debug::exit(debug::EXIT_SUCCESS);
        }
        Err(()) => {
            hprintln!("{} error", name);
            debug::exit(debug::EXIT_FAILURE);
        }
    }
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Runs `predict` on each input, each call between the markers (the
/// instruction counter measures the last), then reports the outputs as
/// image `name` if `predict` never failed and `check` accepts them.
pub fn run<I, const O: usize, const N: usize>(
    name: &str,
    inputs: &[I; N],
    mut predict: impl FnMut(&I) -> Result<[f32; O], ()>,
    check: fn(&[[f32; O]; N]) -> bool,
) -> ! {
    let mut out = [[0.0f32; O]; N];
    for (o, x) in out.iter_mut().zip(inputs) {
        let x = core::hint::black_box(x);
        inference_begin();
        let y = predict(x);
        inference_end();
        match y {
            Ok(y) => *o = y,
            Err(()) => report(name, Err(())),
        }
    }
    match check(&out) {
        true => report(name, Ok(out.as_flattened())),
        false => report(name, Err(())),
    }
}

/// Accepts any outputs (the plain twin's comparison is `run.sh`'s).
pub fn any<const O: usize, const N: usize>(_: &[[f32; O]; N]) -> bool {
    true
}

/// `act(x · w + b)` for an `(N, M)` kernel, ReLU or linear: the plain
/// images' Dense.
#[inline(always)]
pub fn dense<const N: usize, const M: usize>(
    x: &[f32; N],
    w: &[[f32; M]; N],
    b: &[f32; M],
    relu: bool,
) -> [f32; M] {
    let mut y = [0.0f32; M];
    for j in 0..M {
        let mut s = b[j];
        for i in 0..N {
            s += x[i] * w[i][j];
        }
        y[j] = if relu && s < 0.0 { 0.0 } else { s };
    }
    y
}

/// Runs a corten model on one sample `x` (an array of the input's shape)
/// and gives its output, `$outputs` values: the corten images' inference.
#[macro_export]
macro_rules! predict_one {
    ($model:expr, $x:expr, $scratch:expr, $outputs:literal) => {{
        let x = corten::Tensor::from_array([*$x]);
        let mut y = corten::Tensor::from_array([[0.0f32; $outputs]]);
        match $model.predict_into(&x, &mut y, $scratch) {
            Ok(()) => Ok(y.into_data()[0]),
            Err(_) => Err(()),
        }
    }};
}

/// Weight `i` of the deterministic weights drawn from `seed`.
const fn value(i: usize, seed: usize) -> f32 {
    ((i * 37 + seed * 11) % 97) as f32 / 97.0 - 0.5
}

/// Deterministic weights in `[-0.5, 0.5)`, in place of trained ones.
pub const fn weights<const N: usize>(seed: usize) -> [f32; N] {
    let mut w = [0.0f32; N];
    let mut i = 0;
    while i < N {
        w[i] = value(i, seed);
        i += 1;
    }
    w
}

/// [`weights`] as `R` rows of `C` (a kernel of shape `(R, C)`).
pub const fn matrix<const R: usize, const C: usize>(seed: usize) -> [[f32; C]; R] {
    let mut m = [[0.0f32; C]; R];
    let mut i = 0;
    while i < R * C {
        m[i / C][i % C] = value(i, seed);
        i += 1;
    }
    m
}

/// The sine MLP's weights (1 → 16 → 16 → 1, ReLU, ReLU, linear), Keras's
/// layout: kernels `(inputs, units)` row-major.
pub mod sine {
    use super::{matrix, weights};
    use corten::prelude::*;
    pub static W1: [[f32; 16]; 1] = matrix(1);
    pub static B1: [f32; 16] = weights(2);
    pub static W2: [[f32; 16]; 16] = matrix(3);
    pub static B2: [f32; 16] = weights(4);
    pub static W3: [[f32; 1]; 16] = matrix(5);
    pub static B3: [f32; 1] = weights(6);
    /// The inputs each image runs, one inference each (the last is measured).
    pub const INPUTS: [[f32; 1]; 4] = [[0.1], [0.9], [2.5], [-1.3]];

    /// The model in corten, over weights borrowed in place.
    pub type Sine = corten::model_type![
        Input<1>,
        Dense<16, Relu> as (&'static [[f32; 16]; 1], &'static [f32; 16]),
        Dense<16, Relu> as (&'static [[f32; 16]; 16], &'static [f32; 16]),
        Dense<1> as (&'static [[f32; 1]; 16], &'static [f32; 1]),
    ];

    /// Runs `model` on [`INPUTS`] as image `name`.
    pub fn run(name: &str, model: &Sine) -> ! {
        let mut scratch = [0.0f32; Sine::SCRATCH];
        super::run(
            name,
            &INPUTS,
            |x| crate::predict_one!(model, x, &mut scratch, 1),
            super::any,
        )
    }
}

/// The digits CNN trained on the host (`cargo run --release --example
/// firmware_digits` at the repository's root writes both files).
pub mod digits {
    /// The trained weights, `corten-weights`'s output.
    pub mod weights {
        include!("digits/weights.rs");
    }
    include!("digits/samples.rs");

    /// A digit's 64 pixels as the model's input sample `(8, 8, 1)`.
    pub fn pixels(digit: &[f32; 64]) -> [[[f32; 1]; 8]; 8] {
        core::array::from_fn(|i| core::array::from_fn(|j| [digit[i * 8 + j]]))
    }

    /// Whether `probabilities` (10 per digit) are the host's within `1e-4`.
    pub fn matches_host(probabilities: &[[f32; 10]; 10]) -> bool {
        probabilities
            .iter()
            .flatten()
            .zip(HOST.iter().flatten())
            .all(|(p, h)| (p - h).abs() <= 1e-4)
    }
}

/// The seed example's model (`examples/seed.rs`): Keras's `Dense(5,
/// weights=(W, b))` on `Input((2,))`.
pub mod seed {
    /// The kernel (Keras's `(inputs, units)`) and the bias.
    pub static W: [[f32; 5]; 2] = [[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]];
    pub static B: [f32; 5] = [0.0; 5];
    /// The inputs each image runs, one inference each (the last is measured).
    pub const INPUTS: [[f32; 2]; 3] = [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]];
}
