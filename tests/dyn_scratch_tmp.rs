use corten::prelude::*;
#[test]
fn tmp() {
    let a = sequential![Input<Dyn, 3>, Lstm<4>.return_sequences(), Gru<2>, Dense<2, Softmax>];
    println!("{}", a.summary());
    let x = Tensor::<(Dyn, Dyn, Const<3>)>::from_vec((Dyn(2), Dyn(5), Const), (0..30).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap();
    let y = a.predict(&x).unwrap();
    println!("{:?}", y.as_slice());
    let b = sequential![Input<5, 3>, Lstm<4>.return_sequences(), Gru<2>, Dense<2, Softmax>];
    let x2 = Tensor::<(Dyn, Const<5>, Const<3>)>::from_vec((Dyn(2), Const, Const), x.as_slice().to_vec()).unwrap();
    let y2 = b.predict(&x2).unwrap();
    println!("{:?}", y2.as_slice());
    assert_eq!(y.as_slice(), y2.as_slice());
}
