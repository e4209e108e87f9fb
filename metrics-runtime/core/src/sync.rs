//! The atomics and lazily initialized cells the histogram's striping is built
//! from: exactly `std`'s (and [`crate::metric::AtomicF64`]) in a normal build,
//! and loom's, or stand-ins built on loom's, under `--cfg promstrict_loom`, so that the
//! model test `tests/loom_histogram.rs` explores every interleaving of
//! observers and readers.

#[cfg(not(promstrict_loom))]
pub(crate) use crate::metric::AtomicF64;
#[cfg(not(promstrict_loom))]
pub(crate) use std::sync::atomic::AtomicU64;
#[cfg(not(promstrict_loom))]
pub(crate) use std::sync::OnceLock;

#[cfg(promstrict_loom)]
pub(crate) use self::loom_impl::{AtomicF64, OnceLock};
#[cfg(promstrict_loom)]
pub(crate) use loom::sync::atomic::AtomicU64;

#[cfg(promstrict_loom)]
mod loom_impl {
    use loom::sync::atomic::{AtomicBool, AtomicU64};
    use loom::sync::Mutex;
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

    /// [`crate::metric::AtomicF64`]'s `new`, `get` and `try_add` over a loom
    /// atomic, with the same operations and orderings.
    pub(crate) struct AtomicF64(AtomicU64);

    impl AtomicF64 {
        pub(crate) fn new(v: f64) -> Self {
            AtomicF64(AtomicU64::new(v.to_bits()))
        }

        pub(crate) fn get(&self) -> f64 {
            f64::from_bits(self.0.load(Relaxed))
        }

        pub(crate) fn try_add(&self, delta: f64) -> bool {
            let current = self.0.load(Relaxed);
            let new = (f64::from_bits(current) + delta).to_bits();
            self.0
                .compare_exchange(current, new, Relaxed, Relaxed)
                .is_ok()
        }
    }

    /// `std::sync::OnceLock` as loom needs to see it (loom has none): `get`
    /// is an acquire load of the "initialized" state, and initialization
    /// ends with a release store of it, as in std; initializers are
    /// serialized by a loom mutex, so a thread that finds the cell already
    /// initialized synchronizes with the thread that did it, as std's
    /// `get_or_init` does. The value itself sits in a std `OnceLock`, whose
    /// initializer runs without a loom yield point, so it never blocks.
    pub(crate) struct OnceLock<T> {
        ready: AtomicBool,
        init: Mutex<()>,
        cell: std::sync::OnceLock<T>,
    }

    impl<T> OnceLock<T> {
        pub(crate) fn new() -> Self {
            OnceLock {
                ready: AtomicBool::new(false),
                init: Mutex::new(()),
                cell: std::sync::OnceLock::new(),
            }
        }

        pub(crate) fn get(&self) -> Option<&T> {
            if self.ready.load(Acquire) {
                self.cell.get()
            } else {
                None
            }
        }

        pub(crate) fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
            if let Some(value) = self.get() {
                return value;
            }
            let _guard = self.init.lock().unwrap();
            let mut initialized = false;
            let value = self.cell.get_or_init(|| {
                initialized = true;
                f()
            });
            if initialized {
                self.ready.store(true, Release);
            }
            value
        }
    }
}
