// BatchNormalization weights for 4 channels after a 3-channel image.
use corten::layer::BatchNormalization;
use corten::shape::Const;
use corten::sequential;

fn main() {
    let bn = BatchNormalization::from_data::<Const<4>, f32, _>([1.0; 4], [0.0; 4], [0.0; 4], [1.0; 4]).unwrap();
    let _model = sequential![Input<8, 8, 3>, (bn)];
}
