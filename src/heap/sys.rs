//! The C library's allocator, the only place the heap layer reaches it.
//! Tests replace this file with `sys_seam.rs` (fault injection and a log of
//! what each thread freed), so no test hook sits in the allocator itself.

use core::ffi::c_void;

#[inline(always)]
pub(super) fn malloc(total: usize) -> *mut c_void {
    // SAFETY: plain libc call.
    unsafe { libc::malloc(total) }
}

/// # Safety
/// `base` is a libc block the heap layer owns.
#[inline(always)]
pub(super) unsafe fn realloc(base: *mut c_void, total: usize) -> *mut c_void {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::realloc(base, total) }
}

/// # Safety
/// `base` is a libc block the heap layer owns and no longer uses.
#[inline(always)]
pub(super) unsafe fn free(base: *mut c_void) {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::free(base) }
}
