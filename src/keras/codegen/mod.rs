//! The Rust source of a corten model from a Keras 3 `.keras` file: its
//! `config.json` read layer by layer into `sequential!` specs (or, for a
//! functional model, a `Graph`, in `functional`) with the compiler-checked
//! shapes, and a function that loads the file's weights.
//! A layer or an option corten does not have is an error naming it, never
//! code that computes something else.

use crate::error::Error;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{Map, Value};

mod functional;

/// Keras's layer configs: `name → value`.
type Config = Map<String, Value>;

/// One layer of the generated model: its spec type (for `model_type!`) and
/// the expression that builds it (for `sequential!`).
struct Spec {
    ty: String,
    expr: String,
}

/// What a generated model takes and gives, for the test `--check` writes.
struct Signature {
    /// Each input's key in the check file (`x`, or `x0`, `x1`, …) and its
    /// dimensions after the batch (`Dyn` or a size each).
    inputs: Vec<(String, Vec<String>)>,
    /// Each output's key in the check file (`y`, or `y0`, `y1`, …).
    outputs: Vec<String>,
}

impl Signature {
    /// The keys of `count` arrays: `x`, or `x0`, `x1`, … for several.
    fn keys(prefix: &str, count: usize) -> Vec<String> {
        match count {
            1 => alloc::vec![prefix.to_string()],
            n => (0..n).map(|i| format!("{prefix}{i}")).collect(),
        }
    }
}

/// Writes the Rust source of a corten model for the Keras 3 model saved in
/// `keras_file` (the bytes of `model.save("m.keras")`): a type `Model` and
/// a function `model(keras_file: &[u8]) -> Result<Model, corten::Error>`
/// that builds it and loads its weights from those bytes (`include_bytes!`
/// them, or read the file). A `Sequential` model becomes a `sequential!`
/// one; a functional model (`keras.Model(inputs, outputs)`: several
/// inputs and outputs, skip connections, shared layers, merges) a
/// [`Graph`](crate::model::Graph), with a module `shapes` naming each
/// node's shape. `source` names the file in the generated comment.
///
/// An error naming the layer and the option when the model holds a layer
/// or an option corten does not have (a regularizer, causal padding, a
/// layer called with `initial_state`), or the file is not a `.keras` file.
///
/// ```
/// let keras_file = std::fs::read("examples/keras/digits_cnn.keras")?;
/// let rust = corten::keras::rust_from_keras(&keras_file, "digits_cnn.keras")?;
/// assert!(rust.contains("l::Conv2D<16, 3, a::Linear, s::Same>"));
/// assert!(rust.contains("(l::Conv2D::<16, 3, a::Linear, s::Same>::new().without_bias())"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rust_from_keras(keras_file: &[u8], source: &str) -> Result<String, Error> {
    generate(&config_json(keras_file)?, source).map(|(rust, _)| rust)
}

/// The text of the `config.json` inside a `.keras` file.
fn config_json(keras_file: &[u8]) -> Result<String, Error> {
    let config = super::zip_entry(keras_file, "config.json")?;
    String::from_utf8(config).map_err(|_| problem(None, "config.json is not UTF-8 text".into()))
}

/// [`rust_from_keras`], and a test beside the model that checks its
/// predictions against Keras's own, as `cargo test` runs it: `check` is
/// the path (from the crate's root) of an `.npz` the user saved beside the
/// model with `np.savez(check, x=x, y=model.predict(x))` (for a model of
/// several inputs or outputs `x0=…, x1=…` and `y0=…, y1=…`, in the model's
/// order), and `keras_path` the `.keras` file's path from the crate's root
/// (the test reads both).
///
/// ```
/// let keras_file = std::fs::read("examples/keras/digits_cnn.keras")?;
/// let rust = corten::keras::rust_from_keras_checked(
///     &keras_file,
///     "examples/keras/digits_cnn.keras",
///     "examples/keras/digits_cnn_check.npz",
/// )?;
/// assert!(rust.contains("fn predictions_match_keras()"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rust_from_keras_checked(
    keras_file: &[u8],
    keras_path: &str,
    check: &str,
) -> Result<String, Error> {
    let (mut rust, signature) = generate(&config_json(keras_file)?, keras_path)?;
    rust.push_str(&check_text(&signature, keras_path, check));
    Ok(rust)
}

