//! `sys.rs` for test builds: the same calls, plus the two seams tests need.
//!
//! - Fault injection ([`fault::fail_nth_allocation`], re-exported as
//!   `naputil::testing::fail_nth_allocation`): the k-th
//!   `malloc`/`realloc` from now fails.
//! - Under `cfg(test)`, a per-thread log of the libc blocks this thread
//!   freed. Unit tests run in parallel threads, and another thread may be
//!   handed a freed address the moment it is freed, so "the table says it
//!   is not live" cannot tell a test that *its* block was freed; this can.

use core::ffi::c_void;

#[inline(always)]
pub(super) fn malloc(total: usize) -> *mut c_void {
    if fault::should_fail() {
        return core::ptr::null_mut();
    }
    // SAFETY: plain libc call.
    let base = unsafe { libc::malloc(total) };
    log::allocated(base);
    base
}

/// # Safety
/// `base` is a libc block the heap layer owns.
#[inline(always)]
pub(super) unsafe fn realloc(base: *mut c_void, total: usize) -> *mut c_void {
    if fault::should_fail() {
        return core::ptr::null_mut();
    }
    // SAFETY: guaranteed by the caller.
    let moved = unsafe { libc::realloc(base, total) };
    if !moved.is_null() {
        log::freed(base);
        log::allocated(moved);
    }
    moved
}

/// # Safety
/// `base` is a libc block the heap layer owns and no longer uses.
#[inline(always)]
pub(super) unsafe fn free(base: *mut c_void) {
    log::freed(base);
    // SAFETY: guaranteed by the caller.
    unsafe { libc::free(base) }
}

#[cfg(test)]
pub(crate) mod log {
    use core::ffi::c_void;
    use std::cell::RefCell;
    use std::collections::HashSet;

    thread_local! {
        static FREED: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
    }

    pub(super) fn allocated(base: *mut c_void) {
        let _ = FREED.try_with(|f| f.borrow_mut().remove(&(base as usize)));
    }

    pub(super) fn freed(base: *mut c_void) {
        let _ = FREED.try_with(|f| f.borrow_mut().insert(base as usize));
    }

    /// Whether this thread freed the libc block `base` since it last
    /// allocated it.
    pub(crate) fn freed_here(base: usize) -> bool {
        FREED.try_with(|f| f.borrow().contains(&base)).unwrap_or(false)
    }
}

#[cfg(not(test))]
mod log {
    use core::ffi::c_void;

    #[inline(always)]
    pub(super) fn allocated(_base: *mut c_void) {}

    #[inline(always)]
    pub(super) fn freed(_base: *mut c_void) {}
}

/// The fault-injection countdown.
pub(crate) mod fault {
    use core::sync::atomic::{AtomicU64, Ordering};

    static COUNTDOWN: AtomicU64 = AtomicU64::new(0);
    static INJECTED: AtomicU64 = AtomicU64::new(0);

    /// Makes the `k`-th libc allocation from now (1-based) fail; 0 disables.
    pub fn fail_nth_allocation(k: u64) {
        COUNTDOWN.store(k, Ordering::SeqCst);
    }

    /// How many allocations have been made to fail so far.
    pub fn injected_faults() -> u64 {
        INJECTED.load(Ordering::SeqCst)
    }

    pub(super) fn should_fail() -> bool {
        let fail = COUNTDOWN
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| if n == 0 { None } else { Some(n - 1) })
            .map(|n| n == 1)
            .unwrap_or(false);
        if fail {
            INJECTED.fetch_add(1, Ordering::SeqCst);
        }
        fail
    }
}
