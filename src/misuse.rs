//! Misuse: why a pointer handed to the library is not a live block
//! (classification), and what happens then (the policy, the application's
//! handler, the report line). Reads the table; calls no allocator.

use crate::heap::{block, table};
use crate::stack_report::{c_stack, MisuseStacks};
use crate::support::line::LineBuffer;
use crate::support::lock::SpinLock;
use crate::types::diag::*;
use core::ffi::c_void;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

static MISUSE_COUNTS: [AtomicU64; MISUSE_KIND_COUNT] = [const { AtomicU64::new(0) }; MISUSE_KIND_COUNT];
static POLICY: AtomicU32 = AtomicU32::new(NAPUTIL_MISUSE_REPORT);

#[derive(Clone, Copy)]
struct Handler {
    function: unsafe extern "C" fn(*const NaputilMisuse, *mut c_void),
    context: *mut c_void,
}
// SAFETY: the handler and its context are the application's; it promised
// (by installing them) that they may be used from any thread.
unsafe impl Send for Handler {}

static HANDLER: SpinLock<Option<Handler>> = SpinLock::new(None);

/// How far below a pointer to look for the start of a block containing it.
const INTERIOR_SEARCH_BYTES: usize = 256 * 1024;

/// What a pointer that is not a live block start is, and the block it lies
/// inside for an interior pointer.
#[derive(Clone, Copy)]
pub(crate) struct Classified {
    kind: u32,
    block: usize,
}

/// Explains why `user` is not a live block. Only ever reads the headers of
/// blocks the table says are live.
#[cold]
pub(crate) fn classify(pointer: *mut c_void) -> Classified {
    let user = pointer as usize;
    // Inside a live block first: an address where a freed block once
    // started may lie inside a block allocated since (the table remembers
    // the old start), and then it is an interior pointer, not a double free.
    if let Some(start) = table::live_start_before(user, INTERIOR_SEARCH_BYTES) {
        let size = block::size(start as *const c_void).unwrap_or(0);
        if user - start <= size {
            return Classified { kind: NAPUTIL_MISUSE_INTERIOR, block: start };
        }
    }
    if table::state(user) == table::State::Freed {
        return Classified { kind: NAPUTIL_MISUSE_DOUBLE_FREE, block: 0 };
    }
    if on_current_stack(user) {
        return Classified { kind: NAPUTIL_MISUSE_STACK, block: 0 };
    }
    if in_loaded_image(user) {
        return Classified { kind: NAPUTIL_MISUSE_STATIC, block: 0 };
    }
    Classified { kind: NAPUTIL_MISUSE_FOREIGN, block: 0 }
}

#[cfg(target_os = "linux")]
fn on_current_stack(addr: usize) -> bool {
    // SAFETY: pthread_getattr_np fills `attr`, which is destroyed after use;
    // the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = core::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return false;
        }
        let mut base: *mut c_void = core::ptr::null_mut();
        let mut size: usize = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut base, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok && addr >= base as usize && addr - (base as usize) < size
    }
}

#[cfg(target_os = "macos")]
fn on_current_stack(addr: usize) -> bool {
    // SAFETY: both calls only read the current thread's descriptor.
    unsafe {
        let this = libc::pthread_self();
        let top = libc::pthread_get_stackaddr_np(this) as usize;
        let size = libc::pthread_get_stacksize_np(this);
        addr < top && top - addr <= size
    }
}

#[cfg(windows)]
fn on_current_stack(addr: usize) -> bool {
    let (mut low, mut high) = (0usize, 0usize);
    // SAFETY: the call only writes the two locals.
    unsafe { windows::GetCurrentThreadStackLimits(&mut low, &mut high) };
    addr >= low && addr < high
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn on_current_stack(addr: usize) -> bool {
    // No query for this system: treat the 1 MiB around this frame as the
    // stack.
    let here = &addr as *const usize as usize;
    here.abs_diff(addr) < 1 << 20
}

#[cfg(unix)]
fn in_loaded_image(addr: usize) -> bool {
    // SAFETY: dladdr only inspects the loader's tables; `info` is a local.
    unsafe {
        let mut info: libc::Dl_info = core::mem::zeroed();
        libc::dladdr(addr as *const c_void, &mut info) != 0
    }
}

#[cfg(windows)]
fn in_loaded_image(addr: usize) -> bool {
    let mut module: *mut c_void = core::ptr::null_mut();
    // SAFETY: the loader only looks the address up; `module` is a local and
    // no reference count is taken.
    unsafe {
        windows::GetModuleHandleExW(
            windows::GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | windows::GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
            addr as *const u16,
            &mut module,
        ) != 0
    }
}

#[cfg(not(any(unix, windows)))]
fn in_loaded_image(_addr: usize) -> bool {
    false
}

/// The two kernel32 queries that classify misused pointers on Windows.
#[cfg(windows)]
mod windows {
    use core::ffi::c_void;

    pub(super) const GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT: u32 = 0x2;
    pub(super) const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;

    #[link(name = "kernel32")]
    extern "system" {
        pub(super) fn GetCurrentThreadStackLimits(low: *mut usize, high: *mut usize);
        pub(super) fn GetModuleHandleExW(flags: u32, name: *const u16, module: *mut *mut c_void) -> i32;
    }
}

pub(crate) fn kind_description(kind: u32) -> &'static core::ffi::CStr {
    match kind {
        NAPUTIL_MISUSE_DOUBLE_FREE => {
            c"pointer was already freed (double free, or a stale or foreign pointer at a freed block's address)"
        }
        NAPUTIL_MISUSE_INTERIOR => c"pointer points inside a block, not at its start",
        NAPUTIL_MISUSE_STACK => c"pointer is on the stack",
        NAPUTIL_MISUSE_STATIC => c"pointer is static data (a literal or global)",
        NAPUTIL_MISUSE_FOREIGN => c"pointer was not allocated by the task allocator",
        NAPUTIL_MISUSE_TABLE_EXHAUSTED => c"tracking table could not grow (no longer reported)",
        _ => c"unknown misuse",
    }
}