/// The test module `--check` adds: the model's predictions on the check
/// file's inputs against Keras's outputs stored beside them.
fn check_text(signature: &Signature, keras_path: &str, check: &str) -> String {
    let mut reads = String::new();
    for (key, dims) in &signature.inputs {
        let axes: Vec<String> = dims
            .iter()
            .map(|d| match d.as_str() {
                "Dyn" => "s::Dyn".to_string(),
                n => format!("s::Const<{n}>"),
            })
            .collect();
        reads.push_str(&format!(
            "        let {key} = Tensor::<(s::Dyn, {})>::read_npz(&check_file, {key:?})?;\n",
            axes.join(", ")
        ));
    }
    let ins = one_or_tuple(
        signature
            .inputs
            .iter()
            .map(|(k, _)| format!("&{k}"))
            .collect(),
    );
    let outs = one_or_tuple(signature.outputs.clone());
    let mut checks = String::new();
    for key in &signature.outputs {
        checks.push_str(&format!(
            "        matches_keras(&{key}, &check_file, {key:?})?;\n"
        ));
    }
    let saved_as = match (signature.inputs.len(), signature.outputs.len()) {
        (1, 1) => " x=x,\n/// y=model.predict(x)".to_string(),
        _ => {
            let keys: Vec<&str> = signature.inputs.iter().map(|(k, _)| k.as_str()).collect();
            let keys = keys
                .iter()
                .copied()
                .chain(signature.outputs.iter().map(String::as_str));
            let keys: Vec<String> = keys.map(|k| format!("{k}=…")).collect();
            format!("\n/// {}", keys.join(", "))
        }
    };
    format!(
        "\n/// Keras's own predictions (`{check}`, saved with `np.savez(…,{saved_as})`)\n\
         /// against the model's.\n\
         #[cfg(test)]\n\
         mod keras_check {{\n    \
             use corten::{{shape as s, Tensor}};\n    \
             use std::path::Path;\n\n    \
             /// `ours` against array `name` of the check file.\n    \
             fn matches_keras<S: s::Shape>(ours: &Tensor<S>, check_file: &Path, name: &str) -> Result<(), corten::Error> {{\n        \
                 let keras = Tensor::<S>::read_npz(check_file, name)?;\n        \
                 assert_eq!(ours.sizes(), keras.sizes(), \"{{name}}: the shape\");\n        \
                 for (i, (&ours, &theirs)) in ours.as_slice().iter().zip(keras.as_slice()).enumerate() {{\n            \
                     assert!(\n                \
                         (ours - theirs).abs() <= 1e-5 * theirs.abs() + 1e-6,\n                \
                         \"{{name}}, output {{i}}: {{ours}} here, {{theirs}} in Keras\"\n            \
                     );\n        \
                 }}\n        \
                 Ok(())\n    \
             }}\n\n    \
             #[test]\n    \
             fn predictions_match_keras() -> Result<(), corten::Error> {{\n        \
                 let root = Path::new(env!(\"CARGO_MANIFEST_DIR\"));\n        \
                 let keras_file = std::fs::read(root.join({keras_path:?})).expect({keras_path:?});\n        \
                 let check_file = root.join({check:?});\n        \
                 let model = super::model(&keras_file)?;\n\
                 {reads}        \
                 let {outs} = model.predict({ins})?;\n\
                 {checks}        \
                 Ok(())\n    \
             }}\n\
         }}\n"
    )
}

/// One item as it is, several as a tuple: `x`, or `(x0, x1)`.
fn one_or_tuple(items: Vec<String>) -> String {
    match items.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", items.join(", ")),
    }
}

/// [`rust_from_keras`] from the text of the `config.json` inside a
/// `.keras` file (what `model.to_json()` writes).
///
/// ```
/// let config = r#"{"class_name": "Functional", "config": {"layers": []}}"#;
/// let err = corten::keras::rust_from_keras_config(config, "m.keras").unwrap_err();
/// assert_eq!(err.to_string(), "Keras model: a model without layers");
/// ```
pub fn rust_from_keras_config(config: &str, source: &str) -> Result<String, Error> {
    generate(config, source).map(|(rust, _)| rust)
}

/// The generated source, and what the model takes and gives.
fn generate(config: &str, source: &str) -> Result<(String, Signature), Error> {
    let config: Value = serde_json::from_str(config)
        .map_err(|e| problem(None, format!("config.json is not JSON: {e}")))?;
    let model = Layer::envelope(&config, "model")?;
    let class = model.class;
    let layers = model
        .config
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| problem(None, format!("a `{class}` model without `layers`")))?;
    let Some((first, rest)) = layers.split_first() else {
        return Err(problem(None, "a model without layers".into()));
    };
    match class {
        "Sequential" => sequential(&model, (first, rest), source),
        "Functional" | "Model" => functional::generate(&model, layers, source),
        other => Err(problem(
            None,
            format!("a `{other}` model: the generator writes `Sequential` and functional models"),
        )),
    }
}

/// A `Sequential` model: a `model_type!` and a `sequential!` of its layers.
fn sequential(
    model: &Layer<'_>,
    (first, rest): (&Value, &[Value]),
    source: &str,
) -> Result<(String, Signature), Error> {
    let name = model.name;
    let input = input(first)?;
    let mut specs = Vec::with_capacity(rest.len());
    // Keras's automatic names (`dense`, `dense_1`, …), which corten gives
    // too: a layer named otherwise keeps its name (`.named(…)`).
    let mut names = super::AutomaticNames::default();
    for layer in rest {
        specs.push(named_spec(layer, &mut names)?);
    }
    let text = source_text(
        name,
        source,
        &format!("Input<{}>", input.join(", ")),
        &specs,
    );
    let signature = Signature {
        inputs: alloc::vec![("x".into(), input)],
        outputs: alloc::vec!["y".into()],
    };
    Ok((text, signature))
}

