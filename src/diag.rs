//! Diagnostics beyond Windows: counters, misuse reports, leak enumeration,
//! checkpoints and the at-exit leak report.
//!
//! Counters live in per-thread stripes so that the allocation fast path
//! writes only to a cache line its own thread owns: no shared atomic is
//! modified on every allocation, which is what lets the allocator scale with
//! threads. Readers add the stripes up.

// Each exported function's documentation states its contract for the C
// caller, which is what a `# Safety` section would repeat.
#![allow(clippy::missing_safety_doc)]

use crate::alloc;
use crate::table;
use crate::win::{E_INVALIDARG, E_POINTER, HRESULT, S_OK};
use core::cell::Cell;
use core::ffi::{c_char, c_void};
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use crate::sync::SpinLock;

// ---------------------------------------------------------------------------
// Public C types and constants
// ---------------------------------------------------------------------------

/// Misuse policy: print one line per incident on stderr (the default).
pub const NAPUTIL_MISUSE_REPORT: u32 = 0;
/// Misuse policy: count incidents but print nothing.
pub const NAPUTIL_MISUSE_SILENT: u32 = 1;
/// Misuse policy: report the incident, then call `abort()` (for debuggers).
pub const NAPUTIL_MISUSE_ABORT: u32 = 2;

/// Misuse kind: the pointer was a block of this allocator that is already
/// freed (a double free or a stale pointer). The table records addresses,
/// not owners: a pointer from elsewhere (`malloc`, `new`) that happens to
/// sit at an address where a freed block once started is reported as this
/// kind, not as `NAPUTIL_MISUSE_FOREIGN`. Either way nothing is touched.
pub const NAPUTIL_MISUSE_DOUBLE_FREE: u32 = 1;
/// Misuse kind: the pointer points inside a live block, not at its start.
pub const NAPUTIL_MISUSE_INTERIOR: u32 = 2;
/// Misuse kind: the pointer is on the calling thread's stack.
pub const NAPUTIL_MISUSE_STACK: u32 = 3;
/// Misuse kind: the pointer is inside a loaded program or library image
/// (a string literal, a global or static variable).
pub const NAPUTIL_MISUSE_STATIC: u32 = 4;
/// Misuse kind: any other pointer this allocator never handed out (for
/// example one from `malloc` or `new`).
pub const NAPUTIL_MISUSE_FOREIGN: u32 = 5;
/// Misuse kind: the tracking table could not grow while moving a block in
/// `CoTaskMemRealloc`; the block was released and NULL returned.
pub const NAPUTIL_MISUSE_TABLE_EXHAUSTED: u32 = 6;

const KIND_COUNT: usize = 7;

/// One misuse incident, as handed to a `NaputilMisuseHandler`.
#[repr(C)]
pub struct NaputilMisuse {
    /// One of the `NAPUTIL_MISUSE_*` kinds.
    pub kind: u32,
    /// The API function that received the pointer, e.g. `"CoTaskMemFree"`.
    pub function: *const c_char,
    /// The offending pointer (never dereferenced by the library).
    pub pointer: *const c_void,
    /// For `NAPUTIL_MISUSE_INTERIOR`, the start of the live block that
    /// contains `pointer`; otherwise NULL.
    pub block: *const c_void,
    /// A short English description of the kind.
    pub description: *const c_char,
}

/// Receives misuse incidents instead of the default stderr line. Called on
/// the thread that made the bad call, with no library lock held: it may call
/// the allocator. `misuse` is valid only during the call.
pub type NaputilMisuseHandler = Option<unsafe extern "C" fn(misuse: *const NaputilMisuse, context: *mut c_void)>;

/// Receives one live block during `naputil_leaks_since`.
pub type NaputilBlockVisitor = Option<unsafe extern "C" fn(block: *mut c_void, size: usize, context: *mut c_void)>;

