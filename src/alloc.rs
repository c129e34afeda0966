//! `CoTaskMemAlloc`, `CoTaskMemRealloc` and `CoTaskMemFree`, and the tracked
//! block operations every other part of the library allocates through.
//!
//! Every block is one libc `malloc` block with a 16-byte header in front:
//!
//! ```text
//!   libc block: [ Header (16 bytes) | caller's bytes ... ]
//!                                     ^ pointer handed out, 16-byte aligned
//! ```
//!
//! The header keeps the size the caller asked for (so `IMalloc::GetSize`
//! answers with it, not with libc's usable size) and the checkpoint epoch the
//! block was born in. The header is read only after the tracking table says
//! the pointer is a live block, so foreign, stale, interior and static
//! pointers are never dereferenced, let alone passed to libc.

use crate::diag;
use crate::table;
use crate::win::SIZE_T;
use core::ffi::c_void;

/// Bytes in front of every block; keeps the caller's pointer as aligned as
/// libc's.
pub(crate) const HEADER_SIZE: usize = 16;

/// Bookkeeping stored in front of each block.
#[repr(C)]
pub(crate) struct Header {
    /// The size the caller requested.
    pub size: usize,
    /// The checkpoint epoch current when the block was allocated.
    pub epoch: u32,
    /// `FLAG_*` bits.
    pub flags: u32,
}

const _: () = assert!(core::mem::size_of::<Header>() <= HEADER_SIZE);

/// Largest request handed to libc. No object may exceed `PTRDIFF_MAX` bytes,
/// so anything larger fails here rather than asking libc for the impossible.
const MAX_REQUEST: usize = isize::MAX as usize - HEADER_SIZE;

/// The block was allocated while an `IMallocSpy` was registered.
pub(crate) const FLAG_SPIED: u32 = 1;

#[inline(always)]
fn header_of(user: usize) -> *mut Header {
    (user - HEADER_SIZE) as *mut Header
}

/// Reads the header of a block the table has just confirmed live.
///
/// # Safety
/// `user` must be a live block start (per the table) that no other thread is
/// freeing concurrently.
#[inline(always)]
pub(crate) unsafe fn header(user: usize) -> &'static mut Header {
    // SAFETY: guaranteed by the caller: the header of a live block is ours.
    unsafe { &mut *header_of(user) }
}

/// Writes a fresh block's header.
///
/// `epoch` and `flags` go in as one 8-byte store: libc reuses these bytes
/// (glibc keeps its tcache key there) and reads them back as one word as
/// soon as the block is freed; a load that spans two narrower stores cannot
/// be forwarded from the store buffer and stalls.
///
/// # Safety
/// `header` points to HEADER_SIZE writable bytes this module owns.
#[inline(always)]
unsafe fn write_header(header: *mut Header, size: usize, epoch: u32, flags: u32) {
    // SAFETY: guaranteed by the caller; `epoch` and `flags` are adjacent
    // `u32` fields (`repr(C)`), so the `[u32; 2]` bit pattern covers exactly
    // them, in memory order, whatever the byte order.
    unsafe {
        core::ptr::addr_of_mut!((*header).size).write(size);
        let tail: u64 = core::mem::transmute::<[u32; 2], u64>([epoch, flags]);
        core::ptr::addr_of_mut!((*header).epoch).cast::<u64>().write_unaligned(tail);
    }
}