/// A layer's spec, `.named(…)` when Keras's name is not the automatic one
/// corten gives it too.
fn named_spec(layer: &Value, names: &mut super::AutomaticNames) -> Result<Spec, Error> {
    Ok(with_name(spec(layer)?, &Layer::of(layer)?, names))
}

/// `spec`, `.named(…)` when Keras's name for `l` is not the automatic one.
fn with_name(mut spec: Spec, l: &Layer<'_>, names: &mut super::AutomaticNames) -> Spec {
    // Keras's activation layers are corten's `Activation`, named as it is.
    let class = match l.class {
        "ReLU" | "LeakyReLU" | "ELU" | "Softmax" => "Activation",
        class => class,
    };
    if !names.is_next(class, l.name) {
        spec.expr = format!("l::WithName::named({}, {:?})", spec.expr, l.name);
        spec.ty = format!("l::Named<{}>", spec.ty);
    }
    spec
}

/// The modules `text` names, as a `use` line: `a::Relu`, `l::Dense`, `s::Same`.
fn uses(text: &str) -> String {
    let modules: Vec<&str> = [
        ("a::", "activation as a"),
        ("l::", "layer as l"),
        ("s::", "shape as s"),
    ]
    .into_iter()
    .filter(|(prefix, _)| text.contains(prefix))
    .map(|(_, module)| module)
    .collect();
    format!("use corten::{{{}}};\n\n", modules.join(", "))
}

/// The generated file's first lines: where it came from.
fn header(source: &str, name: &str) -> String {
    format!(
        "// Generated by corten-keras from `{source}` (the Keras model `{name}`); do not edit,\n\
         // generate it again: `cargo run --bin corten-keras -- {source} --out <this file>`.\n\n"
    )
}

/// The doc comment of the generated `model` function.
const MODEL_FN_DOC: &str =
    "/// The model, its weights read from `keras_file` (the bytes of the `.keras`\n\
     /// file it was generated from, or of a `.weights.h5` of the same model); an\n\
     /// error naming the layer when they do not fit.\n";

/// The generated module's text.
fn source_text(name: &str, source: &str, input: &str, specs: &[Spec]) -> String {
    let mut out = header(source, name);
    let types: String = specs.iter().map(|s| s.ty.as_str()).collect();
    out.push_str(&uses(&types));
    out.push_str(&format!("/// The Keras model `{name}`, layer by layer.\n"));
    out.push_str(&format!(
        "pub type Model = corten::model_type![\n    {input},\n"
    ));
    for spec in specs {
        out.push_str(&format!("    {},\n", spec.ty));
    }
    out.push_str("];\n\n");
    out.push_str(MODEL_FN_DOC);
    out.push_str("pub fn model(keras_file: &[u8]) -> Result<Model, corten::Error> {\n");
    out.push_str(&format!(
        "    let mut model: Model = corten::sequential![\n        {input},\n"
    ));
    for spec in specs {
        out.push_str(&format!("        ({}),\n", spec.expr));
    }
    out.push_str(
        "    ];\n    model.load_keras_weights_from_bytes(keras_file)?;\n    Ok(model)\n}\n",
    );
    out
}

fn problem(layer: Option<&str>, problem: String) -> Error {
    Error::KerasConfig {
        layer: layer.map(Into::into),
        problem,
    }
}

/// A layer's config, with its name and class for errors.
struct Layer<'a> {
    class: &'a str,
    name: &'a str,
    config: &'a Config,
}

impl<'a> Layer<'a> {
    fn of(value: &'a Value) -> Result<Self, Error> {
        Self::envelope(value, "layer")
    }

    /// Keras's `{"class_name": …, "config": {"name": …, …}}` of a layer or
    /// (`what`) a model.
    fn envelope(value: &'a Value, what: &str) -> Result<Self, Error> {
        let class = value
            .get("class_name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let config = value
            .get("config")
            .and_then(Value::as_object)
            .ok_or_else(|| problem(None, format!("a `{class}` {what} without its config")))?;
        let name = config.get("name").and_then(Value::as_str).unwrap_or(class);
        Ok(Layer {
            class,
            name,
            config,
        })
    }

    fn err(&self, what: String) -> Error {
        problem(Some(&format!("{} ({})", self.name, self.class)), what)
    }

    fn get(&self, key: &str) -> Result<&'a Value, Error> {
        self.config
            .get(key)
            .ok_or_else(|| self.err(format!("no `{key}` in its config")))
    }

