// A bias of 4 values for a Dense of 5 units.
use corten::layer::Dense;

fn main() {
    let _dense = Dense::<5>::from_weights([[0.0f32; 5]; 2], [0.0f32; 4]);
}
