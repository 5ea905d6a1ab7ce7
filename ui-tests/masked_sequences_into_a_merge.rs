// Element-wise merges do not combine masks yet: two masked sequences
// cannot be added (Keras would AND their masks).
use corten::model::Graph;
use corten::prelude::*;

fn main() {
    let mut g = Graph::<f32>::new();
    let ids = g.input::<(Const<6>,)>();
    let a = g.add(Embedding::<10, 4>::new().mask_zero(), ids);
    let b = g.add(Embedding::<10, 4>::new().mask_zero(), ids);
    let _sum = g.add(Add, (a, b));
}
