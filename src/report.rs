//! What the library tells about itself beyond Windows: the counters
//! snapshot, leak enumeration since a checkpoint, the leak report, and the
//! settings read from the environment when the library is loaded.
//!
//! # When the settings are read, and when the at-exit report runs
//!
//! `NAPUTIL_MISUSE`, `NAPUTIL_LEAK_REPORT` and `NAPUTIL_LEAK_EXITCODE` are
//! read once, by a load-time constructor (`capi::lifecycle`), before `main`
//! runs. The at-exit
//! leak report must come after the program's own cleanup — every `atexit`
//! handler and every C++ static destructor — or blocks that cleanup frees
//! would be reported as leaks. On ELF systems it is therefore a
//! finalization-array entry (`.fini_array`), which the C library runs after
//! all `atexit` handlers, static destructors included, have run. Elsewhere
//! it is an `atexit` handler registered by the constructor, so it runs
//! after every handler registered later (by `main` and, for a shared
//! library, by the program's own constructors).

use crate::heap::{block, counters, table};
use crate::misuse;
use crate::spy;
use crate::support::env;
use crate::support::line::LineBuffer;
use crate::types::diag::*;
use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// A consistent-at-rest snapshot of all counters.
pub(crate) fn stats() -> NaputilStats {
    let t = counters::totals();
    NaputilStats {
        live_blocks: t.allocs.wrapping_sub(t.frees),
        live_bytes: t.live_bytes,
        peak_bytes: counters::peak_bytes(t.live_bytes),
        total_allocs: t.allocs,
        total_frees: t.frees,
        total_reallocs: t.reallocs,
        total_bytes_requested: t.bytes_in,
        misuse_total: misuse::total(),
        misuse_double_free: misuse::count(NAPUTIL_MISUSE_DOUBLE_FREE),
        misuse_interior: misuse::count(NAPUTIL_MISUSE_INTERIOR),
        misuse_stack: misuse::count(NAPUTIL_MISUSE_STACK),
        misuse_static: misuse::count(NAPUTIL_MISUSE_STATIC),
        misuse_foreign: misuse::count(NAPUTIL_MISUSE_FOREIGN),
        table_reserved_bytes: table::reserved_bytes() as u64,
    }
}

/// Calls `f(pointer, size)` for each live block allocated at or after
/// `checkpoint`, and returns how many there were. `pointer` and `size` are
/// what the caller was given: under a spy that offsets the pointers it
/// hands out, the offset pointer and the bytes from there to the block's
/// end.
pub(crate) fn for_each_live_since(checkpoint: u32, mut f: impl FnMut(*mut c_void, usize)) -> u64 {
    let mut count = 0;
    table::visit(|user| {
        let Some(info) = block::info(user as *const c_void) else { return };
        if info.epoch >= checkpoint {
            count += 1;
            let (pointer, size) = spy::caller_view(user as *mut c_void, info.size);
            f(pointer, size);
        }
    });
    count
}

/// Prints each live block allocated since `checkpoint` and a summary line on
/// stderr; returns the number of such blocks.
pub(crate) fn report_leaks(checkpoint: u32) -> u64 {
    let mut bytes = 0u64;
    let count = for_each_live_since(checkpoint, |block, size| {
        bytes += size as u64;
        LineBuffer::print(format_args!("naputil: leak: {size} bytes at {block:p}\n"));
    });
    LineBuffer::print(format_args!(
        "naputil: {count} live block(s), {bytes} byte(s) allocated since checkpoint {checkpoint}\n"
    ));
    count
}

static LEAK_REPORT_AT_EXIT: AtomicBool = AtomicBool::new(false);
static LEAK_EXIT_CODE: AtomicU32 = AtomicU32::new(0);

/// Reads the settings from the environment (run once, at load time, by the
/// constructor in `capi::lifecycle`): `NAPUTIL_MISUSE` (`report`, `silent`,
/// `abort`: the misuse policy), `NAPUTIL_LEAK_REPORT` (non-empty and not
/// `0`: print live blocks at exit) and `NAPUTIL_LEAK_EXITCODE` (exit with
/// this status when the at-exit report finds leaks). Returns whether the
/// at-exit report is wanted.
pub(crate) fn load_settings() -> bool {
    misuse::load_policy_from_environment();
    let wanted = env::var("NAPUTIL_LEAK_REPORT").is_some_and(|v| !v.is_empty() && v != b"0");
    if wanted {
        let code = env::var("NAPUTIL_LEAK_EXITCODE")
            .and_then(|c| core::str::from_utf8(&c).ok().and_then(|s| s.trim().parse::<u8>().ok()));
        LEAK_EXIT_CODE.store(code.map_or(0, u32::from), Ordering::Relaxed);
        LEAK_REPORT_AT_EXIT.store(true, Ordering::Release);
    }
    wanted
}

/// The at-exit report, when `NAPUTIL_LEAK_REPORT` asked for it: prints the
/// live blocks and, when there are some and `NAPUTIL_LEAK_EXITCODE` set a
/// status, ends the process with it.
pub(crate) fn report_at_exit() {
    if !LEAK_REPORT_AT_EXIT.load(Ordering::Acquire) {
        return;
    }
    let leaks = report_leaks(0);
    let code = LEAK_EXIT_CODE.load(Ordering::Relaxed);
    if leaks > 0 && code != 0 {
        // SAFETY: flush C stdio so the program's output is not lost, then
        // end the process with the requested status.
        unsafe {
            libc::fflush(core::ptr::null_mut());
            libc::_exit(code as i32);
        }
    }
}
