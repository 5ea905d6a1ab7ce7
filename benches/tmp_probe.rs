use corten::datasets::load_digits;
use corten::loss::SparseCategoricalCrossentropy;
use corten::metric::Accuracy;
use corten::model::{FitOptions, Verbosity};
use corten::optimizer::Adam;
use corten::sequential;
fn main() {
    let ((x, y), _) = load_digits().unwrap().split().unwrap();
    let mut mlp = sequential![Input<8, 8, 1>, Flatten, Dense<64, Relu>, Dense<10, Softmax>];
    mlp.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    for _ in 0..20 {
        mlp.fit(
            &x,
            &y,
            FitOptions {
                verbose: Verbosity::Silent,
                ..Default::default()
            },
        )
        .unwrap();
    }
}