    fn usize(&self, key: &str) -> Result<usize, Error> {
        self.get(key)?
            .as_u64()
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| self.err(format!("`{key}` is not a whole number")))
    }

    fn f64(&self, key: &str) -> Result<f64, Error> {
        self.get(key)?
            .as_f64()
            .ok_or_else(|| self.err(format!("`{key}` is not a number")))
    }

    fn bool(&self, key: &str) -> Result<bool, Error> {
        self.get(key)?
            .as_bool()
            .ok_or_else(|| self.err(format!("`{key}` is not true or false")))
    }

    fn str(&self, key: &str) -> Result<&'a str, Error> {
        self.get(key)?
            .as_str()
            .ok_or_else(|| self.err(format!("`{key}` is not a string")))
    }

    /// A size Keras stores as a tuple with one entry per spatial axis
    /// (`kernel_size`, `strides`): the same on every axis, as corten's
    /// layers take them.
    fn square(&self, key: &str, axes: usize) -> Result<usize, Error> {
        let value = self.get(key)?;
        let sizes: Vec<Option<u64>> = match value {
            Value::Array(items) => items.iter().map(Value::as_u64).collect(),
            v => alloc::vec![v.as_u64()],
        };
        match sizes.as_slice() {
            [Some(first), rest @ ..]
                if sizes.len() == axes && rest.iter().all(|v| *v == Some(*first)) =>
            {
                usize::try_from(*first).map_err(|_| self.err(format!("`{key}` is too large")))
            }
            _ => Err(self.err(format!(
                "`{key}` = {value}: corten's layers take one size for every axis"
            ))),
        }
    }

    /// A size Keras stores as a pair (`kernel_size`, `strides` of a Conv2D):
    /// `(height, width)`.
    fn pair(&self, key: &str) -> Result<(usize, usize), Error> {
        let value = self.get(key)?;
        let sizes: Option<Vec<usize>> = value.as_array().and_then(|items| {
            items
                .iter()
                .map(|v| v.as_u64().and_then(|n| usize::try_from(n).ok()))
                .collect()
        });
        match sizes.as_deref() {
            Some(&[h, w]) => Ok((h, w)),
            _ => Err(self.err(format!("`{key}` = {value}: not a pair of sizes"))),
        }
    }

    /// Checks `key` is `want` (an option corten has only at Keras's default).
    fn expect(&self, key: &str, want: &Value, what: &str) -> Result<(), Error> {
        match self.config.get(key) {
            None => Ok(()),
            Some(v) if v == want => Ok(()),
            Some(v) => Err(self.err(format!("`{key}` = {v}: corten has {what} only"))),
        }
    }

    /// No regularizer or constraint: corten has none, and they change `fit`.
    fn no_regularizers(&self) -> Result<(), Error> {
        for (key, value) in self.config {
            if (key.ends_with("_regularizer") || key.ends_with("_constraint")) && !value.is_null() {
                return Err(self.err(format!(
                    "`{key}` is set: corten has no regularizers or constraints yet"
                )));
            }
        }
        Ok(())
    }

    /// The float32 compute dtype (corten's models here are f32).
    fn float32(&self) -> Result<(), Error> {
        let dtype = match self.config.get("dtype") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::String(s)) => s.as_str(),
            Some(policy) => policy
                .get("config")
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("?"),
        };
        match dtype {
            "float32" => Ok(()),
            other => Err(self.err(format!(
                "dtype `{other}`: the generator writes float32 models"
            ))),
        }
    }

    fn channels_last(&self) -> Result<(), Error> {
        match self.config.get("data_format") {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(s)) if s == "channels_last" => Ok(()),
            Some(v) => Err(self.err(format!(
                "`data_format` = {v}: corten's images are channels_last"
            ))),
        }
    }

    fn padding(&self) -> Result<&'static str, Error> {
        match self.str("padding")? {
            "valid" => Ok("s::Valid"),
            "same" => Ok("s::Same"),
            other => Err(self.err(format!(
                "`padding` = \"{other}\": corten has \"valid\" and \"same\""
            ))),
        }
    }

    fn activation(&self, key: &str) -> Result<&'static str, Error> {
        let name = self.str(key)?;
        Ok(match name {
            "linear" => "a::Linear",
            "relu" => "a::Relu",
            "sigmoid" => "a::Sigmoid",
            "tanh" => "a::Tanh",
            "softmax" => "a::Softmax",
            "selu" => "a::Selu",
            "gelu" => "a::Gelu",
            "silu" | "swish" => "a::Silu",
            "softplus" => "a::Softplus",
            "softsign" => "a::Softsign",
            "relu6" => "a::Relu6",
            "hard_sigmoid" => "a::HardSigmoid",
            // Keras's defaults: negative_slope=0.2, alpha=1.0 (corten's too).
            "leaky_relu" => "a::LeakyRelu",
            "elu" => "a::Elu",
            other => {
                return Err(self.err(format!(
                    "`{key}` = \"{other}\": not an activation the generator knows"
                )))
            }
        })
    }
}

