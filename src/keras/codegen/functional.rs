//! A Keras functional model (`keras.Model(inputs, outputs)`) as a corten
//! [`Graph`](crate::model::Graph): each layer applied to the nodes Keras's
//! config says it was called on, a shared layer built once and called on
//! each of its nodes, merges on lists of nodes; and a module `shapes` that
//! names every node's sample shape as the compiler computes it from the
//! layers (the model's type is written with them).

use super::{header, input, named_spec, one_or_tuple, problem, uses, Layer, Signature, Spec};
use crate::error::Error;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::Value;

/// A tensor of Keras's config: the output of call `call` of layer `layer`
/// (Keras's `keras_history`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TensorRef {
    layer: String,
    call: usize,
}

/// Keras's `[layer name, node index, tensor index]`; `what` names where it
/// was read, for errors.
fn history(value: &Value, what: &str) -> Result<TensorRef, Error> {
    let bad = || problem(None, format!("{what}: {value} is not a tensor of a layer"));
    let Some([Value::String(layer), call, index]) = value.as_array().map(Vec::as_slice) else {
        return Err(bad());
    };
    let call = call
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(bad)?;
    match index.as_u64() {
        Some(0) => Ok(TensorRef {
            layer: layer.clone(),
            call,
        }),
        Some(i) => Err(problem(
            None,
            format!("{what}: output {i} of layer `{layer}`: the generator reads a layer's first output only (not yet its states)"),
        )),
        None => Err(bad()),
    }
}

/// A `__keras_tensor__` argument of a layer call.
fn keras_tensor(l: &Layer<'_>, value: &Value) -> Result<TensorRef, Error> {
    let history_of = value
        .get("config")
        .and_then(|c| c.get("keras_history"))
        .filter(|_| value.get("class_name").and_then(Value::as_str) == Some("__keras_tensor__"));
    match history_of {
        Some(h) => history(h, &format!("layer `{}`", l.name)),
        None => Err(l.err(format!(
            "called on {value}, not a tensor: the generator applies layers to nodes only"
        ))),
    }
}

/// One call of a layer: the nodes it was applied to (a list for a merge),
/// and the mask Keras passed along.
struct Call {
    inputs: Vec<TensorRef>,
    list: bool,
    mask: Option<TensorRef>,
}

/// Every call of a layer (a shared layer has several), from its
/// `inbound_nodes`.
fn calls(l: &Layer<'_>, value: &Value) -> Result<Vec<Call>, Error> {
    let nodes = value
        .get("inbound_nodes")
        .and_then(Value::as_array)
        .ok_or_else(|| l.err("no `inbound_nodes`: not a layer of a functional model".into()))?;
    let mut calls = Vec::with_capacity(nodes.len());
    for node in nodes {
        let args = node
            .get("args")
            .and_then(Value::as_array)
            .ok_or_else(|| l.err("a call without `args`".into()))?;
        let [first] = args.as_slice() else {
            return Err(l.err(format!(
                "called with {} arguments: the generator applies layers to their input nodes only",
                args.len()
            )));
        };
        let (inputs, list) = match first {
            Value::Array(items) => (
                items
                    .iter()
                    .map(|t| keras_tensor(l, t))
                    .collect::<Result<_, _>>()?,
                true,
            ),
            t => (alloc::vec![keras_tensor(l, t)?], false),
        };
        let mut mask = None;
        for (key, v) in node
            .get("kwargs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            match (key.as_str(), v) {
                (_, Value::Null) | ("training", Value::Bool(_)) => {}
                ("mask", t) => mask = Some(keras_tensor(l, t)?),
                (key, _) => {
                    return Err(l.err(format!(
                        "called with `{key}`: the generator applies layers to their input nodes only (not yet `{key}`)"
                    )))
                }
            }
        }
        calls.push(Call { inputs, list, mask });
    }
    Ok(calls)
}

/// Keras's merge layers, applied to a list of nodes.
const MERGES: [&str; 8] = [
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
];

