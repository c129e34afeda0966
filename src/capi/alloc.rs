//! `CoTaskMemAlloc`, `CoTaskMemRealloc` and `CoTaskMemFree`.

use super::contain_traced;
use crate::misuse;
use crate::spy;
use crate::types::base::SIZE_T;
use core::ffi::c_void;

/// `CoTaskMemFree` on behalf of `function`: a pointer that is not a live
/// block is reported as misuse of it.
#[inline(always)]
pub(super) fn free_as(pv: *mut c_void, function: &'static str) {
    spy::free(pv, |p| misuse::report(function, p))
}

/// `CoTaskMemRealloc` on behalf of `function`.
#[inline]
pub(super) fn realloc_as(pv: *mut c_void, cb: usize, function: &'static str) -> *mut c_void {
    spy::realloc(pv, cb, |p| misuse::report(function, p))
}

/// Allocates a block of task memory.
///
/// Returns a block of at least `cb` bytes, aligned like `malloc` (16 bytes on
/// 64-bit systems), or NULL when memory is exhausted or `cb` is too large.
/// A request for 0 bytes returns a unique non-NULL pointer. Free the block
/// with `CoTaskMemFree` (or `IMalloc::Free`), never with `free`.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub extern "system" fn CoTaskMemAlloc(cb: SIZE_T) -> *mut c_void {
    contain_traced(
        CoTaskMemAlloc as *const (),
        #[inline(always)]
        move || spy::alloc(cb),
    )
}

/// Changes the size of a block of task memory.
///
/// `pv == NULL` behaves as `CoTaskMemAlloc(cb)`. `cb == 0` frees `pv` and
/// returns NULL. On failure returns NULL and `pv` stays valid and allocated.
/// On success the contents up to the smaller of the old and new sizes are
/// preserved and `pv` must no longer be used. A `pv` that is not a live block
/// of this allocator is not touched: the call returns NULL and the misuse is
/// reported (see `naputil_set_misuse_policy`).
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub extern "system" fn CoTaskMemRealloc(pv: *mut c_void, cb: SIZE_T) -> *mut c_void {
    contain_traced(
        CoTaskMemRealloc as *const (),
        #[inline(always)]
        move || realloc_as(pv, cb, "CoTaskMemRealloc"),
    )
}

/// Frees a block of task memory.
///
/// NULL is a no-op. A pointer that is not a live block of this allocator
/// (already freed, never allocated here, pointing inside a block, on the
/// stack, or static) is left untouched and reported as misuse.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub extern "system" fn CoTaskMemFree(pv: *mut c_void) {
    contain_traced(
        CoTaskMemFree as *const (),
        #[inline(always)]
        move || free_as(pv, "CoTaskMemFree"),
    )
}