/// A generic type written without its trailing arguments that are the
/// defaults: `Conv2D<8, 3, a::Relu>` rather than `Conv2D<8, 3, a::Relu,
/// s::Valid, 1, 1, 1>`.
fn generic(name: &str, args: &[String], defaults: &[&str]) -> String {
    // The last `defaults.len()` arguments have defaults.
    let first_default = args.len().saturating_sub(defaults.len());
    let mut keep = args.len();
    while keep > first_default && args[keep - 1] == defaults[keep - 1 - first_default] {
        keep -= 1;
    }
    format!("{name}<{}>", args[..keep].join(", "))
}

/// The dimensions of `Input<…>` (after the batch) from the first layer,
/// Keras's `InputLayer`.
fn input(value: &Value) -> Result<Vec<String>, Error> {
    let layer = Layer::of(value)?;
    if layer.class != "InputLayer" {
        return Err(layer.err(
            "the first layer is not an `InputLayer`: give the Keras model a `keras.Input`".into(),
        ));
    }
    let shape = layer
        .get("batch_shape")?
        .as_array()
        .ok_or_else(|| layer.err("`batch_shape` is not a list".into()))?;
    let mut dims = Vec::new();
    for (axis, d) in shape.iter().enumerate().skip(1) {
        match (d.as_u64(), axis) {
            (Some(n), _) if n > 0 => dims.push(n.to_string()),
            (None, 1) if d.is_null() && shape.len() > 2 => dims.push("Dyn".into()),
            _ => {
                return Err(layer.err(format!(
                    "`batch_shape` {}: corten's inputs have fixed sizes after the batch (the timesteps may be None)",
                    Value::Array(shape.clone())
                )))
            }
        }
    }
    if dims.is_empty() {
        return Err(layer.err("an input of scalars: corten's inputs have a shape".into()));
    }
    Ok(dims)
}

