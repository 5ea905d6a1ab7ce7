//! Keras's progress line on stderr: `Epoch 3/10`, then
//! `45/45 ━━━━━━━━━━━━━━━━━━━━ 1s 5ms/step - accuracy: 0.9123 - loss: 0.3121`.

use super::callback::Logs;
use std::io::{IsTerminal, Write};
use std::string::{String, ToString};
use std::time::{Duration, Instant};
use std::{eprintln, format};

/// How much `fit` prints, on stderr (Keras's `verbose`; the default is the
/// progress bar, as in Keras). To log elsewhere, use `Silent` and a
/// [`Callback`](crate::model::Callback), which sees each epoch's logs.
///
/// ```
/// use corten::loss::MeanSquaredError;
/// use corten::model::{Callback, Control, FitOptions, Logs, ModelWeights, Verbosity};
/// use corten::optimizer::Sgd;
/// use corten::prelude::*;
/// use std::sync::mpsc;
/// /// Sends each epoch's loss down a channel instead of printing it.
/// struct Send(mpsc::Sender<f64>);
/// impl Callback for Send {
///     fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs, _model: &mut dyn ModelWeights) -> Control {
///         self.0.send(logs.get("loss").unwrap()).unwrap();
///         Control::Continue
///     }
/// }
/// let (tx, rx) = mpsc::channel();
/// let mut model = sequential![Input<1>, Dense<1>];
/// model.compile(Sgd::default(), MeanSquaredError, [corten::metric::Mae]);
/// let x = Tensor::from_array([[1.0f32], [2.0]]);
/// let options = FitOptions { epochs: 3, verbose: Verbosity::Silent, callbacks: vec![Box::new(Send(tx))], ..FitOptions::default() };
/// model.fit(&x, &x, options)?;
/// assert_eq!(rx.try_iter().count(), 3);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing (Keras's `verbose=0`).
    Silent,
    /// A progress bar redrawn as batches finish (`verbose=1`, the default).
    #[default]
    ProgressBar,
    /// One line per epoch (`verbose=2`).
    OneLinePerEpoch,
}

/// Keras's bar width.
const WIDTH: usize = 20;
/// The bar is redrawn at most this often.
const INTERVAL: Duration = Duration::from_millis(50);

/// The progress of one epoch.
pub(crate) struct Progress {
    verbosity: Verbosity,
    steps: usize,
    start: Instant,
    last_draw: Option<Instant>,
    drawn_width: usize,
    redraw: bool,
}

impl Progress {
    /// Starts epoch `epoch` (from 0) of `epochs`, of `steps` batches.
    pub fn start(verbosity: Verbosity, epoch: usize, epochs: usize, steps: usize) -> Self {
        if verbosity != Verbosity::Silent {
            eprintln!("Epoch {}/{epochs}", epoch + 1);
        }
        Progress {
            verbosity,
            steps,
            start: Instant::now(),
            last_draw: None,
            drawn_width: 0,
            redraw: std::io::stderr().is_terminal(),
        }
    }

    /// After batch `step` (from 1): redraws the bar (when stderr is a
    /// terminal) at most every 50 ms.
    pub fn batch_done(&mut self, step: usize, logs: impl FnOnce() -> Logs) {
        if self.verbosity != Verbosity::ProgressBar || !self.redraw || step >= self.steps {
            return;
        }
        let now = Instant::now();
        if self.last_draw.is_some_and(|t| now - t < INTERVAL) {
            return;
        }
        self.last_draw = Some(now);
        let line = self.line(step, &logs(), false);
        self.draw(&line, false);
    }

    /// At the end of the epoch, with its final logs.
    pub fn epoch_done(&mut self, logs: &Logs) {
        match self.verbosity {
            Verbosity::Silent => {}
            Verbosity::ProgressBar => {
                let line = self.line(self.steps, logs, true);
                self.draw(&line, true);
            }
            Verbosity::OneLinePerEpoch => {
                let elapsed = self.start.elapsed().as_secs_f64();
                eprintln!(
                    "{}/{} - {elapsed:.0}s -{}{logs}",
                    self.steps,
                    self.steps,
                    per_step(elapsed, self.steps)
                );
            }
        }
    }

    fn line(&self, step: usize, logs: &Logs, done: bool) -> String {
        let digits = self.steps.max(1).to_string().len();
        let filled = WIDTH * step / self.steps.max(1);
        let elapsed = self.start.elapsed().as_secs_f64();
        let time = if done {
            format!("{elapsed:.0}s")
        } else {
            let eta = elapsed / step.max(1) as f64 * (self.steps - step) as f64;
            format!("{eta:.0}s")
        };
        // On a terminal, Keras's colours: the done part green, the rest grey.
        let (green, grey, reset) = if self.redraw {
            ("\x1b[32m", "\x1b[37m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        format!(
            "{step:>digits$}/{} {green}{}{grey}{}{reset} {time}{}{logs}",
            self.steps,
            "━".repeat(filled),
            "━".repeat(WIDTH - filled),
            per_step(elapsed, step)
        )
    }

    fn draw(&mut self, line: &str, done: bool) {
        let width = visible_width(line);
        let pad = self.drawn_width.saturating_sub(width);
        let mut err = std::io::stderr().lock();
        let start = if self.redraw { "\r" } else { "" };
        let end = if done { "\n" } else { "" };
        let _ = write!(err, "{start}{line}{:pad$}{end}", "");
        let _ = err.flush();
        self.drawn_width = width;
    }
}

/// Characters a terminal shows of `line` (colour escapes take no room).
fn visible_width(line: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for ch in line.chars() {
        match (in_escape, ch) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

/// ` 5ms/step`, as Keras formats the time per step.
fn per_step(elapsed: f64, steps: usize) -> String {
    let t = elapsed / steps.max(1) as f64;
    if t >= 1.0 || t == 0.0 {
        format!(" {t:.0}s/step")
    } else if t >= 1e-3 {
        format!(" {:.0}ms/step", t * 1e3)
    } else {
        format!(" {:.0}us/step", t * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_per_step_is_formatted_like_keras() {
        assert_eq!(per_step(0.5, 100), " 5ms/step");
        assert_eq!(per_step(3.0, 2), " 2s/step");
        assert_eq!(per_step(0.0005, 10), " 50us/step");
    }

    #[test]
    fn colour_escapes_take_no_width() {
        assert_eq!(visible_width("\x1b[32m━━\x1b[37m━\x1b[0m 1s"), 6);
    }

    #[test]
    fn the_bar_fills_with_the_steps() {
        let mut p = Progress::start(Verbosity::Silent, 0, 1, 45);
        p.redraw = false; // as when stderr is a file, whatever runs the test

        let mut logs = Logs::default();
        logs.set("loss", 0.5);
        let line = p.line(45, &logs, true);
        assert!(line.starts_with("45/45 ━━━━━━━━━━━━━━━━━━━━ 0s "), "{line}");
        assert!(line.ends_with("/step - loss: 0.5000"), "{line}");
        let half = p.line(9, &logs, false);
        assert!(half.starts_with(" 9/45 ━━━━"), "{half}");
    }
}
