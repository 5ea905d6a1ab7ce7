//! `model.summary()` of a functional model, as Keras prints it: its layers
//! in Keras's order, inputs included, and a `Connected to` column naming
//! each layer's inputs (`dense[0][0]`), unless the model is a chain.

use super::model::{Model, Syms};
use super::NodeKind;
use crate::layer::{LayerName, SummaryRow};
use crate::model::summary::{totals, Cell, Shape, Table, Thousands, SEQUENTIAL_COLUMNS};
use crate::Element;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::fmt::Write as _;

/// The widths of Keras's four columns, at its default line length in a
/// terminal of 80 columns.
const GRAPH_COLUMNS: [usize; 4] = [21, 19, 12, 19];

/// A functional model's summary; prints like Keras 3's `model.summary()`.
pub struct GraphSummary<'a, Ins, Outs, E: Element> {
    model: &'a Model<Ins, Outs, E>,
}

impl<Ins: Syms, Outs: Syms, E: Element> Model<Ins, Outs, E> {
    /// A Keras-style summary table; print it with `{}`.
    pub fn summary(&self) -> GraphSummary<'_, Ins, Outs, E> {
        GraphSummary { model: self }
    }

    /// The name Keras gives node `n`'s layer: an input's, or its op's first row's.
    pub(super) fn layer_name(&self, n: usize) -> LayerName {
        match self.nodes[n].kind {
            NodeKind::Input { name } => name,
            NodeKind::Op { op } => {
                let mut name = None;
                self.ops[op].0.visit_rows(&mut |row| {
                    name.get_or_insert(row.name);
                });
                name.unwrap_or(LayerName {
                    base: "?",
                    index: 0,
                })
            }
        }
    }

    /// The nodes that apply the same layer as node `n`, in the order they
    /// were made (Keras's inbound nodes).
    fn applications(&self, n: usize) -> Vec<usize> {
        match self.nodes[n].kind {
            NodeKind::Input { .. } => alloc::vec![n],
            NodeKind::Op { op } => (0..self.nodes.len())
                .filter(|&m| matches!(self.nodes[m].kind, NodeKind::Op { op: o } if o == op))
                .filter(|&m| self.steps.iter().any(|s| s.node == m))
                .collect(),
        }
    }

    /// `dense[0][0], b[0][0]`: where node `n`'s layer takes its inputs from.
    fn connections(&self, n: usize) -> String {
        let mut text = String::new();
        for m in self.applications(n) {
            for &input in &self.nodes[m].inputs {
                // One output of a layer with several: that layer's tensor.
                let (input, tensor) = match self.nodes[input].part {
                    Some(k) => (self.nodes[input].inputs[0], k),
                    None => (input, 0),
                };
                let index = self
                    .applications(input)
                    .iter()
                    .position(|&a| a == input)
                    .unwrap_or(0);
                if !text.is_empty() {
                    text.push_str(", ");
                }
                let _ = write!(text, "{}[{index}][{tensor}]", self.layer_name(input));
            }
        }
        if text.is_empty() {
            text.push('-');
        }
        text
    }

    /// Each row of the summary, in order, with its `Connected to` text.
    fn rows(&self, row: &mut dyn FnMut(SummaryRow, &str)) {
        for &n in &self.layer_nodes {
            let connections = self.connections(n);
            match self.nodes[n].kind {
                NodeKind::Input { name } => row(
                    SummaryRow::new(name, "InputLayer", self.nodes[n].shape, 0),
                    &connections,
                ),
                NodeKind::Op { op } => {
                    let mut first = true;
                    self.ops[op].0.visit_rows(&mut |r| {
                        row(r, if first { &connections } else { "" });
                        first = false;
                    });
                }
            }
        }
    }

    /// Parameters training leaves alone (moving statistics).
    fn non_trainable_count(&self) -> usize {
        self.op_order
            .iter()
            .map(|&op| self.ops[op].0.non_trainable_count())
            .sum()
    }
}

impl<Ins: Syms, Outs: Syms, E: Element> fmt::Display for GraphSummary<'_, Ins, Outs, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = self.model;
        writeln!(f, "Model: \"functional\"")?;
        let mut result = Ok(());
        let mut first = true;
        let cells = |row: &SummaryRow| {
            (
                Cell::new(format_args!("{} ({})", row.name, row.kind)),
                Cell::new(format_args!("{}", Shape(row))),
                Cell::new(format_args!("{}", Thousands(row.params))),
            )
        };
        if model.sequential_like {
            let table = Table {
                widths: SEQUENTIAL_COLUMNS,
            };
            table.header(f, ["Layer (type)", "Output Shape", "Param #"])?;
            model.rows(&mut |row, _| {
                if result.is_ok() && !core::mem::replace(&mut first, false) {
                    result = table.rule(f, ['├', '─', '┼', '┤']);
                }
                let (name, shape, params) = cells(&row);
                result = result
                    .and_then(|_| table.row(f, [name.as_str(), shape.as_str(), params.as_str()]));
            });
            result?;
            table.rule(f, ['└', '─', '┴', '┘'])?;
        } else {
            let table = Table {
                widths: GRAPH_COLUMNS,
            };
            table.header(
                f,
                ["Layer (type)", "Output Shape", "Param #", "Connected to"],
            )?;
            model.rows(&mut |row, connections| {
                if result.is_ok() && !core::mem::replace(&mut first, false) {
                    result = table.rule(f, ['├', '─', '┼', '┤']);
                }
                let (name, shape, params) = cells(&row);
                result = result.and_then(|_| {
                    table.row(
                        f,
                        [name.as_str(), shape.as_str(), params.as_str(), connections],
                    )
                });
            });
            result?;
            table.rule(f, ['└', '─', '┴', '┘'])?;
        }
        totals::<E>(f, model.param_count(), model.non_trainable_count())
    }
}

impl<Ins: Syms, Outs: Syms, E: Element> fmt::Debug for GraphSummary<'_, Ins, Outs, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
