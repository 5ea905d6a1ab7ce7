// (2, 3) · (4, 5): the inner dimensions 3 and 4 differ.
use corten::Tensor;

fn main() {
    let a = Tensor::from_array([[0.0f32; 3]; 2]);
    let b = Tensor::from_array([[0.0f32; 5]; 4]);
    let _c = a.matmul(&b);
}
