// A 2×2 literal where a 2×3 tensor is declared.
use corten::shape::Const;
use corten::Tensor;

fn main() {
    let _t: Tensor<(Const<2>, Const<3>), f32, [[f32; 3]; 2]> = Tensor::from_array([[1.0f32, 2.0], [3.0, 4.0]]);
}
