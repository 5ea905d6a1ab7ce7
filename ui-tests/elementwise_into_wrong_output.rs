// The sum of two 2-vectors written into a 3-vector.
use corten::Tensor;

fn main() {
    let a = Tensor::from_array([1.0f32, 2.0]);
    let mut out = Tensor::from_array([0.0f32; 3]);
    let _ = a.zip_map_into(&a, &mut out, |x, y| x + y);
}