/// A snapshot of the allocator's counters (`naputil_get_stats`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NaputilStats {
    /// Blocks allocated and not yet freed.
    pub live_blocks: u64,
    /// Bytes requested by the live blocks.
    pub live_bytes: u64,
    /// Highest `live_bytes` seen. Exact while one thread has allocated;
    /// with more threads it is sampled and may be low by up to 64 KiB per
    /// allocating thread.
    pub peak_bytes: u64,
    /// Successful allocations (`CoTaskMemAlloc`, `IMalloc::Alloc`, the
    /// `Alloc*` NAP functions, and `CoTaskMemRealloc(NULL, n)`).
    pub total_allocs: u64,
    /// Successful frees, including `CoTaskMemRealloc(p, 0)`.
    pub total_frees: u64,
    /// Successful resizes by `CoTaskMemRealloc` of a live block.
    pub total_reallocs: u64,
    /// Bytes requested by all allocations and resizes.
    pub total_bytes_requested: u64,
    /// Misuse incidents of every kind.
    pub misuse_total: u64,
    /// `NAPUTIL_MISUSE_DOUBLE_FREE` incidents.
    pub misuse_double_free: u64,
    /// `NAPUTIL_MISUSE_INTERIOR` incidents.
    pub misuse_interior: u64,
    /// `NAPUTIL_MISUSE_STACK` incidents.
    pub misuse_stack: u64,
    /// `NAPUTIL_MISUSE_STATIC` incidents.
    pub misuse_static: u64,
    /// `NAPUTIL_MISUSE_FOREIGN` incidents.
    pub misuse_foreign: u64,
    /// Address space reserved by the tracking table, in bytes (it is backed
    /// by memory only where blocks are).
    pub table_reserved_bytes: u64,
}

// ---------------------------------------------------------------------------
// Per-thread counter stripes
// ---------------------------------------------------------------------------

const STRIPE_COUNT: usize = 256;
/// Growth of a thread's live bytes after which it refreshes the peak.
const PEAK_SAMPLE_BYTES: i64 = 64 * 1024;

#[repr(align(128))]
struct Stripe {
    owned: AtomicBool,
    allocs: AtomicU64,
    frees: AtomicU64,
    reallocs: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    /// This stripe's live bytes when it last refreshed the peak.
    peak_mark: AtomicI64,
}

impl Stripe {
    const fn new() -> Self {
        Stripe {
            owned: AtomicBool::new(false),
            allocs: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            reallocs: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            peak_mark: AtomicI64::new(0),
        }
    }

    fn live_bytes(&self) -> i64 {
        self.bytes_in.load(Ordering::Relaxed).wrapping_sub(self.bytes_out.load(Ordering::Relaxed)) as i64
    }
}

static STRIPES: [Stripe; STRIPE_COUNT] = [const { Stripe::new() }; STRIPE_COUNT];
/// The stripe used by threads that could not get one of their own.
const SHARED_STRIPE: usize = 0;
/// How many threads have ever taken a stripe; 1 means the peak is exact.
static THREADS_SEEN: AtomicUsize = AtomicUsize::new(0);
/// One past the highest stripe ever claimed: stripes above it have never
/// counted anything, so readers (and the sampled peak refresh, which runs
/// on the allocation path) add up only the stripes below it.
static STRIPES_USED: AtomicUsize = AtomicUsize::new(SHARED_STRIPE + 1);
static PEAK: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The stripe this thread owns, or null while it owns none (before its
    /// first allocation, after it has given its stripe back at exit, or when
    /// all were taken). Const-initialised and without a destructor, so
    /// reading it is a single thread-local load with no lazy-init check.
    static OWN_STRIPE: Cell<*const Stripe> = const { Cell::new(core::ptr::null()) };
    /// Whether this thread has already tried to claim a stripe.
    static CLAIM_TRIED: Cell<bool> = const { Cell::new(false) };
    /// Gives the owned stripe back when the thread exits. Touched only when
    /// a stripe is claimed, so the fast path never pays for registering it.
    static STRIPE_RELEASE: StripeRelease = const { StripeRelease };
}

/// Thread-exit hook that returns the thread's stripe to the pool. The counts
/// stay in the stripe: they are totals, so a later owner adds on.
struct StripeRelease;

