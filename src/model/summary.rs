//! `model.summary()`: Keras's table of layers, output shapes and parameters.

use crate::layer::{Layer, SummaryRow};
use crate::shape::write_tuple;
use crate::Element;
use core::fmt;

/// A model summary; prints like Keras 3's `model.summary()`.
pub struct Summary<'a, L, E> {
    pub(crate) layers: &'a L,
    pub(crate) element: core::marker::PhantomData<E>,
}

const WIDTHS: [usize; 3] = [33, 24, 15];

fn rule(f: &mut fmt::Formatter<'_>, left: char, fill: char, mid: char, right: char) -> fmt::Result {
    write!(f, "{left}")?;
    for (i, w) in WIDTHS.iter().enumerate() {
        for _ in 0..*w {
            write!(f, "{fill}")?;
        }
        write!(f, "{}", if i + 1 < WIDTHS.len() { mid } else { right })?;
    }
    writeln!(f)
}

/// Formats into a fixed buffer so a cell can be padded without allocating.
struct Cell {
    buf: [u8; 96],
    len: usize,
}

impl fmt::Write for Cell {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

impl Cell {
    fn new(args: fmt::Arguments<'_>) -> Cell {
        let mut c = Cell {
            buf: [0; 96],
            len: 0,
        };
        let _ = fmt::write(&mut c, args);
        c
    }
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

/// The next line of `text` that fits in `width` columns: whole words where
/// they fit (as Keras's table wraps), else a hard break. Returns the line and
/// the rest.
fn next_line(text: &str, width: usize) -> (&str, &str) {
    let text = text.trim_start();
    if text.chars().count() <= width {
        return (text, "");
    }
    let hard = text
        .char_indices()
        .nth(width)
        .map_or(text.len(), |(i, _)| i);
    let cut = text[..hard].rfind(' ').filter(|&i| i > 0).unwrap_or(hard);
    (&text[..cut], &text[cut..])
}

/// One table row, each cell wrapped to its column; the parameter column is
/// right-aligned.
fn write_wrapped(f: &mut fmt::Formatter<'_>, cells: [&str; 3]) -> fmt::Result {
    let mut rest = cells;
    loop {
        let mut line = [""; 3];
        for (i, cell) in rest.iter_mut().enumerate() {
            let (now, later) = next_line(cell, WIDTHS[i] - 2);
            line[i] = now;
            *cell = later;
        }
        writeln!(f, "│ {:<31} │ {:<22} │ {:>13} │", line[0], line[1], line[2])?;
        if rest.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
    }
}

struct Shape<'a>(&'a SummaryRow);

impl fmt::Display for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tuple(f, Some("None"), self.0.output.as_slice())
    }
}

/// A count with thousands separators, as Keras prints it: `100,480`.
struct Thousands(usize);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 20];
        let (mut n, mut len) = (self.0, 0);
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut text = Cell {
            buf: [0; 96],
            len: 0,
        };
        for i in (0..len).rev() {
            let _ = fmt::Write::write_char(&mut text, digits[i] as char);
            if i > 0 && i % 3 == 0 {
                let _ = fmt::Write::write_char(&mut text, ',');
            }
        }
        f.pad(text.as_str())
    }
}

/// Parameter bytes as Keras prints them: `60.00 B`, `397.54 KB`.
struct Bytes(usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = self.0 as f64;
        let mut unit = "B";
        for u in ["KB", "MB", "GB"] {
            if v < 1024.0 {
                break;
            }
            v /= 1024.0;
            unit = u;
        }
        write!(f, "{v:.2} {unit}")
    }
}

impl<L: Layer<E>, E: Element> fmt::Display for Summary<'_, L, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Model: \"sequential\"")?;
        rule(f, '┏', '━', '┳', '┓')?;
        writeln!(
            f,
            "┃ {:<31} ┃ {:<22} ┃ {:>13} ┃",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        rule(f, '┡', '━', '╇', '┩')?;
        let mut result = Ok(());
        let mut first = true;
        self.layers.visit_rows(&mut |row| {
            if result.is_err() {
                return;
            }
            if !first {
                result = rule(f, '├', '─', '┼', '┤');
            }
            first = false;
            let name = Cell::new(format_args!("{} ({})", row.name, row.kind));
            let shape = Cell::new(format_args!("{}", Shape(&row)));
            let params = Cell::new(format_args!("{}", Thousands(row.params)));
            result = result
                .and_then(|_| write_wrapped(f, [name.as_str(), shape.as_str(), params.as_str()]));
        });
        result?;
        rule(f, '└', '─', '┴', '┘')?;
        let total = self.layers.param_count();
        let frozen = self.layers.non_trainable_count();
        let size = core::mem::size_of::<E>();
        let line = |f: &mut fmt::Formatter<'_>, what: &str, n: usize| {
            writeln!(f, " {what} params: {} ({})", Thousands(n), Bytes(n * size))
        };
        line(f, "Total", total)?;
        line(f, "Trainable", total - frozen)?;
        line(f, "Non-trainable", frozen)
    }
}