/// Starts loading the cache line of the header a pointer would have, so that
/// on a large working set the miss on that line overlaps the miss on the
/// table's word instead of following it. A prefetch is only a hint: it never
/// faults and has no effect the program can observe, so it is safe on any
/// address, including ones the table will then reject.
#[inline(always)]
fn prefetch_header(user: usize) {
    let line = user.wrapping_sub(HEADER_SIZE);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is part of x86_64's baseline (SSE) and never faults.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(line as *const i8)
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint that never faults and touches no registers but
    // its address operand.
    unsafe {
        core::arch::asm!("prfm pldl1keep, [{0}]", in(reg) line, options(nostack, preserves_flags, readonly))
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = line;
}

/// Underlying libc allocation, the single point where fault injection (a
/// test-only feature) can make it fail.
#[inline(always)]
fn libc_malloc(total: usize) -> *mut c_void {
    #[cfg(feature = "fault-injection")]
    if crate::alloc::fault::should_fail() {
        return core::ptr::null_mut();
    }
    // SAFETY: plain libc call.
    unsafe { libc::malloc(total) }
}

#[inline(always)]
fn libc_realloc(base: *mut c_void, total: usize) -> *mut c_void {
    #[cfg(feature = "fault-injection")]
    if crate::alloc::fault::should_fail() {
        return core::ptr::null_mut();
    }
    // SAFETY: `base` is the libc block of a block this module owns.
    unsafe { libc::realloc(base, total) }
}

/// Allocates a tracked block of `size` bytes; NULL on failure (nothing is
/// recorded then). A zero-byte request gets a unique, non-NULL block.
#[inline(always)]
pub(crate) fn alloc_block(size: usize) -> *mut c_void {
    alloc_block_flagged(size, 0)
}

#[inline(always)]
pub(crate) fn alloc_block_flagged(size: usize, flags: u32) -> *mut c_void {
    if size > MAX_REQUEST {
        return core::ptr::null_mut();
    }
    let total = size.max(1) + HEADER_SIZE;
    let base = libc_malloc(total);
    if base.is_null() {
        return base;
    }
    let user = base as usize + HEADER_SIZE;
    if !table::insert(user) {
        // SAFETY: `base` came from libc just now and was never handed out.
        unsafe { libc::free(base) };
        return core::ptr::null_mut();
    }
    // SAFETY: `base` points to at least HEADER_SIZE writable bytes we own.
    unsafe { write_header(base.cast(), size, diag::current_epoch(), flags) };
    diag::record_alloc(size);
    #[cfg(test)]
    test_log::allocated(user);
    user as *mut c_void
}

/// Frees a tracked block. NULL is a no-op; a pointer that is not a live block
/// is not touched, only reported as misuse on behalf of `caller`.
#[inline(always)]
pub(crate) fn free_block(p: *mut c_void, caller: &'static str) {
    if p.is_null() {
        return;
    }
    let user = p as usize;
    prefetch_header(user);
    if !table::remove(user) {
        diag::report_misuse(caller, p, diag::classify(user));
        return;
    }
    // SAFETY: the table just handed this live block to us alone.
    let (size, flags) = unsafe { (header(user).size, header(user).flags) };
    release(user, header_of(user).cast(), size, flags);
}

/// Ends a block the table no longer holds: counts it freed, gives its libc
/// block `base` back, and drops the reference a spied block holds.
#[inline(always)]
fn release(user: usize, base: *mut c_void, size: usize, flags: u32) {
    diag::record_free(size);
    #[cfg(test)]
    test_log::freed(user);
    #[cfg(not(test))]
    let _ = user;
    // SAFETY: the callers pass the libc block of a block they removed from
    // the table (or that realloc just moved it to), which nothing else owns.
    unsafe { libc::free(base) };
    if flags & FLAG_SPIED != 0 {
        crate::spy::spied_block_freed();
    }
}

/// Size the caller requested for a live block, or `None` if `p` is not one.
#[inline]
pub(crate) fn block_size(p: *const c_void) -> Option<usize> {
    let user = p as usize;
    if p.is_null() || table::state(user) != table::State::Live {
        return None;
    }
    // SAFETY: the table says `user` is a live block.
    Some(unsafe { header(user).size })
}

/// Whether `p` is a live block start.
#[inline]
pub(crate) fn is_live(p: *const c_void) -> bool {
    !p.is_null() && table::state(p as usize) == table::State::Live
}

/// Reallocates per `CoTaskMemRealloc`'s contract.
pub(crate) fn realloc_block(p: *mut c_void, size: usize, caller: &'static str) -> *mut c_void {
    if p.is_null() {
        return alloc_block(size);
    }
    let user = p as usize;
    if !table::remove(user) {
        diag::report_misuse(caller, p, diag::classify(user));
        return core::ptr::null_mut();
    }
    // SAFETY: the table handed the live block to us alone.
    let old = unsafe { header(user) };
    let (old_size, old_flags) = (old.size, old.flags);
    if size == 0 {
        release(user, header_of(user).cast(), old_size, old_flags);
        return core::ptr::null_mut();
    }
    if size > MAX_REQUEST {
        restore(user);
        return core::ptr::null_mut();
    }
    let total = size + HEADER_SIZE;
    let moved = libc_realloc(header_of(user).cast(), total);
    if moved.is_null() {
        restore(user);
        return core::ptr::null_mut();
    }
    let new_user = moved as usize + HEADER_SIZE;
    if !table::insert(new_user) {
        // The table could not grow to cover the new address: the contents
        // cannot be returned safely, so release them and fail loudly.
        release(user, moved, old_size, old_flags);
        diag::report_table_exhausted(caller);
        return core::ptr::null_mut();
    }
    // SAFETY: `moved` is our libc block with its header copied by realloc.
    unsafe { (*moved.cast::<Header>()).size = size };
    diag::record_realloc(old_size, size);
    #[cfg(test)]
    {
        test_log::freed(user);
        test_log::allocated(new_user);
    }
    new_user as *mut c_void
}

/// Puts a block back in the table after a failed reallocation.
fn restore(user: usize) {
    let reinserted = table::insert(user);
    debug_assert!(reinserted, "a block's own leaf always exists");
}

/// `HeapMinimize`: hands free memory back to the system where libc can.
pub(crate) fn heap_minimize() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: plain libc call with no pointer arguments.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(feature = "fault-injection")]
pub mod fault {
    //! Test-only: makes the k-th underlying allocation from now fail.
    use core::sync::atomic::{AtomicU64, Ordering};

