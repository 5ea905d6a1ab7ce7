//! How many threads large products may use.

use core::sync::atomic::{AtomicUsize, Ordering};

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Lets products large enough to gain from it (about 2²² multiply-adds and
/// up) split their rows over up to `n` scoped threads. The default is 1: one
/// thread, no spawning. Small products always stay on the calling thread.
///
/// ```
/// corten::linalg::set_threads(2);
/// assert_eq!(corten::linalg::threads(), 2);
/// corten::linalg::set_threads(1);
/// ```
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The thread count set by [`set_threads`].
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}