/// A merge layer's spec.
fn merge(l: &Layer<'_>) -> Result<Spec, Error> {
    let int = |key| -> Result<i64, Error> {
        l.get(key)?
            .as_i64()
            .ok_or_else(|| l.err(format!("`{key}` is not a whole number")))
    };
    Ok(match l.class {
        "Concatenate" => match int("axis")? {
            -1 => Spec {
                ty: "l::Concatenate".into(),
                expr: "l::Concatenate::new()".into(),
            },
            axis => Spec {
                ty: format!("l::Concatenate<{axis}>"),
                expr: format!("l::Concatenate::<{axis}>"),
            },
        },
        "Dot" => {
            let axes = l.get("axes")?;
            let (a1, a2) = match axes {
                Value::Array(pair) => match pair.as_slice() {
                    [a, b] => (a.as_i64(), b.as_i64()),
                    _ => (None, None),
                },
                a => (a.as_i64(), a.as_i64()),
            };
            let (Some(a1), Some(a2)) = (a1, a2) else {
                return Err(l.err(format!("`axes` = {axes}: not an axis or a pair of axes")));
            };
            let ty = match a1 == a2 {
                true => format!("l::Dot<{a1}>"),
                false => format!("l::Dot<{a1}, {a2}>"),
            };
            let normalized = match l.bool("normalize")? {
                true => ".normalized()",
                false => "",
            };
            Spec {
                expr: format!("{}::new(){normalized}", super::turbofish(&ty)),
                ty,
            }
        }
        class => Spec {
            ty: format!("l::{class}"),
            expr: format!("l::{class}"),
        },
    })
}

/// A Rust identifier for Keras's name `name`: lower case, `_` for other
/// characters, not a keyword and not one of `taken`; then marked taken.
fn identifier(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut id: String = name
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_lowercase(),
            false => '_',
        })
        .collect();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, 'n');
    }
    const KEYWORDS: [&str; 39] = [
        "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match",
        "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while",
    ];
    while KEYWORDS.contains(&id.as_str()) || taken.contains(&id) {
        id.push('_');
    }
    taken.insert(id.clone());
    id
}

/// `dense_1` → `Dense1`: the name of a node's shape in `shapes`.
fn camel_case(id: &str) -> String {
    let mut out = String::new();
    for part in id.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() {
        out.push('N');
    }
    out
}

/// A node of the generated graph: its variable and the name of its shape.
#[derive(Clone)]
struct Node {
    var: String,
    shape: String,
}

/// The generated graph, as it is written: the shapes, the statements.
#[derive(Default)]
struct Writer {
    nodes: BTreeMap<TensorRef, Node>,
    /// Identifiers taken by variables, and by shapes.
    vars: BTreeSet<String>,
    shape_names: BTreeSet<String>,
    shapes: String,
    body: String,
    /// Every type written (for the `use` line).
    types: String,
}

impl Writer {
    /// A new node for `tensor`, named after its layer (and its call after
    /// the first, `shared_1`).
    fn node(&mut self, tensor: &TensorRef) -> Node {
        let name = match tensor.call {
            0 => tensor.layer.clone(),
            n => format!("{}_{n}", tensor.layer),
        };
        let var = identifier(&name, &mut self.vars);
        let mut shape = camel_case(&var);
        while !self.shape_names.insert(shape.clone()) {
            shape.push('_');
        }
        let node = Node { var, shape };
        self.nodes.insert(tensor.clone(), node.clone());
        node
    }

    /// The nodes of `call` when all are made, with their shapes as `Apply`
    /// takes them (`Sym<A>`, or `(Sym<A>, Sym<B>)` for a list).
    fn ready(&self, call: &Call) -> Option<(String, String)> {
        let nodes: Option<Vec<&Node>> = call.inputs.iter().map(|t| self.nodes.get(t)).collect();
        let nodes = nodes?;
        let vars: Vec<&str> = nodes.iter().map(|n| n.var.as_str()).collect();
        let syms: Vec<String> = nodes
            .iter()
            .map(|n| format!("corten::model::Sym<{}>", n.shape))
            .collect();
        Some(match call.list {
            true => (
                format!("({})", vars.join(", ")),
                format!("({},)", syms.join(", ")),
            ),
            false => (vars[0].to_string(), syms[0].clone()),
        })
    }

    /// The node `made` by `statement` (`g.add(…)`, `g.call(…)`), its shape
    /// `spec` applied to `syms`.
    fn emit(&mut self, made: &TensorRef, spec_ty: &str, syms: &str, statement: &str) {
        let node = self.node(made);
        self.shapes.push_str(&format!(
            "    pub type {} = <{spec_ty} as corten::model::Apply<{syms}, f32>>::Output;\n",
            node.shape
        ));
        self.body
            .push_str(&format!("    let {} = {statement};\n", node.var));
    }
}

/// A call of a shared layer (or of a layer whose input comes later in
/// Keras's list) waiting for its nodes.
struct Pending {
    layer: String,
    index: usize,
    call: Call,
    handle: String,
    ty: String,
}

