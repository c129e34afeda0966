//! `IMallocSpy` support. Every allocator entry point goes through the
//! functions here, which call the registered spy's Pre- and Post-methods
//! around the tracked operation.

use crate::alloc;
use core::ffi::c_void;

#[inline]
pub(crate) fn spied_alloc(cb: usize) -> *mut c_void {
    alloc::alloc_block(cb)
}

#[inline]
pub(crate) fn spied_realloc(pv: *mut c_void, cb: usize, caller: &'static str) -> *mut c_void {
    alloc::realloc_block(pv, cb, caller)
}

#[inline]
pub(crate) fn spied_free(pv: *mut c_void, caller: &'static str) {
    alloc::free_block(pv, caller)
}

#[inline]
pub(crate) fn spied_get_size(pv: *mut c_void) -> usize {
    alloc::block_size(pv).unwrap_or(usize::MAX)
}

#[inline]
pub(crate) fn spied_did_alloc(pv: *mut c_void) -> i32 {
    if pv.is_null() {
        -1
    } else {
        alloc::is_live(pv) as i32
    }
}

#[inline]
pub(crate) fn spied_heap_minimize() {
    alloc::heap_minimize()
}
