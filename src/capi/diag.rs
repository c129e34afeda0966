//! The `naputil_*` diagnostics: counters, checkpoints, leak enumeration and
//! reports, the misuse policy and handler, and call stacks.

use super::{contain, contain_or, require_non_null, write_out};
use crate::heap::{block, counters, stacks};
use crate::misuse;
use crate::report;
use crate::spy;
use crate::stack_report::c_stack;
use crate::support::unwind;
use crate::types::base::{E_INVALIDARG, E_POINTER, HRESULT, S_FALSE, S_OK};
use crate::types::diag::{NaputilBlockVisitor, NaputilMisuseHandler, NaputilStack, NaputilStats};
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
/// the block's end. The visitor may free the block it is given, and may ask
/// `naputil_block_stack(block, ...)` where it was allocated. Do not call
/// this while other threads free the blocks being listed.
#[no_mangle]
pub unsafe extern "C" fn naputil_leaks_since(checkpoint: u32, visit: NaputilBlockVisitor, context: *mut c_void) -> u64 {
    contain(|| {
        report::for_each_live_since(checkpoint, |block| {
            if let Some(visit) = visit {
                // SAFETY: the application's visitor, called as documented.
                unsafe { visit(block.pointer, block.size, context) }
            }
        })
    })
}

/// Prints every live block allocated since `checkpoint` (0: since start-up)
/// to stderr, one line each (followed by where it was allocated, when
/// `NAPUTIL_BACKTRACE` recorded that), then a summary line; returns their
/// number.
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

/// Records call stacks from now on: at every allocation and free of task
/// memory (`CoTaskMem*`, `IMalloc`, the `Alloc*`/`Free*` functions, spied
/// calls included), up to `frames` return addresses of the caller's stack.
/// Leak reports then say where each block was allocated, and misuse
/// reports where the call came from and, for a double free, where the block
/// was freed before and allocated.
///
/// `frames` is 0 (off, the default), 1 (the default depth, 16) or up to 64.
/// Returns `S_OK`, or `E_INVALIDARG` for more than 64. Blocks already live
/// keep whatever was recorded for them. The environment variable
/// `NAPUTIL_BACKTRACE` sets the initial value. Recording costs the time to
/// walk the stack at each call (see docs/PERFORMANCE.md); off, it costs
/// nothing measurable.
#[no_mangle]
pub extern "C" fn naputil_set_backtrace(frames: u32) -> HRESULT {
    contain(|| match stacks::frames_for_request(u64::from(frames)) {
        Some(frames) => {
            stacks::set_frames(frames);
            S_OK
        }
        None => E_INVALIDARG,
    })
}

/// How many frames of call stack are recorded per allocation and free (0:
/// none).
#[no_mangle]
pub extern "C" fn naputil_get_backtrace() -> u32 {
    contain(|| stacks::frames() as u32)
}

/// Sets how many of the latest frees are remembered (with where each block
/// was allocated and freed) so that a double free can say where the block
/// was freed before; forgets those remembered so far. The default is 4096,
/// the most 1048576 (1 << 20); 0 remembers none. Returns `S_OK`, or
/// `E_INVALIDARG` above the most. The environment variable
/// `NAPUTIL_BACKTRACE_FREED` sets the initial value.
#[no_mangle]
pub extern "C" fn naputil_set_freed_history(frees: u32) -> HRESULT {
    contain(|| {
        if frees as usize > stacks::MAX_HISTORY {
            return E_INVALIDARG;
        }
        stacks::set_history(frees as usize);
        S_OK
    })
}

/// Fills `*stack` with where the live block `block` was allocated (or, for
/// a block `CoTaskMemRealloc` resized, reallocated). `block` is the pointer
/// the allocator returned, as `naputil_leaks_since` hands it to its visitor.
///
/// Returns `S_OK`; `S_FALSE` with an empty `*stack` when no stack was
/// recorded for the block (it was allocated while `NAPUTIL_BACKTRACE` was
/// off); `E_INVALIDARG` with an empty `*stack` when `block` is not a live
/// block; `E_POINTER` when `stack` is NULL. The frames stay valid for the
/// life of the process, even after the block is freed.
#[no_mangle]
pub unsafe extern "C" fn naputil_block_stack(block: *const c_void, stack: *mut NaputilStack) -> HRESULT {
    contain(|| {
        require_non_null!(stack, E_POINTER);
        let (result, found) = match spy::actual_block(block.cast_mut()) {
            None => (E_INVALIDARG, NaputilStack::NONE),
            Some(actual) => match block::recorded_stack(actual) {
                None => (S_FALSE, NaputilStack::NONE),
                some => (S_OK, c_stack(some)),
            },
        };
        // SAFETY: non-NULL and, per this function's contract, writable.
        unsafe { write_out(stack, found) };
        result
    })
}

/// Describes the code at the return address `frame` (one of a
/// `NaputilStack`'s frames) in `buffer`, NUL-terminated and cut to `size`
/// bytes: `function file:line` from the debug information, `function` alone
/// without it, `object+0xoffset` when not even a symbol is known, and an
/// empty string when nothing is. Where calls were inlined the innermost
/// comes first, each followed by ` inlined into ` and the next.
///
/// Returns the length of the whole description, excluding the NUL (as
/// `snprintf` does: a result of `size` or more means it was cut). `buffer`
/// may be NULL when `size` is 0. Reads debug information from the program's
/// and libraries' files on first use; safe from any thread and from a
/// misuse handler.
#[no_mangle]
pub unsafe extern "C" fn naputil_describe_frame(frame: *const c_void, buffer: *mut c_char, size: usize) -> usize {
    contain(|| {
        let mut out = CBuffer { buffer, size, len: 0 };
        let _ = unwind::describe(frame as usize, &mut out);
        out.terminate();
        out.len
    })
}

/// `fmt::Write` into a caller's C buffer: keeps what fits (room for the NUL
/// kept, and no character cut in half) and counts everything.
struct CBuffer {
    buffer: *mut c_char,
    size: usize,
    len: usize,
}

impl CBuffer {
    fn terminate(&mut self) {
        if self.size > 0 && !self.buffer.is_null() {
            // SAFETY: `len.min(size - 1) < size` bytes lie in the caller's
            // buffer, which per the contract has `size` writable bytes.
            unsafe { self.buffer.add(self.len.min(self.size - 1)).write(0) };
        }
    }
}

impl core::fmt::Write for CBuffer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if !self.buffer.is_null() && self.len + 1 < self.size {
            let room = self.size - 1 - self.len;
            let mut n = s.len().min(room);
            while !s.is_char_boundary(n) {
                n -= 1;
            }
            // SAFETY: bytes `len..len + n` lie below `size - 1`, inside the
            // caller's buffer of `size` writable bytes.
            unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), self.buffer.add(self.len).cast::<u8>(), n) };
        }
        self.len += s.len();
        Ok(())
    }
}