/// A functional model: a `Graph` of its layers, built by `model()`.
pub(super) fn generate(
    model_layer: &Layer<'_>,
    layers: &[Value],
    source: &str,
) -> Result<(String, Signature), Error> {
    let (name, model) = (model_layer.name, model_layer.config);
    let mut w = Writer::default();
    for taken in ["g", "model", "keras_file"] {
        w.vars.insert(taken.into());
    }
    let mut names = super::super::AutomaticNames::default();
    let mut inputs = BTreeMap::new();
    // NotEqual(ids, 0): the mask Keras computes for an `Embedding` with
    // `mask_zero`, which corten's masked sequences carry themselves.
    let mut zero_masks: BTreeMap<TensorRef, TensorRef> = BTreeMap::new();
    let mut masked_ids: BTreeSet<TensorRef> = BTreeSet::new();
    let mut pending: Vec<Pending> = Vec::new();
    for value in layers {
        let l = Layer::of(value)?;
        match l.class {
            "InputLayer" => {
                let raw = input(value)?;
                if raw.iter().any(|d| d == "Dyn") {
                    return Err(l.err(
                        "timesteps known only at run time: corten's functional models take inputs of static sizes (not yet `None`)".into(),
                    ));
                }
                let tensor = TensorRef {
                    layer: l.name.into(),
                    call: 0,
                };
                let node = w.node(&tensor);
                let dims: Vec<String> = raw.iter().map(|d| format!("s::Const<{d}>")).collect();
                let shape = format!("({},)", dims.join(", "));
                w.types.push_str(&shape);
                w.shapes
                    .push_str(&format!("    pub type {} = {shape};\n", node.shape));
                w.body.push_str(&format!(
                    "    let {} = g.input_named::<shapes::{}>({:?});\n",
                    node.var, node.shape, l.name
                ));
                inputs.insert(tensor, raw);
                continue;
            }
            "NotEqual" => {
                zero_mask(&l, value, &mut zero_masks)?;
                continue;
            }
            _ => {}
        }
        let is_merge = MERGES.contains(&l.class);
        let spec = match is_merge {
            true => super::with_name(merge(&l)?, &l, &mut names),
            false => named_spec(value, &mut names)?,
        };
        w.types.push_str(&spec.ty);
        let calls = calls(&l, value)?;
        if l.class == "Embedding" && l.config.get("mask_zero") == Some(&Value::Bool(true)) {
            masked_ids.extend(calls.iter().flat_map(|c| c.inputs.iter().cloned()));
        }
        for call in &calls {
            if call.list != is_merge {
                return Err(l.err(match is_merge {
                    true => "a merge layer called on one node, not a list".into(),
                    false => "called on a list of nodes: corten's layers take one".into(),
                }));
            }
            let Some(mask) = &call.mask else { continue };
            let of_ids = zero_masks.get(mask);
            if !of_ids.is_some_and(|ids| masked_ids.contains(ids)) {
                return Err(
                    l.err("given a `mask` other than an Embedding's `mask_zero`: not yet".into())
                );
            }
        }
        let ready = match calls.as_slice() {
            [one] => w.ready(one),
            _ => None,
        };
        match ready {
            // One call on nodes already made: `g.add`.
            Some((vars, syms)) => {
                let made = TensorRef {
                    layer: l.name.into(),
                    call: 0,
                };
                w.emit(
                    &made,
                    &spec.ty,
                    &syms,
                    &format!("g.add({}, {vars})", spec.expr),
                );
            }
            // Shared (or applied to a node made later): built here, as
            // Keras orders the layers, and called where its nodes are.
            None => {
                if is_merge {
                    return Err(l.err(
                        "a merge layer called twice, or on a node made after it: not yet".into(),
                    ));
                }
                let handle = identifier(&format!("{}_layer", l.name), &mut w.vars);
                w.body
                    .push_str(&format!("    let {handle} = g.shared({});\n", spec.expr));
                for (index, call) in calls.into_iter().enumerate() {
                    pending.push(Pending {
                        layer: l.name.into(),
                        index,
                        call,
                        handle: handle.clone(),
                        ty: spec.ty.clone(),
                    });
                }
            }
        }
        // Every waiting call whose nodes are now made, in Keras's order.
        while let Some((at, (vars, syms))) = pending
            .iter()
            .enumerate()
            .find_map(|(at, p)| w.ready(&p.call).map(|nodes| (at, nodes)))
        {
            let p = pending.remove(at);
            let made = TensorRef {
                layer: p.layer,
                call: p.index,
            };
            w.emit(
                &made,
                &p.ty,
                &syms,
                &format!("g.call({}, {vars})", p.handle),
            );
        }
    }
    if let Some(p) = pending.first() {
        return Err(problem(
            Some(&p.layer),
            "called on a node no layer of the model makes".into(),
        ));
    }
    let ends = |key: &str| -> Result<Vec<TensorRef>, Error> {
        let what = format!("the model's `{key}`");
        let list = model
            .get(key)
            .ok_or_else(|| problem(None, format!("no `{key}`")))?;
        let refs = match list.as_array().map(Vec::as_slice) {
            Some([Value::String(_), ..]) => alloc::vec![history(list, &what)?],
            Some(items) => items
                .iter()
                .map(|v| history(v, &what))
                .collect::<Result<_, _>>()?,
            None => return Err(problem(None, format!("{what} is not a list"))),
        };
        if refs.is_empty() {
            return Err(problem(None, format!("{what} is empty")));
        }
        Ok(refs)
    };
    let (ins, outs) = (ends("input_layers")?, ends("output_layers")?);
    let node_of = |t: &TensorRef| {
        w.nodes.get(t).cloned().ok_or_else(|| {
            problem(
                None,
                format!("no node `{}` (call {}) in the model", t.layer, t.call),
            )
        })
    };
    let in_nodes: Vec<Node> = ins.iter().map(node_of).collect::<Result<_, _>>()?;
    let out_nodes: Vec<Node> = outs.iter().map(node_of).collect::<Result<_, _>>()?;
    let mut input_dims = Vec::with_capacity(ins.len());
    for t in &ins {
        let dims = inputs.get(t).ok_or_else(|| {
            problem(
                None,
                format!("the model input `{}` is not an `InputLayer`", t.layer),
            )
        })?;
        input_dims.push(dims.clone());
    }
    let sym_types = |nodes: &[Node]| {
        one_or_tuple(
            nodes
                .iter()
                .map(|n| format!("corten::model::Sym<shapes::{}>", n.shape))
                .collect(),
        )
    };
    let vars = |nodes: &[Node]| one_or_tuple(nodes.iter().map(|n| n.var.clone()).collect());
    let mut out = header(source, name);
    out.push_str(&uses(&w.types));
    out.push_str(&format!(
        "/// Each node's sample shape in the Keras model `{name}` (Keras's\n\
         /// `layer.output.shape` without the batch), as the compiler computes it\n\
         /// from the layers.\n\
         pub mod shapes {{\n    #![allow(missing_docs)]\n    use super::*;\n\n{}}}\n\n",
        w.shapes
    ));
    out.push_str(&format!(
        "/// The Keras model `{name}`: its inputs and outputs.\n\
         pub type Model = corten::model::Model<{}, {}>;\n\n",
        sym_types(&in_nodes),
        sym_types(&out_nodes)
    ));
    out.push_str(super::MODEL_FN_DOC);
    out.push_str(&format!(
        "pub fn model(keras_file: &[u8]) -> Result<Model, corten::Error> {{\n    \
             let mut g = corten::model::Graph::<f32>::new();\n\
             {}    \
             let mut model = g.build({}, {})?;\n    \
             model.load_keras_weights_from_bytes(keras_file)?;\n    \
             Ok(model)\n\
         }}\n",
        w.body,
        vars(&in_nodes),
        vars(&out_nodes)
    ));
    let signature = Signature {
        inputs: Signature::keys("x", ins.len())
            .into_iter()
            .zip(input_dims)
            .collect(),
        outputs: Signature::keys("y", outs.len()),
    };
    Ok((out, signature))
}

/// Keras's `NotEqual(ids, 0)`, recorded as the mask of `ids`; any other
/// `NotEqual` is an error.
fn zero_mask(
    l: &Layer<'_>,
    value: &Value,
    masks: &mut BTreeMap<TensorRef, TensorRef>,
) -> Result<(), Error> {
    let nodes = value
        .get("inbound_nodes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (call, node) in nodes.iter().enumerate() {
        let args = node
            .get("args")
            .and_then(Value::as_array)
            .map(Vec::as_slice);
        let Some([ids, zero]) = args else {
            return Err(l.err("not the mask of an Embedding's `mask_zero`: not yet".into()));
        };
        if zero.as_f64() != Some(0.0) {
            return Err(l.err(format!(
                "`!= {zero}`: the generator reads only the mask of an Embedding's `mask_zero`"
            )));
        }
        masks.insert(
            TensorRef {
                layer: l.name.into(),
                call,
            },
            keras_tensor(l, ids)?,
        );
    }
    Ok(())
}
