// Multiplying a matrix by a vector element-wise (no implicit broadcasting).
use corten::Tensor;

fn main() {
    let a = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]]);
    let b = Tensor::from_array([1.0f32, 2.0]);
    let _c = a.mul(&b);
}