impl Drop for StripeRelease {
    fn drop(&mut self) {
        // Allocations made after this (by later thread-local destructors)
        // use the shared stripe.
        let own = OWN_STRIPE.replace(core::ptr::null());
        if !own.is_null() {
            // SAFETY: non-null values of OWN_STRIPE point into STRIPES.
            unsafe { &*own }.owned.store(false, Ordering::Release);
        }
    }
}

/// The stripe a thread without one of its own uses: the first time, tries
/// to claim one; otherwise (more threads than stripes, or a thread that is
/// exiting) the shared stripe, updated with read-modify-writes.
#[cold]
#[inline(never)]
fn claim_stripe() -> (&'static Stripe, bool) {
    if !CLAIM_TRIED.replace(true) {
        ensure_initialized();
        THREADS_SEEN.fetch_add(1, Ordering::Relaxed);
        if let Some((index, stripe)) = STRIPES
            .iter()
            .enumerate()
            .skip(SHARED_STRIPE + 1)
            .find(|(_, s)| s.owned.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok())
        {
            STRIPES_USED.fetch_max(index + 1, Ordering::AcqRel);
            if STRIPE_RELEASE.try_with(|_| ()).is_ok() {
                OWN_STRIPE.set(stripe);
                return (stripe, true);
            }
            // The thread is already exiting: nothing would give it back.
            stripe.owned.store(false, Ordering::Release);
        }
    }
    (&STRIPES[SHARED_STRIPE], false)
}

/// Adds `delta` to a counter. An exclusive owner is the only writer, so a
/// plain load and store suffice; a shared stripe needs a read-modify-write.
#[inline(always)]
fn bump(counter: &AtomicU64, delta: u64, exclusive: bool) {
    if exclusive {
        counter.store(counter.load(Ordering::Relaxed).wrapping_add(delta), Ordering::Relaxed);
    } else {
        counter.fetch_add(delta, Ordering::Relaxed);
    }
}

#[inline(always)]
fn with_stripe(f: impl FnOnce(&Stripe, bool)) {
    let own = OWN_STRIPE.with(Cell::get);
    if own.is_null() {
        let (stripe, exclusive) = claim_stripe();
        f(stripe, exclusive)
    } else {
        // SAFETY: non-null values of OWN_STRIPE point into STRIPES.
        f(unsafe { &*own }, true)
    }
}

#[inline(always)]
pub(crate) fn record_alloc(size: usize) {
    with_stripe(|s, exclusive| {
        bump(&s.allocs, 1, exclusive);
        bump(&s.bytes_in, size as u64, exclusive);
        note_growth(s);
    })
}

#[inline(always)]
pub(crate) fn record_free(size: usize) {
    with_stripe(|s, exclusive| {
        bump(&s.frees, 1, exclusive);
        bump(&s.bytes_out, size as u64, exclusive);
    })
}

#[inline(always)]
pub(crate) fn record_realloc(old: usize, new: usize) {
    with_stripe(|s, exclusive| {
        bump(&s.reallocs, 1, exclusive);
        bump(&s.bytes_in, new as u64, exclusive);
        bump(&s.bytes_out, old as u64, exclusive);
        note_growth(s);
    })
}