fn spec(value: &Value) -> Result<Spec, Error> {
    let l = Layer::of(value)?;
    l.float32()?;
    l.no_regularizers()?;
    let no_bias = |l: &Layer<'_>| -> Result<&'static str, Error> {
        Ok(if l.bool("use_bias")? {
            ""
        } else {
            ".without_bias()"
        })
    };
    match l.class {
        "Dense" => {
            let ty = generic(
                "l::Dense",
                &[
                    l.usize("units")?.to_string(),
                    l.activation("activation")?.into(),
                ],
                &["a::Linear"],
            );
            Ok(Spec {
                expr: format!("{}::new(){}", turbofish(&ty), no_bias(&l)?),
                ty,
            })
        }
        "Conv2D" | "Conv1D" | "DepthwiseConv2D" | "Conv2DTranspose" => conv(&l, no_bias(&l)?),
        "MaxPooling2D" | "AveragePooling2D" | "MaxPooling1D" | "AveragePooling1D" => {
            l.channels_last()?;
            let padding = l.padding()?.to_string();
            let ty = match l.class.ends_with("2D") {
                true => {
                    let (ph, pw) = l.pair("pool_size")?;
                    let (sh, sw) = match l.config.get("strides") {
                        None | Some(Value::Null) => (ph, pw),
                        _ => l.pair("strides")?,
                    };
                    let [ph, pw, sh, sw] = [ph, pw, sh, sw].map(|n| n.to_string());
                    let defaults = ["s::Valid", &ph, &ph, &sh];
                    let args = [ph.clone(), padding, sh.clone(), pw, sw];
                    generic(&format!("l::{}", l.class), &args, &defaults)
                }
                false => {
                    let pool = l.square("pool_size", 1)?;
                    let strides = match l.config.get("strides") {
                        None | Some(Value::Null) => pool,
                        _ => l.square("strides", 1)?,
                    };
                    let args = [pool.to_string(), padding, strides.to_string()];
                    generic(
                        &format!("l::{}", l.class),
                        &args,
                        &["s::Valid", &pool.to_string()],
                    )
                }
            };
            Ok(Spec {
                expr: format!("{}::default()", turbofish(&ty)),
                ty,
            })
        }
        "GlobalAveragePooling2D"
        | "GlobalMaxPooling2D"
        | "GlobalAveragePooling1D"
        | "GlobalMaxPooling1D" => {
            l.channels_last()?;
            l.expect("keepdims", &Value::Bool(false), "keepdims=False")?;
            let ty = format!("l::{}", l.class);
            Ok(Spec {
                expr: format!("{ty}::default()"),
                ty,
            })
        }
        "Flatten" => {
            l.channels_last()?;
            Ok(Spec {
                ty: "l::Flatten".into(),
                expr: "l::Flatten".into(),
            })
        }
        "Dropout" => {
            l.expect("noise_shape", &Value::Null, "noise_shape=None")?;
            Ok(Spec {
                ty: "l::Dropout".into(),
                expr: format!("l::Dropout::new({:?})", l.f64("rate")? as f32),
            })
        }
        "Activation" => {
            let a = l.activation("activation")?;
            let value = match a {
                "a::LeakyRelu" | "a::Elu" => format!("{a}::default()"),
                unit => unit.to_string(),
            };
            Ok(activation_layer(a, &value))
        }
        // Keras's activation layers, as corten's `Activation`.
        "ReLU" => {
            let number = |key| l.config.get(key).and_then(Value::as_f64);
            match (
                number("max_value"),
                number("negative_slope"),
                number("threshold"),
            ) {
                (None, None | Some(0.0), None | Some(0.0)) => {
                    Ok(activation_layer("a::Relu", "a::Relu"))
                }
                (Some(6.0), None | Some(0.0), None | Some(0.0)) => {
                    Ok(activation_layer("a::Relu6", "a::Relu6"))
                }
                (None, Some(slope), None | Some(0.0)) => Ok(activation_layer(
                    "a::LeakyRelu",
                    &format!("a::LeakyRelu {{ negative_slope: {slope:?} }}"),
                )),
                _ => Err(l.err(
                    "a `max_value` other than 6 or a `threshold`: corten's ReLU has neither".into(),
                )),
            }
        }
        "LeakyReLU" => {
            // Keras 3 says `negative_slope`, Keras 2 `alpha`.
            let key = match l.config.contains_key("negative_slope") {
                true => "negative_slope",
                false => "alpha",
            };
            let slope = l.f64(key)?;
            Ok(activation_layer(
                "a::LeakyRelu",
                &format!("a::LeakyRelu {{ negative_slope: {slope:?} }}"),
            ))
        }
        "ELU" => Ok(activation_layer(
            "a::Elu",
            &format!("a::Elu {{ alpha: {:?} }}", l.f64("alpha")?),
        )),
        "Softmax" => {
            l.expect("axis", &Value::from(-1), "axis=-1")?;
            Ok(activation_layer("a::Softmax", "a::Softmax"))
        }
        "BatchNormalization" | "LayerNormalization" => normalization(&l),
        "Embedding" => {
            let (vocab, dim) = (l.usize("input_dim")?, l.usize("output_dim")?);
            let mask = l.config.get("mask_zero").and_then(Value::as_bool) == Some(true);
            Ok(Spec {
                ty: match mask {
                    true => format!("l::Embedding<{vocab}, {dim}, l::MaskZero>"),
                    false => format!("l::Embedding<{vocab}, {dim}>"),
                },
                expr: format!(
                    "l::Embedding::<{vocab}, {dim}>::new(){}",
                    if mask { ".mask_zero()" } else { "" }
                ),
            })
        }
        "SimpleRNN" | "LSTM" | "GRU" => recurrent(&l, no_bias(&l)?),
        "TimeDistributed" => {
            let inner = spec(l.get("layer")?)?;
            Ok(Spec {
                ty: format!("l::TimeDistributed<{}>", inner.ty),
                expr: format!("l::TimeDistributed::new({})", inner.expr),
            })
        }
        "Bidirectional" => bidirectional(&l),
        "ZeroPadding2D" | "Cropping2D" => {
            l.channels_last()?;
            let key = if l.class == "Cropping2D" {
                "cropping"
            } else {
                "padding"
            };
            let value = l.get(key)?;
            let sizes: Vec<Option<u64>> = value
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                        .map(|v| v.as_u64())
                        .collect()
                })
                .unwrap_or_default();
            match sizes.as_slice() {
                [Some(p), rest @ ..] if sizes.len() == 4 && rest.iter().all(|v| *v == Some(*p)) => {
                    unit(format!("l::{}<{p}>", l.class))
                }
                _ => Err(l.err(format!(
                    "`{key}` = {value}: corten's {} takes the same size on every side",
                    l.class
                ))),
            }
        }
        "UpSampling2D" => {
            l.channels_last()?;
            l.expect(
                "interpolation",
                &Value::from("nearest"),
                "interpolation=\"nearest\"",
            )?;
            unit(format!("l::UpSampling2D<{}>", l.square("size", 2)?))
        }
        "Reshape" => {
            let dims = whole_numbers(&l, "target_shape")?;
            match dims.len() {
                1..=3 => {
                    let ty = format!("l::Reshape{}<{}>", dims.len(), dims.join(", "));
                    Ok(Spec {
                        expr: format!("{}::default()", turbofish(&ty)),
                        ty,
                    })
                }
                _ => Err(l.err("a `target_shape` of more than 3 axes".into())),
            }
        }
        "Permute" => {
            let dims = whole_numbers(&l, "dims")?;
            match dims.len() {
                2 | 3 => unit(format!("l::Permute<{}>", dims.join(", "))),
                _ => Err(l.err("`dims` of other than 2 or 3 axes".into())),
            }
        }
        "RepeatVector" => unit(format!("l::RepeatVector<{}>", l.usize("n")?)),
        "Masking" => Ok(Spec {
            ty: "l::Masking".into(),
            expr: format!("l::Masking::new({:?})", l.f64("mask_value")? as f32),
        }),
        other => Err(l.err(format!("`{other}`: not a layer the generator knows yet"))),
    }
}

