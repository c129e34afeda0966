//! The `naputil_*` diagnostics: counters, checkpoints, leak enumeration and
//! reports, and the misuse policy and handler.

use super::{contain, contain_or, require_non_null, write_out};
use crate::heap::counters;
use crate::misuse;
use crate::report;
use crate::types::base::{E_INVALIDARG, E_POINTER, HRESULT, S_OK};
use crate::types::diag::{NaputilBlockVisitor, NaputilMisuseHandler, NaputilStats};
use core::ffi::{c_char, c_void};

/// Fills `*stats` with the allocator's current counters. Returns `S_OK`, or
/// `E_POINTER` when `stats` is NULL. Counts are exact when no other thread
/// is allocating or freeing at the same moment.
#[no_mangle]
pub unsafe extern "C" fn naputil_get_stats(stats: *mut NaputilStats) -> HRESULT {
    contain(|| {
        require_non_null!(stats, E_POINTER);
        // SAFETY: non-NULL and, per this function's contract, writable.
        unsafe { write_out(stats, report::stats()) };
        S_OK
    })
}

/// Number of live blocks (allocated and not yet freed).
#[no_mangle]
pub extern "C" fn naputil_live_blocks() -> u64 {
    contain(|| report::stats().live_blocks)
}

/// Bytes requested by the live blocks.
#[no_mangle]
pub extern "C" fn naputil_live_bytes() -> u64 {
    contain(|| report::stats().live_bytes)
}

/// Number of misuse incidents (bad frees and reallocs) so far, all kinds.
#[no_mangle]
pub extern "C" fn naputil_misuse_count() -> u64 {
    contain(misuse::total)
}

/// Starts a new checkpoint and returns its number. Blocks allocated from now
/// on belong to it; `naputil_leaks_since(checkpoint, ...)` later lists those
/// still live, so a test can assert that a call leaked nothing.
#[no_mangle]
pub extern "C" fn naputil_checkpoint() -> u32 {
    contain(counters::next_epoch)
}

/// Counts the live blocks allocated since `checkpoint` (0: since start-up)
/// and, when `visit` is not NULL, calls `visit(block, size, context)` for
/// each. Under a spy that offsets the pointers it hands out, `block` and
/// `size` are the pointer the caller was given and the bytes from there to
/// the block's end. The visitor may free the block it is given. Do not call
/// this while other threads free the blocks being listed.
#[no_mangle]
pub unsafe extern "C" fn naputil_leaks_since(checkpoint: u32, visit: NaputilBlockVisitor, context: *mut c_void) -> u64 {
    contain(|| {
        report::for_each_live_since(checkpoint, |block, size| {
            if let Some(visit) = visit {
                // SAFETY: the application's visitor, called as documented.
                unsafe { visit(block, size, context) }
            }
        })
    })
}

/// Prints every live block allocated since `checkpoint` (0: since start-up)
/// to stderr, one line each, then a summary line; returns their number.
#[no_mangle]
pub extern "C" fn naputil_report_leaks(checkpoint: u32) -> u64 {
    contain(|| report::report_leaks(checkpoint))
}

/// Chooses what happens on misuse when no handler is installed:
/// `NAPUTIL_MISUSE_REPORT` (default), `NAPUTIL_MISUSE_SILENT` or
/// `NAPUTIL_MISUSE_ABORT` (abort also applies after a handler runs).
/// Returns `S_OK`, or `E_INVALIDARG` for any other value. The environment
/// variable `NAPUTIL_MISUSE` (`report`, `silent`, `abort`) sets the initial
/// policy.
#[no_mangle]
pub extern "C" fn naputil_set_misuse_policy(policy: u32) -> HRESULT {
    contain(|| if misuse::set_policy(policy) { S_OK } else { E_INVALIDARG })
}

/// The current misuse policy (`NAPUTIL_MISUSE_*`).
#[no_mangle]
pub extern "C" fn naputil_get_misuse_policy() -> u32 {
    contain(misuse::policy)
}

/// Installs `handler` to receive every misuse incident instead of the
/// default stderr line; `context` is passed back to it. NULL restores the
/// default. The handler runs on the thread that misused the allocator, with
/// no library lock held.
#[no_mangle]
pub extern "C" fn naputil_set_misuse_handler(handler: NaputilMisuseHandler, context: *mut c_void) {
    contain(|| misuse::set_handler(handler, context))
}

/// A static, NUL-terminated English description of a `NAPUTIL_MISUSE_*`
/// kind ("unknown misuse" for other values). Never NULL.
#[no_mangle]
pub extern "C" fn naputil_misuse_description(kind: u32) -> *const c_char {
    contain_or(c"unknown misuse".as_ptr(), || misuse::kind_description(kind).as_ptr())
}
