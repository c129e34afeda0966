//! `sys.rs` for test builds: the same calls, plus the two seams tests need.
//!
//! - Fault injection (`crate::testing::fail_nth_allocation`): the k-th
//!   `malloc`/`realloc` from now fails.
//! - Under `cfg(test)`, a per-thread log of the libc blocks this thread
//!   freed. Unit tests run in parallel threads, and another thread may be
//!   handed a freed address the moment it is freed, so "the table says it
//!   is not live" cannot tell a test that *its* block was freed; this can.

use core::ffi::c_void;

#[inline(always)]
pub(super) fn malloc(total: usize) -> *mut c_void {
    if crate::testing::should_fail() {
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
    if crate::testing::should_fail() {
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