/// corten's `Activation` layer of the function type `a`, built from `value`.
fn activation_layer(a: &str, value: &str) -> Spec {
    Spec {
        ty: format!("l::Activation<{a}>"),
        expr: format!("l::Activation({value})"),
    }
}

/// A layer without options whose spec is a unit struct: `ty` is its value.
fn unit(ty: String) -> Result<Spec, Error> {
    Ok(Spec {
        expr: turbofish(&ty),
        ty,
    })
}

/// A list of whole numbers (`target_shape`, `dims`), as written.
fn whole_numbers(l: &Layer<'_>, key: &str) -> Result<Vec<String>, Error> {
    let value = l.get(key)?;
    value
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|v| v.as_u64().filter(|&n| n > 0).map(|n| n.to_string()))
                .collect()
        })
        .ok_or_else(|| l.err(format!("`{key}` = {value}: not a list of sizes")))
}

/// Keras's `Bidirectional(layer, merge_mode=…)`, whose backward layer is
/// the forward one going backwards (as corten builds it).
fn bidirectional(l: &Layer<'_>) -> Result<Spec, Error> {
    let forward = l.get("layer")?;
    if let Some(backward) = l.config.get("backward_layer").filter(|b| !b.is_null()) {
        // The same config but for the name, the direction and the
        // initializers (the weights come from the file).
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(c) = v.get_mut("config").and_then(Value::as_object_mut) {
                c.retain(|key, _| {
                    key != "name" && key != "go_backwards" && !key.ends_with("_initializer")
                });
            }
            v
        };
        if strip(forward) != strip(backward) {
            return Err(
                l.err("a `backward_layer` other than the forward layer going backwards".into())
            );
        }
    }
    let inner = spec(forward)?;
    let merge = match l.get("merge_mode")? {
        Value::String(m) if m == "concat" => None,
        Value::String(m) if m == "sum" => Some("l::Add"),
        Value::String(m) if m == "mul" => Some("l::Multiply"),
        Value::String(m) if m == "ave" => Some("l::Average"),
        other => {
            return Err(l.err(format!(
                "`merge_mode` = {other}: in a Sequential model corten merges by concat, sum, mul or ave"
            )))
        }
    };
    Ok(match merge {
        None => Spec {
            ty: format!("l::Bidirectional<{}>", inner.ty),
            expr: format!("l::Bidirectional::new({})", inner.expr),
        },
        Some(m) => Spec {
            ty: format!("l::Bidirectional<{}, {m}>", inner.ty),
            expr: format!("l::Bidirectional::with_merge({}, {m})", inner.expr),
        },
    })
}

/// `Conv2D<8, 3, a::Relu>` → `Conv2D::<8, 3, a::Relu>`.
fn turbofish(ty: &str) -> String {
    match ty.find('<') {
        Some(i) => format!("{}::{}", &ty[..i], &ty[i..]),
        None => ty.into(),
    }
}

fn conv(l: &Layer<'_>, no_bias: &str) -> Result<Spec, Error> {
    l.channels_last()?;
    let axes = if l.class == "Conv1D" { 1 } else { 2 };
    // Conv2D's and DepthwiseConv2D's kernel and strides may be pairs (read
    // below); the others' not.
    let square = |key| match l.class {
        "Conv2D" | "DepthwiseConv2D" => Ok(String::new()),
        _ => l.square(key, axes).map(|n| n.to_string()),
    };
    let (kernel, strides) = (square("kernel_size")?, square("strides")?);
    let activation = l.activation("activation")?.to_string();
    let padding = l.padding()?.to_string();
    // Height and width of the kernel, the stride and (Conv2D) the dilation.
    let pair = |key| -> Result<[String; 2], Error> {
        let (h, w) = l.pair(key)?;
        Ok([h.to_string(), w.to_string()])
    };
    let dilation = match l.class {
        "Conv2D" => String::new(),
        _ => l.square("dilation_rate", axes)?.to_string(),
    };
    let ty = match l.class {
        "Conv2D" => {
            let [kh, kw] = pair("kernel_size")?;
            let [sh, sw] = pair("strides")?;
            let [dh, dw] = pair("dilation_rate")?;
            let args = [
                l.usize("filters")?.to_string(),
                kh.clone(),
                activation,
                padding,
                sh.clone(),
                dh.clone(),
                l.usize("groups")?.to_string(),
                kw,
                sw,
                dw,
            ];
            generic(
                "l::Conv2D",
                &args,
                &["a::Linear", "s::Valid", "1", "1", "1", &kh, &sh, &dh],
            )
        }
        _ if dilation != "1" => {
            return Err(l.err(format!(
                "`dilation_rate` {dilation}: corten's {} has no dilation",
                l.class
            )))
        }
        "DepthwiseConv2D" => {
            let [kh, kw] = pair("kernel_size")?;
            let [sh, sw] = pair("strides")?;
            let multiplier = l.usize("depth_multiplier")?.to_string();
            let args = [
                kh.clone(),
                activation,
                padding,
                sh.clone(),
                multiplier,
                kw,
                sw,
            ];
            generic(
                "l::DepthwiseConv2D",
                &args,
                &["a::Linear", "s::Valid", "1", "1", &kh, &sh],
            )
        }
        // Conv1D and Conv2DTranspose: square kernels and strides.
        class => {
            match class {
                "Conv1D" => l.expect("groups", &Value::from(1), "groups=1")?,
                _ => l.expect("output_padding", &Value::Null, "output_padding=None")?,
            }
            generic(
                &format!("l::{class}"),
                &[
                    l.usize("filters")?.to_string(),
                    kernel,
                    activation,
                    padding,
                    strides,
                ],
                &["a::Linear", "s::Valid", "1"],
            )
        }
    };
    Ok(Spec {
        expr: format!("{}::new(){no_bias}", turbofish(&ty)),
        ty,
    })
}