    static COUNTDOWN: AtomicU64 = AtomicU64::new(0);
    static INJECTED: AtomicU64 = AtomicU64::new(0);

    /// Makes the `k`-th libc allocation from now (1-based) fail; 0 disables.
    pub fn fail_nth_allocation(k: u64) {
        COUNTDOWN.store(k, Ordering::SeqCst);
    }

    /// How many allocations have been made to fail so far.
    pub fn injected_faults() -> u64 {
        INJECTED.load(Ordering::SeqCst)
    }

    pub(crate) fn should_fail() -> bool {
        let fail = COUNTDOWN
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| if n == 0 { None } else { Some(n - 1) })
            .map(|n| n == 1)
            .unwrap_or(false);
        if fail {
            INJECTED.fetch_add(1, Ordering::SeqCst);
        }
        fail
    }
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
    crate::ffi::guard(core::ptr::null_mut(), || crate::spy::spied_alloc(cb))
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
    crate::ffi::guard(core::ptr::null_mut(), || crate::spy::spied_realloc(pv, cb, "CoTaskMemRealloc"))
}

/// Frees a block of task memory.
///
/// NULL is a no-op. A pointer that is not a live block of this allocator
/// (already freed, never allocated here, pointing inside a block, on the
/// stack, or static) is left untouched and reported as misuse.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub extern "system" fn CoTaskMemFree(pv: *mut c_void) {
    crate::ffi::guard_void(|| crate::spy::spied_free(pv, "CoTaskMemFree"))
}

/// Unit tests only: which blocks this thread freed. Unit tests run in
/// parallel threads, and another thread may be handed a freed address the
/// moment it is freed, so "the table says it is not live" cannot tell a test
/// that *its* block was freed; this log can.
#[cfg(test)]
pub(crate) mod test_log {
    use std::cell::RefCell;
    use std::collections::HashSet;

    thread_local! {
        static FREED: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
    }

    pub(crate) fn allocated(user: usize) {
        let _ = FREED.try_with(|f| f.borrow_mut().remove(&user));
    }

    pub(crate) fn freed(user: usize) {
        let _ = FREED.try_with(|f| f.borrow_mut().insert(user));
    }

    /// Whether `p` is a live block as far as this thread can tell: live in
    /// the table, and not freed by this thread since it was last allocated
    /// here.
    pub(crate) fn is_live(p: *const core::ffi::c_void) -> bool {
        let freed_here = FREED.try_with(|f| f.borrow().contains(&(p as usize))).unwrap_or(false);
        !freed_here && super::is_live(p)
    }
}
