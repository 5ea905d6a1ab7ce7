//! Must not compile (run.sh checks the error): a spec whose initial weights
//! are drawn at random needs corten's `std`, and the error says so.
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::sequential;
use cortex_m_rt::entry;
use panic_halt as _;

#[entry]
fn main() -> ! {
    let model = sequential![Input<4>, Dense<8, Relu>];
    let _ = model.param_count();
    #[allow(clippy::empty_loop)]
    loop {}
}
