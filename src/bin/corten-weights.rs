//! `corten-weights weights.safetensors [--out src/weights.rs]`: writes every
//! tensor of a safetensors file (what corten's `save_weights` writes, each
//! named as Keras names the weight: `dense_1/kernel`) as a `static` nested
//! array of Rust source, to `--out` or to standard output (see
//! [`corten::model::SafeTensorsView::rust_statics`]). For firmware: train on
//! the host (or load a Keras model's weights), `save_weights`, run this
//! tool into the firmware crate, and build the model there at compile time
//! with `sequential![const …, (Dense::<8>::from_weights(&DENSE_KERNEL,
//! &DENSE_BIAS)), …]`: the weights stay in flash, read in place.

use std::process::ExitCode;

fn main() -> ExitCode {
    let usage = "usage: corten-weights <weights.safetensors> [--out <file.rs>]";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, out) = match args.as_slice() {
        [input] => (input, None),
        [input, flag, path] if flag == "--out" => (input, Some(path)),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let result = std::fs::read(input)
        .map_err(|e| format!("{input}: {e}"))
        .and_then(|bytes| {
            corten::model::SafeTensorsView::new(&bytes)
                .and_then(|view| view.rust_statics())
                .map_err(|e| format!("{input}: {e}"))
        })
        .map(|rust| format!("// The weights of `{input}`, written by `corten-weights`.\n\n{rust}"))
        .and_then(|rust| match out {
            Some(path) => std::fs::write(path, rust).map_err(|e| format!("{path}: {e}")),
            None => {
                print!("{rust}");
                Ok(())
            }
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("corten-weights: {e}");
            ExitCode::FAILURE
        }
    }
}
