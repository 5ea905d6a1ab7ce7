// A kernel with 5 filters for a Conv2D of 4.
use corten::layer::Conv2D;

fn main() {
    let _conv = Conv2D::<4, 3>::from_weights([[[[0.0f32; 5]; 1]; 3]; 3], [0.0f32; 4]);
}
