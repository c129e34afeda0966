//! The few rules every exported function follows, defined once.
//!
//! - Every exported body runs inside [`guard`], so a Rust panic becomes a
//!   documented default value instead of unwinding into C.
//! - C pointers become Rust references only through [`out_ref`] and friends,
//!   which treat NULL as "absent".

use core::panic::AssertUnwindSafe;

/// Runs `body`; if it panics, returns `on_panic` instead of unwinding into C.
#[inline(always)]
pub(crate) fn guard<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Like [`guard`] for functions that return nothing.
#[inline(always)]
pub(crate) fn guard_void(body: impl FnOnce()) {
    guard((), body)
}
