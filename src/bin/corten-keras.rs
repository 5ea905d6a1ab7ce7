//! `corten-keras model.keras [--out src/model.rs]`: writes the Rust source
//! of a corten model for a Keras 3 `Sequential` model saved with
//! `model.save("model.keras")` (see [`corten::keras::rust_from_keras`]),
//! to `--out` or to standard output.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, out) = match args.as_slice() {
        [input] => (input, None),
        [input, flag, out] if flag == "--out" => (input, Some(out)),
        _ => {
            eprintln!("usage: corten-keras <model.keras> [--out <file.rs>]");
            return ExitCode::from(2);
        }
    };
    let source = std::path::Path::new(input)
        .file_name()
        .map_or(input.clone(), |n| n.to_string_lossy().into_owned());
    let result = std::fs::read(input)
        .map_err(|e| format!("{input}: {e}"))
        .and_then(|bytes| {
            corten::keras::rust_from_keras(&bytes, &source).map_err(|e| e.to_string())
        })
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
            eprintln!("corten-keras: {e}");
            ExitCode::FAILURE
        }
    }
}
