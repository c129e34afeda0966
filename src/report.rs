//! What the library tells about itself beyond Windows: the counters
//! snapshot, leak enumeration since a checkpoint, the leak report, and the
//! settings read from the environment when the library is loaded.
//!
//! # When the settings are read, and when the at-exit report runs
//!
//! `NAPUTIL_MISUSE`, `NAPUTIL_LEAK_REPORT`, `NAPUTIL_LEAK_EXITCODE`,
//! `NAPUTIL_BACKTRACE` and `NAPUTIL_BACKTRACE_FREED` are read once, by a
//! load-time constructor (`capi::lifecycle`), before `main` runs. The at-exit
//! leak report must come after the program's own cleanup — every `atexit`
//! handler and every C++ static destructor — or blocks that cleanup frees
//! would be reported as leaks. On ELF systems it is therefore a
//! finalization-array entry (`.fini_array`), which the C library runs after
//! all `atexit` handlers, static destructors included, have run. Elsewhere
//! it is an `atexit` handler registered by the constructor, so it runs
//! after every handler registered later (by `main` and, for a shared
//! library, by the program's own constructors).

use crate::com;
use crate::heap::{block, counters, stacks, table};
use crate::misuse;
use crate::spy;
use crate::stack_report;
use crate::support::env;
use crate::support::line::LineBuffer;
use crate::types::diag::*;
use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::OnceLock;

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

/// A live block, as listing leaks sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiveBlock {
    /// What the caller was given: under a spy that offsets the pointers it
    /// hands out, the offset pointer and the bytes from there to the
    /// block's end.
    pub(crate) pointer: *mut c_void,
    pub(crate) size: usize,
    /// The block itself, as the table knows it.
    pub(crate) actual: usize,
    /// The checkpoint it was allocated in.
    pub(crate) epoch: u32,
    /// Its header flags (which say whether it holds one of the library's
    /// COM objects).
    pub(crate) flags: u32,
}

/// Calls `f` for each live block allocated at or after `checkpoint`, and
/// returns how many there were.
pub(crate) fn for_each_live_since(checkpoint: u32, mut f: impl FnMut(LiveBlock)) -> u64 {
    let mut count = 0;
    table::visit(|user| {
        let Some(info) = block::info(user as *const c_void) else { return };
        if info.epoch >= checkpoint {
            count += 1;
            let (pointer, size) = spy::caller_view(user as *mut c_void, info.size);
            f(LiveBlock { pointer, size, actual: user, epoch: info.epoch, flags: info.flags });
        }
    });
    count
}

/// Prints each live block allocated since `checkpoint` (with where it was
/// allocated, when that was recorded) and a summary line on stderr; returns
/// the number of such blocks.
pub(crate) fn report_leaks(checkpoint: u32) -> u64 {
    let mut bytes = 0u64;
    let count = for_each_live_since(checkpoint, |leak| {
        bytes += leak.size as u64;
        let (size, block) = (leak.size, leak.pointer);
        match com::class_of(leak.flags) {
            Some(class) => LineBuffer::print(format_args!(
                "naputil: leak: {size} bytes at {block:p}: an {} object (interface pointer {:#x}) never released\n",
                class.name,
                com::interface_in(leak.actual)
            )),
            None => LineBuffer::print(format_args!("naputil: leak: {size} bytes at {block:p}\n")),
        }
        stack_report::print_allocation(leak.actual);
    });
    LineBuffer::print(format_args!(
        "naputil: {count} live block(s), {bytes} byte(s) allocated since checkpoint {checkpoint}\n"
    ));
    count
}

/// Writes the JSON leak report of every live block to `path` (see
/// `stack_report::write_json`) and a summary line on stderr; returns the
/// number of live blocks.
fn report_leaks_as_json(path: &std::ffi::OsStr) -> u64 {
    let mut leaks = Vec::new();
    let count = for_each_live_since(0, |leak| leaks.push(leak));
    let bytes: u64 = leaks.iter().map(|l| l.size as u64).sum();
    let written = std::fs::File::create(path).and_then(|file| {
        let mut out = IoWriter { inner: std::io::BufWriter::new(file), error: None };
        let json = leaks.iter().map(|l| stack_report::JsonLeak {
            pointer: l.pointer as usize,
            size: l.size,
            epoch: l.epoch,
            actual: l.actual,
        });
        let formatted = stack_report::write_json(&mut out, json);
        match (formatted, out.error.take()) {
            (_, Some(e)) => Err(e),
            (Err(_), None) => Err(std::io::Error::other("formatting failed")),
            (Ok(()), None) => std::io::Write::flush(&mut out.inner),
        }
    });
    let path = path.to_string_lossy();
    match written {
        Ok(()) => LineBuffer::print(format_args!(
            "naputil: {count} live block(s), {bytes} byte(s) allocated since checkpoint 0, listed in {path}\n"
        )),
        Err(e) => LineBuffer::print(format_args!(
            "naputil: {count} live block(s), {bytes} byte(s) allocated since checkpoint 0; could not write {path}: {e}\n"
        )),
    }
    count
}

