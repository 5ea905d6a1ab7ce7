//! `corten-keras model.keras [--check x_y.npz] [--out src/model.rs]`: writes
//! the Rust source of a corten model for a Keras 3 model (`Sequential` or
//! functional) saved with `model.save("model.keras")` (see
//! [`corten::keras::rust_from_keras`]), to `--out` or to standard output.
//! With `--check`, an `.npz` saved with `np.savez(path, x=x,
//! y=model.predict(x))` (`x0=…, x1=…, y0=…` for several), the source also holds a test
//! of the model's predictions against Keras's
//! ([`corten::keras::rust_from_keras_checked`]). Paths are from the crate's
//! root, where the generated test looks for them.

use std::process::ExitCode;

fn main() -> ExitCode {
    let usage = "usage: corten-keras <model.keras> [--check <x_y.npz>] [--out <file.rs>]";
    let mut args = std::env::args().skip(1);
    let Some(input) = args.next() else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let (mut check, mut out) = (None, None);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--check", Some(path)) => check = Some(path),
            ("--out", Some(path)) => out = Some(path),
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let result = std::fs::read(&input)
        .map_err(|e| format!("{input}: {e}"))
        .and_then(|bytes| {
            match &check {
                Some(npz) => corten::keras::rust_from_keras_checked(&bytes, &input, npz),
                None => corten::keras::rust_from_keras(&bytes, &input),
            }
            .map_err(|e| e.to_string())
        })
        .and_then(|rust| match &out {
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
