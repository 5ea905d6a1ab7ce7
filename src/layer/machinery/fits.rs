//! Which inputs a layer given its weights can be built for: the axes its
//! weights fix must match, the others come from the layer before.

pub use crate::shape::SameChannels;
use crate::shape::{SameFeatures, StaticDim};
use core::marker::PhantomData;

/// An axis a layer's weights leave open: the layer before decides it (a
/// convolution's height and width).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FromInput;

/// A sample shape of any rank whose last axis is `C` (what a normalization's
/// weights fix).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndsWith<C>(PhantomData<C>);

/// `Self` (an axis of the shape the layer before gives) fits `Fixed`, the
/// axis a layer's weights expect: any size fits [`FromInput`]; a size fits
/// an equal one.
pub trait AxisFits<Fixed> {}

impl<D> AxisFits<FromInput> for D {}

impl<D: SameFeatures<Fixed>, Fixed: StaticDim> AxisFits<Fixed> for D {}

/// `Self` (the channels the layer before gives) fits `Fixed`, the channels a
/// layer's weights expect: as [`AxisFits`], with an error that says channels.
pub trait ChannelsFit<Fixed> {}

impl<D> ChannelsFit<FromInput> for D {}

impl<D: SameChannels<Fixed>, Fixed: StaticDim> ChannelsFit<Fixed> for D {}

/// `Self` (the shape the layer before gives) fits `Fixed`, the input shape a
/// layer's weights were given for, axis by axis.
pub trait Fits<Fixed> {}

impl<A: AxisFits<A0>, A0> Fits<(A0,)> for (A,) {}
impl<A: AxisFits<A0>, B: ChannelsFit<B0>, A0, B0> Fits<(A0, B0)> for (A, B) {}
impl<A: AxisFits<A0>, B: AxisFits<B0>, C: ChannelsFit<C0>, A0, B0, C0> Fits<(A0, B0, C0)>
    for (A, B, C)
{
}

impl<A: AxisFits<C0>, C0> Fits<EndsWith<C0>> for (A,) {}
impl<A, B: AxisFits<C0>, C0> Fits<EndsWith<C0>> for (A, B) {}
impl<A, B, C: AxisFits<C0>, C0> Fits<EndsWith<C0>> for (A, B, C) {}
impl<A, B, C, D: AxisFits<C0>, C0> Fits<EndsWith<C0>> for (A, B, C, D) {}

/// The size of the last axis of a sample shape, or of the shape a layer's
/// weights were given for (`EndsWith<C>`, `(FromInput, FromInput, C)`).
pub trait LastAxisSize {
    /// The last axis's size.
    const LAST: usize;
}

impl<C: StaticDim> LastAxisSize for EndsWith<C> {
    const LAST: usize = C::SIZE;
}
impl<A: StaticDim> LastAxisSize for (A,) {
    const LAST: usize = A::SIZE;
}
impl<A, B: StaticDim> LastAxisSize for (A, B) {
    const LAST: usize = B::SIZE;
}
impl<A, B, C: StaticDim> LastAxisSize for (A, B, C) {
    const LAST: usize = C::SIZE;
}
impl<A, B, C, D: StaticDim> LastAxisSize for (A, B, C, D) {
    const LAST: usize = D::SIZE;
}
