//! Any bytes given as a weights file — corten's safetensors, Keras's
//! `.weights.h5`, `.keras` or legacy `.h5` — give `Ok` or `Err`, never a
//! panic, a hang or a huge allocation; what loads is finite. The same bytes
//! given to the Rust generator (`.keras` → source) and read in place
//! (`SafeTensorsView`) give `Ok` or `Err` too.
#![no_main]

use corten::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let mut model = sequential![Input<3>, Dense<4, Relu>, BatchNormalization, Dense<2, Softmax>];
    for loaded in [
        model.load_weights_from_bytes(bytes),
        model.load_keras_weights_from_bytes(bytes),
    ] {
        if loaded.is_ok() {
            assert!(model.get_weights().iter().flatten().all(|v| v.is_finite()));
        }
    }
    let _ = corten::keras::rust_from_keras(bytes, "fuzz.keras");
    if let Ok(view) = corten::model::SafeTensorsView::new(bytes) {
        for name in view.names() {
            let _ = view.tensor::<f32>(name);
            let _ = view.tensor_copied::<f32>(name);
        }
    }
});