/// Keeps `PEAK` current: on every allocation while a single thread has ever
/// allocated, and every `PEAK_SAMPLE_BYTES` of a thread's growth otherwise.
#[inline(always)]
fn note_growth(s: &Stripe) {
    let live = s.live_bytes();
    if THREADS_SEEN.load(Ordering::Relaxed) <= 1 {
        let live = live.max(0) as u64;
        if live > PEAK.load(Ordering::Relaxed) {
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
    } else if live - s.peak_mark.load(Ordering::Relaxed) >= PEAK_SAMPLE_BYTES {
        s.peak_mark.store(live, Ordering::Relaxed);
        refresh_peak();
    }
}

#[cold]
fn refresh_peak() -> u64 {
    let live = totals().live_bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
    PEAK.load(Ordering::Relaxed)
}

struct Totals {
    allocs: u64,
    frees: u64,
    reallocs: u64,
    bytes_in: u64,
    live_bytes: u64,
}

fn totals() -> Totals {
    let mut t = Totals { allocs: 0, frees: 0, reallocs: 0, bytes_in: 0, live_bytes: 0 };
    let mut bytes_out = 0u64;
    for s in &STRIPES[..STRIPES_USED.load(Ordering::Acquire)] {
        t.allocs = t.allocs.wrapping_add(s.allocs.load(Ordering::Relaxed));
        t.frees = t.frees.wrapping_add(s.frees.load(Ordering::Relaxed));
        t.reallocs = t.reallocs.wrapping_add(s.reallocs.load(Ordering::Relaxed));
        t.bytes_in = t.bytes_in.wrapping_add(s.bytes_in.load(Ordering::Relaxed));
        bytes_out = bytes_out.wrapping_add(s.bytes_out.load(Ordering::Relaxed));
    }
    t.live_bytes = t.bytes_in.wrapping_sub(bytes_out);
    t
}

/// A consistent-at-rest snapshot of all counters.
pub fn stats() -> NaputilStats {
    let t = totals();
    let misuse = |k: u32| MISUSE_COUNTS[k as usize].load(Ordering::Relaxed);
    NaputilStats {
        live_blocks: t.allocs.wrapping_sub(t.frees),
        live_bytes: t.live_bytes,
        peak_bytes: PEAK.fetch_max(t.live_bytes, Ordering::Relaxed).max(t.live_bytes),
        total_allocs: t.allocs,
        total_frees: t.frees,
        total_reallocs: t.reallocs,
        total_bytes_requested: t.bytes_in,
        misuse_total: MISUSE_COUNTS.iter().map(|c| c.load(Ordering::Relaxed)).sum(),
        misuse_double_free: misuse(NAPUTIL_MISUSE_DOUBLE_FREE),
        misuse_interior: misuse(NAPUTIL_MISUSE_INTERIOR),
        misuse_stack: misuse(NAPUTIL_MISUSE_STACK),
        misuse_static: misuse(NAPUTIL_MISUSE_STATIC),
        misuse_foreign: misuse(NAPUTIL_MISUSE_FOREIGN),
        table_reserved_bytes: table::reserved_bytes() as u64,
    }
}

// ---------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------

static EPOCH: AtomicU32 = AtomicU32::new(0);

#[inline(always)]
pub(crate) fn current_epoch() -> u32 {
    EPOCH.load(Ordering::Relaxed)
}

/// Calls `f(block, size)` for each live block allocated at or after
/// `checkpoint`, and returns how many there were.
pub(crate) fn for_each_live_since(checkpoint: u32, mut f: impl FnMut(*mut c_void, usize)) -> u64 {
    let mut count = 0;
    table::visit(|user| {
        if table::state(user) != table::State::Live {
            return;
        }
        // SAFETY: the table lists `user` as a live block; enumeration is
        // documented as not racing with frees of the blocks it reports.
        let (size, epoch) = unsafe {
            let h = alloc::header(user);
            (h.size, h.epoch)
        };
        if epoch >= checkpoint {
            count += 1;
            f(user as *mut c_void, size);
        }
    });
    count
}

// ---------------------------------------------------------------------------
// Misuse
// ---------------------------------------------------------------------------

static MISUSE_COUNTS: [AtomicU64; KIND_COUNT] = [const { AtomicU64::new(0) }; KIND_COUNT];
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
pub(crate) struct Classified {
    kind: u32,
    block: usize,
}

/// Explains why `user` is not a live block. Only ever reads the headers of
/// blocks the table says are live.
#[cold]
pub(crate) fn classify(user: usize) -> Classified {
    if table::state(user) == table::State::Freed {
        return Classified { kind: NAPUTIL_MISUSE_DOUBLE_FREE, block: 0 };
    }
    if let Some(start) = table::live_start_before(user, INTERIOR_SEARCH_BYTES) {
        // SAFETY: the table says `start` is a live block.
        let size = unsafe { alloc::header(start).size };
        if user - start <= size {
            return Classified { kind: NAPUTIL_MISUSE_INTERIOR, block: start };
        }
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

fn kind_description(kind: u32) -> &'static core::ffi::CStr {
    match kind {
        NAPUTIL_MISUSE_DOUBLE_FREE => c"pointer was already freed (double free, or a stale or foreign pointer at a freed block's address)",
        NAPUTIL_MISUSE_INTERIOR => c"pointer points inside a block, not at its start",
        NAPUTIL_MISUSE_STACK => c"pointer is on the stack",
        NAPUTIL_MISUSE_STATIC => c"pointer is static data (a literal or global)",
        NAPUTIL_MISUSE_FOREIGN => c"pointer was not allocated by the task allocator",
        NAPUTIL_MISUSE_TABLE_EXHAUSTED => c"tracking table could not grow; block released",
        _ => c"unknown misuse",
    }
}

/// Counts and reports one misuse incident according to the policy.
#[cold]
pub(crate) fn report_misuse(function: &'static str, pointer: *mut c_void, what: Classified) {
    ensure_initialized();
    MISUSE_COUNTS[what.kind as usize].fetch_add(1, Ordering::Relaxed);
    let policy = POLICY.load(Ordering::Relaxed);
    let mut name = [0u8; 64];
    let len = function.len().min(name.len() - 1);
    name[..len].copy_from_slice(&function.as_bytes()[..len]);
    let record = NaputilMisuse {
        kind: what.kind,
        function: name.as_ptr().cast(),
        pointer,
        block: what.block as *const c_void,
        description: kind_description(what.kind).as_ptr(),
    };
    let handler = *HANDLER.lock();
    match handler {
        // SAFETY: the application installed this function for this purpose;
        // `record` and the strings it points to outlive the call.
        Some(h) => unsafe { (h.function)(&record, h.context) },
        None if policy != NAPUTIL_MISUSE_SILENT => {
            let mut line = LineBuffer::new();
            let _ = core::fmt::write(
                &mut line,
                format_args!(
                    "naputil: misuse: {}({:p}): {}; ignored\n",
                    &function[..len],
                    pointer,
                    kind_description(what.kind).to_str().unwrap_or("misuse")
                ),
            );
            line.write_to_stderr();
        }
        None => {}
    }
    if policy == NAPUTIL_MISUSE_ABORT {
        // SAFETY: abort never returns and takes no arguments.
        unsafe { libc::abort() };
    }
}

#[cold]
pub(crate) fn report_table_exhausted(function: &'static str) {
    report_misuse(function, core::ptr::null_mut(), Classified { kind: NAPUTIL_MISUSE_TABLE_EXHAUSTED, block: 0 });
}

/// A fixed stack buffer for one report line: reports must not allocate
/// (they can run inside the allocator) and must not take Rust's stderr lock
/// (they can run in a child after `fork`).
struct LineBuffer {
    bytes: [u8; 512],
    len: usize,
}

impl LineBuffer {
    fn new() -> Self {
        LineBuffer { bytes: [0; 512], len: 0 }
    }

    fn write_to_stderr(&self) {
        let mut done = 0;
        while done < self.len {
            // SAFETY: writes initialized bytes of our own buffer to fd 2.
            let n = unsafe { libc::write(2, self.bytes[done..].as_ptr().cast(), (self.len - done) as _) };
            if n <= 0 {
                break;
            }
            done += n as usize;
        }
    }
}

impl core::fmt::Write for LineBuffer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.bytes.len() - self.len;
        let n = s.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Environment and the at-exit report
// ---------------------------------------------------------------------------

/// 0: not yet, 1: in progress, 2: done.
static INIT_STATE: AtomicU8 = AtomicU8::new(0);
static LEAK_REPORT_AT_EXIT: AtomicBool = AtomicBool::new(false);
static LEAK_EXIT_CODE: AtomicU32 = AtomicU32::new(0);

/// Reads the environment once: `NAPUTIL_MISUSE` (`report`, `silent`,
/// `abort`), `NAPUTIL_LEAK_REPORT` (non-empty and not `0`: print live blocks
/// at exit) and `NAPUTIL_LEAK_EXITCODE` (exit with this status when the
/// at-exit report finds leaks).
#[inline]
pub(crate) fn ensure_initialized() {
    if INIT_STATE.load(Ordering::Acquire) != 2 {
        initialize();
    }
}

#[cold]
fn initialize() {
    if INIT_STATE.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return;
    }
    match env("NAPUTIL_MISUSE").as_deref() {
        Some(b"silent") => POLICY.store(NAPUTIL_MISUSE_SILENT, Ordering::Relaxed),
        Some(b"abort") => POLICY.store(NAPUTIL_MISUSE_ABORT, Ordering::Relaxed),
        _ => {}
    }
    if let Some(v) = env("NAPUTIL_LEAK_REPORT") {
        if !v.is_empty() && v != b"0" {
            LEAK_REPORT_AT_EXIT.store(true, Ordering::Relaxed);
            if let Some(code) = env("NAPUTIL_LEAK_EXITCODE")
                .and_then(|c| core::str::from_utf8(&c).ok().and_then(|s| s.trim().parse::<u8>().ok()))
            {
                LEAK_EXIT_CODE.store(code as u32, Ordering::Relaxed);
            }
            // SAFETY: registers a plain extern "C" function with no captures.
            unsafe { libc::atexit(report_leaks_at_exit) };
        }
    }
    #[cfg(unix)]
    // SAFETY: registers plain extern "C" functions with no captures.
    unsafe {
        libc::pthread_atfork(Some(before_fork), Some(after_fork), Some(after_fork));
    }
    INIT_STATE.store(2, Ordering::Release);
}

/// Holds the handler lock across `fork()`, so the child never inherits it
/// locked; it is held only to copy two words, never while a handler runs.
#[cfg(unix)]
extern "C" fn before_fork() {
    core::mem::forget(HANDLER.lock());
}

#[cfg(unix)]
extern "C" fn after_fork() {
    // SAFETY: `before_fork` locked it on this thread (the only thread, in
    // the child) and leaked the guard.
    unsafe { HANDLER.force_unlock() };
}


/// Reads an environment variable as bytes.
fn env(name: &str) -> Option<Vec<u8>> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned().into_bytes())
}

