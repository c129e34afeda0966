//! The library's own C types: misuse kinds and policies, call stacks, the
//! misuse record and handler, the block visitor, and the counters snapshot.

use core::ffi::{c_char, c_void};

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
/// Misuse kind kept for source compatibility; never reported. (Earlier
/// versions released a block when the tracking table could not grow in
/// `CoTaskMemRealloc`; now the table has room before the block can move,
/// and a failed `CoTaskMemRealloc` always leaves the block as it was.)
pub const NAPUTIL_MISUSE_TABLE_EXHAUSTED: u32 = 6;

/// One more than the highest `NAPUTIL_MISUSE_*` kind.
pub(crate) const MISUSE_KIND_COUNT: usize = 7;

/// A call stack recorded while `NAPUTIL_BACKTRACE` is on: `count` return
/// addresses, innermost first. `frames[0]` lies in the naputil function that
/// was called (`CoTaskMemAlloc`, `FreeSoH`, ...) and `frames[1]` in its
/// caller. Each distinct stack is stored once and never freed: the array
/// stays readable for the life of the process. An unknown stack has
/// `count` 0 and `frames` NULL. `naputil_describe_frame` turns an address
/// into a function name and source line.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NaputilStack {
    /// The return addresses.
    pub frames: *const *const c_void,
    /// How many there are.
    pub count: usize,
}

impl NaputilStack {
    /// No stack.
    pub const NONE: NaputilStack = NaputilStack { frames: core::ptr::null(), count: 0 };
}

/// One misuse incident, as handed to a `NaputilMisuseHandler`.
///
/// The library allocates this record and passes it by pointer, so fields
/// are only ever added at its end: a handler built against an older header
/// reads the fields it knows and keeps working.
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
    /// Where the call came from: `frames[0]` is in the function named by
    /// `function`, `frames[1]` in its caller. Empty while `NAPUTIL_BACKTRACE`
    /// is off.
    pub call_stack: NaputilStack,
    /// For `NAPUTIL_MISUSE_DOUBLE_FREE`, where the block was allocated; for
    /// `NAPUTIL_MISUSE_INTERIOR`, where the block containing `pointer` was
    /// allocated. Empty when not recorded.
    pub allocated_stack: NaputilStack,
    /// For `NAPUTIL_MISUSE_DOUBLE_FREE`, where the block was freed before.
    /// Empty when that is not known: only the latest frees are remembered
    /// (`NAPUTIL_BACKTRACE_FREED`, `naputil_set_freed_history`), and only
    /// of blocks allocated and freed while stacks were on.
    pub freed_stack: NaputilStack,
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