fn normalization(l: &Layer<'_>) -> Result<Spec, Error> {
    let axis = l.get("axis")?;
    let last = match axis {
        Value::Array(a) => a.len() == 1 && a[0].as_i64() == Some(-1),
        v => v.as_i64() == Some(-1),
    };
    if !last {
        return Err(l.err(format!(
            "`axis` = {axis}: corten normalizes over the last axis (-1) only"
        )));
    }
    let mut options = String::new();
    let epsilon = l.f64("epsilon")?;
    if epsilon != 1e-3 {
        options.push_str(&format!(".with_epsilon({epsilon:?})"));
    }
    if l.class == "BatchNormalization" {
        l.expect("renorm", &Value::Bool(false), "renorm=False")?;
        let momentum = l.f64("momentum")?;
        if momentum != 0.99 {
            options.push_str(&format!(".with_momentum({momentum:?})"));
        }
    } else {
        l.expect("rms_scaling", &Value::Bool(false), "rms_scaling=False")?;
    }
    if !l.bool("center")? {
        options.push_str(".without_center()");
    }
    if !l.bool("scale")? {
        options.push_str(".without_scale()");
    }
    let ty = format!("l::{}", l.class);
    Ok(Spec {
        expr: format!("{ty}::new(){options}"),
        ty,
    })
}

fn recurrent(l: &Layer<'_>, no_bias: &str) -> Result<Spec, Error> {
    for key in ["return_state", "stateful"] {
        l.expect(
            key,
            &Value::Bool(false),
            &format!("{key}=False in a Sequential model"),
        )?;
    }
    let units = l.usize("units")?.to_string();
    let activation = l.activation("activation")?.to_string();
    let sequences = l.bool("return_sequences")?;
    let returns = if sequences {
        "l::Sequences"
    } else {
        "l::LastOutput"
    }
    .to_string();
    let mut options = String::from(no_bias);
    if sequences {
        options.push_str(".return_sequences()");
    }
    if l.bool("go_backwards")? {
        options.push_str(".go_backwards()");
    }
    for key in ["dropout", "recurrent_dropout"] {
        let rate = l.f64(key)?;
        if rate != 0.0 {
            options.push_str(&format!(".{key}({:?})", rate as f32));
        }
    }
    // The spec's type, and the constructor it is built with: the activations
    // alone (`Lstm::<8>::new()`), then the options that change the type.
    let (ty, constructor) = match l.class {
        "SimpleRNN" => {
            let activations = [units, activation];
            let args = [&activations[..], &[returns]].concat();
            (
                generic("l::SimpleRnn", &args, &["a::Tanh", "l::LastOutput"]),
                generic("l::SimpleRnn", &activations, &["a::Tanh"]),
            )
        }
        class => {
            let recurrent_activation = l.activation("recurrent_activation")?.to_string();
            let activations = [units, activation, recurrent_activation];
            let mut args = activations.to_vec();
            args.push(returns);
            let mut defaults = alloc::vec!["a::Tanh", "a::Sigmoid", "l::LastOutput"];
            if class == "GRU" {
                let after = l.bool("reset_after")?;
                args.push(
                    if after {
                        "l::ResetAfter"
                    } else {
                        "l::ResetBefore"
                    }
                    .into(),
                );
                defaults.push("l::ResetAfter");
                if !after {
                    options.push_str(".reset_before()");
                }
            } else if !l.bool("unit_forget_bias")? {
                options.push_str(".without_unit_forget_bias()");
            }
            let name = if class == "GRU" { "l::Gru" } else { "l::Lstm" };
            (
                generic(name, &args, &defaults),
                generic(name, &activations, &["a::Tanh", "a::Sigmoid"]),
            )
        }
    };
    let expr = format!("{}::new(){options}", turbofish(&constructor));
    Ok(Spec { ty, expr })
}
