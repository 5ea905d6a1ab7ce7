// (2, 3) · (3, 4) written into a (2, 5) output.
use corten::Tensor;

fn main() {
    let a = Tensor::from_array([[0.0f32; 3]; 2]);
    let b = Tensor::from_array([[0.0f32; 4]; 3]);
    let mut c = Tensor::from_array([[0.0f32; 5]; 2]);
    let _ = a.matmul_into(&b, &mut c);
}