extern "C" fn report_leaks_at_exit() {
    crate::ffi::guard_void(|| {
        let leaks = report_leaks(0);
        let code = LEAK_EXIT_CODE.load(Ordering::Relaxed);
        if leaks > 0 && code != 0 {
            // SAFETY: flush C stdio so the program's output is not lost,
            // then end the process with the requested status.
            unsafe {
                libc::fflush(core::ptr::null_mut());
                libc::_exit(code as i32);
            }
        }
    })
}

/// Prints each live block allocated since `checkpoint` and a summary line on
/// stderr; returns the number of such blocks.
pub(crate) fn report_leaks(checkpoint: u32) -> u64 {
    let mut bytes = 0u64;
    let count = for_each_live_since(checkpoint, |block, size| {
        bytes += size as u64;
        let mut line = LineBuffer::new();
        let _ = core::fmt::write(&mut line, format_args!("naputil: leak: {size} bytes at {block:p}\n"));
        line.write_to_stderr();
    });
    let mut line = LineBuffer::new();
    let _ = core::fmt::write(
        &mut line,
        format_args!("naputil: {count} live block(s), {bytes} byte(s) allocated since checkpoint {checkpoint}\n"),
    );
    line.write_to_stderr();
    count
}

// ---------------------------------------------------------------------------
// Exported diagnostics API
// ---------------------------------------------------------------------------