/// Counts and reports, according to the policy, that `function` was given
/// `pointer`, which is not a live block.
#[cold]
pub(crate) fn report(function: &'static str, pointer: *mut c_void) {
    report_classified(function, pointer, classify(pointer))
}

/// [`report`] for a pointer classified earlier (by a caller that must not
/// run the handler, foreign code, at the moment it found the misuse).
#[cold]
pub(crate) fn report_classified(function: &'static str, pointer: *mut c_void, what: Classified) {
    MISUSE_COUNTS[what.kind as usize].fetch_add(1, Ordering::Relaxed);
    let policy = POLICY.load(Ordering::Relaxed);
    let mut name = [0u8; 64];
    let len = function.len().min(name.len() - 1);
    name[..len].copy_from_slice(&function.as_bytes()[..len]);
    let stacks = MisuseStacks::of(what.kind, pointer as usize, what.block);
    let record = NaputilMisuse {
        kind: what.kind,
        function: name.as_ptr().cast(),
        pointer,
        block: what.block as *const c_void,
        description: kind_description(what.kind).as_ptr(),
        call_stack: c_stack(stacks.call),
        allocated_stack: c_stack(stacks.allocated),
        freed_stack: c_stack(stacks.freed),
    };
    let handler = *HANDLER.lock();
    match handler {
        // SAFETY: the application installed this function for this purpose;
        // `record` and the strings it points to outlive the call.
        Some(h) => unsafe { (h.function)(&record, h.context) },
        None if policy != NAPUTIL_MISUSE_SILENT => {
            LineBuffer::print(format_args!(
                "naputil: misuse: {}({:p}): {}; ignored\n",
                &function[..len],
                pointer,
                kind_description(what.kind).to_str().unwrap_or("misuse")
            ));
            stacks.print();
        }
        None => {}
    }
    if policy == NAPUTIL_MISUSE_ABORT {
        // SAFETY: abort never returns and takes no arguments.
        unsafe { libc::abort() };
    }
}

/// How many incidents of `kind` there have been (0 for an unknown kind).
pub(crate) fn count(kind: u32) -> u64 {
    MISUSE_COUNTS.get(kind as usize).map_or(0, |c| c.load(Ordering::Relaxed))
}

/// Incidents of every kind.
pub(crate) fn total() -> u64 {
    MISUSE_COUNTS.iter().map(|c| c.load(Ordering::Relaxed)).sum()
}

/// Sets the policy; false for a value that is not one.
pub(crate) fn set_policy(policy: u32) -> bool {
    let known = matches!(policy, NAPUTIL_MISUSE_REPORT | NAPUTIL_MISUSE_SILENT | NAPUTIL_MISUSE_ABORT);
    if known {
        POLICY.store(policy, Ordering::Relaxed);
    }
    known
}

pub(crate) fn policy() -> u32 {
    POLICY.load(Ordering::Relaxed)
}

/// Sets the policy `NAPUTIL_MISUSE` names (`report`, `silent`, `abort`), if
/// it names one.
pub(crate) fn load_policy_from_environment() {
    match crate::support::env::var("NAPUTIL_MISUSE").as_deref() {
        Some(b"report") => set_policy(NAPUTIL_MISUSE_REPORT),
        Some(b"silent") => set_policy(NAPUTIL_MISUSE_SILENT),
        Some(b"abort") => set_policy(NAPUTIL_MISUSE_ABORT),
        _ => false,
    };
}

/// Installs the application's handler (`None` restores the default line).
pub(crate) fn set_handler(handler: NaputilMisuseHandler, context: *mut c_void) {
    *HANDLER.lock() = handler.map(|function| Handler { function, context });
}