/// `fmt::Write` over an `io::Write`, keeping the first I/O error.
struct IoWriter<W: std::io::Write> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> core::fmt::Write for IoWriter<W> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.inner.write_all(s.as_bytes()).map_err(|e| {
            self.error.get_or_insert(e);
            core::fmt::Error
        })
    }
}

static LEAK_REPORT_AT_EXIT: AtomicBool = AtomicBool::new(false);
static LEAK_EXIT_CODE: AtomicU32 = AtomicU32::new(0);
/// Where `NAPUTIL_LEAK_REPORT=json:PATH` sends the at-exit report.
static LEAK_REPORT_JSON: OnceLock<std::ffi::OsString> = OnceLock::new();

/// Reads the settings from the environment (run once, at load time, by the
/// constructor in `capi::lifecycle`): `NAPUTIL_MISUSE` (`report`, `silent`,
/// `abort`: the misuse policy), `NAPUTIL_LEAK_REPORT` (non-empty and not
/// `0`: print live blocks at exit; `json:PATH`: write them to the file PATH
/// as JSON instead), `NAPUTIL_LEAK_EXITCODE` (exit with this status when
/// the at-exit report finds leaks), `NAPUTIL_BACKTRACE` (frames of call
/// stack to record per allocation and free: 0 off, 1 the default of 16, at
/// most 64) and `NAPUTIL_BACKTRACE_FREED` (how many of the latest frees to
/// remember). Returns whether the at-exit report is wanted.
pub(crate) fn load_settings() -> bool {
    misuse::load_policy_from_environment();
    load_backtrace_settings();
    let leak_report = env::var("NAPUTIL_LEAK_REPORT");
    if let Some(path) = leak_report.as_deref().and_then(|v| v.strip_prefix(b"json:")) {
        let _ = LEAK_REPORT_JSON.set(bytes_to_os_string(path));
    }
    let wanted = leak_report.is_some_and(|v| !v.is_empty() && v != b"0");
    if wanted {
        let code = env::var("NAPUTIL_LEAK_EXITCODE")
            .and_then(|c| core::str::from_utf8(&c).ok().and_then(|s| s.trim().parse::<u8>().ok()));
        LEAK_EXIT_CODE.store(code.map_or(0, u32::from), Ordering::Relaxed);
        LEAK_REPORT_AT_EXIT.store(true, Ordering::Release);
    }
    wanted
}

/// A decimal number from the environment variable `name`, if it holds one.
fn env_number(name: &str) -> Option<u64> {
    env::var(name).and_then(|v| core::str::from_utf8(&v).ok().and_then(|s| s.trim().parse::<u64>().ok()))
}

/// `NAPUTIL_BACKTRACE=N` (more than 64 frames means 64; anything that is
/// not a number leaves stacks off) and `NAPUTIL_BACKTRACE_FREED=N`.
fn load_backtrace_settings() {
    if let Some(frees) = env_number("NAPUTIL_BACKTRACE_FREED") {
        stacks::set_history(frees.min(stacks::MAX_HISTORY as u64) as usize);
    }
    if let Some(frames) = env_number("NAPUTIL_BACKTRACE") {
        stacks::set_frames(stacks::frames_for_request(frames).unwrap_or(crate::support::unwind::MAX_FRAMES));
    }
}

fn bytes_to_os_string(bytes: &[u8]) -> std::ffi::OsString {
    #[cfg(unix)]
    return <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes).to_owned();
    #[cfg(not(unix))]
    return String::from_utf8_lossy(bytes).into_owned().into();
}

/// The at-exit report, when `NAPUTIL_LEAK_REPORT` asked for it: prints the
/// live blocks (or writes them as JSON) and, when there are some and
/// `NAPUTIL_LEAK_EXITCODE` set a status, ends the process with it.
pub(crate) fn report_at_exit() {
    if !LEAK_REPORT_AT_EXIT.load(Ordering::Acquire) {
        return;
    }
    let leaks = match LEAK_REPORT_JSON.get() {
        Some(path) => report_leaks_as_json(path),
        None => report_leaks(0),
    };
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