/// Fills `*stats` with the allocator's current counters. Returns `S_OK`, or
/// `E_POINTER` when `stats` is NULL. Counts are exact when no other thread
/// is allocating or freeing at the same moment.
#[no_mangle]
pub unsafe extern "C" fn naputil_get_stats(stats: *mut NaputilStats) -> HRESULT {
    crate::ffi::guard(E_POINTER, || {
        if stats.is_null() {
            return E_POINTER;
        }
        // SAFETY: non-NULL and, per this function's contract, writable.
        unsafe { stats.write(self::stats()) };
        S_OK
    })
}

/// Number of live blocks (allocated and not yet freed).
#[no_mangle]
pub extern "C" fn naputil_live_blocks() -> u64 {
    crate::ffi::guard(0, || stats().live_blocks)
}

/// Bytes requested by the live blocks.
#[no_mangle]
pub extern "C" fn naputil_live_bytes() -> u64 {
    crate::ffi::guard(0, || stats().live_bytes)
}

/// Number of misuse incidents (bad frees and reallocs) so far, all kinds.
#[no_mangle]
pub extern "C" fn naputil_misuse_count() -> u64 {
    crate::ffi::guard(0, || stats().misuse_total)
}

/// Starts a new checkpoint and returns its number. Blocks allocated from now
/// on belong to it; `naputil_leaks_since(checkpoint, ...)` later lists those
/// still live, so a test can assert that a call leaked nothing.
#[no_mangle]
pub extern "C" fn naputil_checkpoint() -> u32 {
    crate::ffi::guard(0, || EPOCH.fetch_add(1, Ordering::AcqRel).wrapping_add(1))
}

