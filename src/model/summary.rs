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

/// The widths of Keras's table columns (each with its one-space padding),
/// at Keras's default line length in a terminal of 80 columns.
pub(crate) const SEQUENTIAL_COLUMNS: [usize; 3] = [33, 24, 15];

/// A table as Keras's `summary()` draws it (with `rich`): columns of fixed
/// widths, the parameter column right-aligned.
pub(crate) struct Table<const N: usize> {
    pub(crate) widths: [usize; N],
}

impl<const N: usize> Table<N> {
    /// A horizontal rule.
    pub(crate) fn rule(
        &self,
        f: &mut fmt::Formatter<'_>,
        [left, fill, mid, right]: [char; 4],
    ) -> fmt::Result {
        write!(f, "{left}")?;
        for (i, w) in self.widths.iter().enumerate() {
            for _ in 0..*w {
                write!(f, "{fill}")?;
            }
            write!(f, "{}", if i + 1 < N { mid } else { right })?;
        }
        writeln!(f)
    }

    /// The header row, between its rules.
    pub(crate) fn header(&self, f: &mut fmt::Formatter<'_>, names: [&str; N]) -> fmt::Result {
        self.rule(f, ['┏', '━', '┳', '┓'])?;
        self.line(f, '┃', names)?;
        self.rule(f, ['┡', '━', '╇', '┩'])
    }

    /// One line of cells, each padded to its column (the third, the
    /// parameter count, right-aligned).
    fn line(&self, f: &mut fmt::Formatter<'_>, bar: char, cells: [&str; N]) -> fmt::Result {
        write!(f, "{bar}")?;
        for (i, (cell, w)) in cells.iter().zip(self.widths).enumerate() {
            let inner = w - 2;
            if i == 2 {
                write!(f, " {cell:>inner$} {bar}")?;
            } else {
                write!(f, " {cell:<inner$} {bar}")?;
            }
        }
        writeln!(f)
    }

    /// One table row, each cell wrapped to its column.
    pub(crate) fn row(&self, f: &mut fmt::Formatter<'_>, cells: [&str; N]) -> fmt::Result {
        let mut rest = cells;
        loop {
            let mut line = [""; N];
            let mut cut = [Cut::Whole; N];
            for (i, cell) in rest.iter_mut().enumerate() {
                let (now, later, how) = next_line(cell, self.widths[i] - 2);
                line[i] = now;
                cut[i] = how;
                *cell = later;
            }
            // A word too long for its column ends in an ellipsis (rich's
            // overflow), the rest of it dropped.
            let mut cells = [Cell::new(format_args!("")); N];
            for i in 0..N {
                cells[i] = match cut[i] {
                    Cut::Whole => Cell::new(format_args!("{}", line[i])),
                    Cut::Ellipsis => Cell::new(format_args!("{}…", line[i])),
                };
            }
            let mut text = [""; N];
            for (t, c) in text.iter_mut().zip(cells.iter()) {
                *t = c.as_str();
            }
            self.line(f, '│', text)?;
            if rest.iter().all(|c| c.trim().is_empty()) {
                return Ok(());
            }
        }
    }
}

/// Formats into a fixed buffer so a cell can be padded without allocating.
#[derive(Clone, Copy)]
pub(crate) struct Cell {
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
    pub(crate) fn new(args: fmt::Arguments<'_>) -> Cell {
        let mut c = Cell {
            buf: [0; 96],
            len: 0,
        };
        let _ = fmt::write(&mut c, args);
        c
    }
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

/// How a line of a cell ends.
#[derive(Clone, Copy)]
enum Cut {
    Whole,
    Ellipsis,
}

/// The next line of `text` that fits in `width` columns: whole words where
/// they fit (as Keras's table wraps); a word longer than the column is cut
/// to `width − 1` characters and an ellipsis. Returns the line, the rest,
/// and how the line ends.
fn next_line(text: &str, width: usize) -> (&str, &str, Cut) {
    let text = text.trim_start();
    if text.chars().count() <= width {
        return (text, "", Cut::Whole);
    }
    // A break may fall on the space just after `width` characters.
    let reach = text
        .char_indices()
        .nth(width + 1)
        .map_or(text.len(), |(i, _)| i);
    match text[..reach].rfind(' ').filter(|&i| i > 0) {
        Some(cut) => (&text[..cut], &text[cut..], Cut::Whole),
        None => {
            let short = text
                .char_indices()
                .nth(width - 1)
                .map_or(text.len(), |(i, _)| i);
            let word_end = text.find(' ').unwrap_or(text.len());
            (&text[..short], &text[word_end..], Cut::Ellipsis)
        }
    }
}

pub(crate) struct Shape<'a>(pub(crate) &'a SummaryRow);

impl fmt::Display for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (more, shape) = self.0.more_outputs;
        if more == 0 {
            return write_tuple(f, Some("None"), self.0.output.as_slice());
        }
        // Several outputs, as Keras lists them: `[(None, 8), (None, 4)]`.
        f.write_str("[")?;
        write_tuple(f, Some("None"), self.0.output.as_slice())?;
        for _ in 0..more {
            f.write_str(", ")?;
            write_tuple(f, Some("None"), shape.as_slice())?;
        }
        f.write_str("]")
    }
}

/// A count with thousands separators, as Keras prints it: `100,480`.
pub(crate) struct Thousands(pub(crate) usize);

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
        let table = Table {
            widths: SEQUENTIAL_COLUMNS,
        };
        table.header(f, ["Layer (type)", "Output Shape", "Param #"])?;
        let mut result = Ok(());
        let mut first = true;
        self.layers.visit_rows(&mut |row| {
            if result.is_err() {
                return;
            }
            if !first {
                result = table.rule(f, ['├', '─', '┼', '┤']);
            }
            first = false;
            let name = Cell::new(format_args!("{} ({})", row.name, row.kind));
            let shape = Cell::new(format_args!("{}", Shape(&row)));
            let params = Cell::new(format_args!("{}", Thousands(row.params)));
            result =
                result.and_then(|_| table.row(f, [name.as_str(), shape.as_str(), params.as_str()]));
        });
        result?;
        table.rule(f, ['└', '─', '┴', '┘'])?;
        totals::<E>(
            f,
            self.layers.param_count(),
            self.layers.non_trainable_count(),
        )
    }
}

/// The lines under the table: parameter counts and their bytes.
pub(crate) fn totals<E>(f: &mut fmt::Formatter<'_>, total: usize, frozen: usize) -> fmt::Result {
    let size = core::mem::size_of::<E>();
    let line = |f: &mut fmt::Formatter<'_>, what: &str, n: usize| {
        writeln!(f, " {what} params: {} ({})", Thousands(n), Bytes(n * size))
    };
    line(f, "Total", total)?;
    line(f, "Trainable", total - frozen)?;
    line(f, "Non-trainable", frozen)
}
