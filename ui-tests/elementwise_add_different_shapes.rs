// Adding a 2×3 tensor to a 3×2 tensor.
use corten::Tensor;

fn main() {
    let a = Tensor::from_array([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let b = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    let _c = a.add(&b);
}