/// Counts the live blocks allocated since `checkpoint` (0: since start-up)
/// and, when `visit` is not NULL, calls `visit(block, size, context)` for
/// each. The visitor may free the block it is given. Do not call this while
/// other threads free the blocks being listed.
#[no_mangle]
pub unsafe extern "C" fn naputil_leaks_since(checkpoint: u32, visit: NaputilBlockVisitor, context: *mut c_void) -> u64 {
    crate::ffi::guard(0, || {
        for_each_live_since(checkpoint, |block, size| {
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
    crate::ffi::guard(0, || report_leaks(checkpoint))
}

/// Chooses what happens on misuse when no handler is installed:
/// `NAPUTIL_MISUSE_REPORT` (default), `NAPUTIL_MISUSE_SILENT` or
/// `NAPUTIL_MISUSE_ABORT` (abort also applies after a handler runs).
/// Returns `S_OK`, or `E_INVALIDARG` for any other value. The environment
/// variable `NAPUTIL_MISUSE` (`report`, `silent`, `abort`) sets the initial
/// policy.
#[no_mangle]
pub extern "C" fn naputil_set_misuse_policy(policy: u32) -> HRESULT {
    crate::ffi::guard(E_INVALIDARG, || {
        ensure_initialized();
        match policy {
            NAPUTIL_MISUSE_REPORT | NAPUTIL_MISUSE_SILENT | NAPUTIL_MISUSE_ABORT => {
                POLICY.store(policy, Ordering::Relaxed);
                S_OK
            }
            _ => E_INVALIDARG,
        }
    })
}

/// The current misuse policy (`NAPUTIL_MISUSE_*`).
#[no_mangle]
pub extern "C" fn naputil_get_misuse_policy() -> u32 {
    crate::ffi::guard(NAPUTIL_MISUSE_REPORT, || {
        ensure_initialized();
        POLICY.load(Ordering::Relaxed)
    })
}

/// Installs `handler` to receive every misuse incident instead of the
/// default stderr line; `context` is passed back to it. NULL restores the
/// default. The handler runs on the thread that misused the allocator, with
/// no library lock held.
#[no_mangle]
pub extern "C" fn naputil_set_misuse_handler(handler: NaputilMisuseHandler, context: *mut c_void) {
    crate::ffi::guard_void(|| {
        *HANDLER.lock() = handler.map(|function| Handler { function, context });
    })
}

/// A static, NUL-terminated English description of a `NAPUTIL_MISUSE_*`
/// kind ("unknown misuse" for other values). Never NULL.
#[no_mangle]
pub extern "C" fn naputil_misuse_description(kind: u32) -> *const c_char {
    crate::ffi::guard(c"unknown misuse".as_ptr(), || kind_description(kind).as_ptr())
}
