use corten::model::Graph;
use corten::shape::{Const, Dyn};

fn main() {
    let mut g = Graph::new();
    let _x = g.input::<(Dyn, Const<3>)>();
}
