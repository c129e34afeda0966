//! Tracked blocks: one libc block each, with a 16-byte header in front:
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
//!
//! This layer reports nothing: a pointer that is not a live block comes
//! back as [`NotLive`], and the caller decides what that means.
//!
//! While call stacks are on (`NAPUTIL_BACKTRACE`), every allocation, free
//! and resize here is recorded in `stacks` too; while they are off that
//! costs one load and one branch that is never taken on allocation, and the
//! test of a header bit the free path reads anyway.

use super::{counters, stacks, sys, table};
use core::ffi::c_void;

/// Bytes in front of every block; keeps the caller's pointer as aligned as
/// libc's.
pub(crate) const HEADER_SIZE: usize = 16;

/// Bookkeeping stored in front of each block.
#[repr(C)]
struct Header {
    /// The size the caller requested.
    size: usize,
    /// The checkpoint epoch current when the block was allocated.
    epoch: u32,
    /// `FLAG_*` bits.
    flags: u32,
}

const _: () = assert!(core::mem::size_of::<Header>() <= HEADER_SIZE);

/// Largest request handed to libc. No object may exceed `PTRDIFF_MAX` bytes,
/// so anything larger fails here rather than asking libc for the impossible.
const MAX_REQUEST: usize = isize::MAX as usize - HEADER_SIZE;

/// The block was allocated while an `IMallocSpy` was registered.
pub(crate) const FLAG_SPIED: u32 = 1;
/// The block was allocated (or last resized) while call stacks were on:
/// `stacks` may hold its allocation stack, and must be told when it goes.
/// Stacks recorded for blocks are thus consulted and dropped by the block's
/// own flag, whether stacks are still on or not.
const FLAG_STACK: u32 = 2;
/// Bits 8 to 15 name what the block holds when the library made it for
/// itself (0: task memory a caller asked for); see `crate::com`.
const KIND_SHIFT: u32 = 8;
const KIND_MASK: u32 = 0xff << KIND_SHIFT;

/// The flags that mark a block as holding `kind` (1 to 255).
pub(crate) const fn kind_flags(kind: u32) -> u32 {
    (kind << KIND_SHIFT) & KIND_MASK
}

/// The kind recorded in a block's `flags` (0 for plain task memory).
pub(crate) const fn kind_of(flags: u32) -> u32 {
    (flags & KIND_MASK) >> KIND_SHIFT
}

/// A block that was live and has just been freed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Freed {
    pub(crate) flags: u32,
}

/// The pointer is not the start of a live block; nothing was touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NotLive;

/// What a reallocation did.
#[derive(Debug)]
pub(crate) enum Resized {
    /// The block now lives at this address (perhaps the old one).
    Moved(*mut c_void),
    /// A zero size freed the block.
    Freed(Freed),
    /// Memory ran out or the size is too large: the block is unchanged,
    /// still live at its old address.
    Failed,
}

/// What the table and header say of a live block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Info {
    pub(crate) size: usize,
    pub(crate) epoch: u32,
    pub(crate) flags: u32,
}

#[inline(always)]
fn header_of(user: usize) -> *mut Header {
    (user - HEADER_SIZE) as *mut Header
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

/// Allocates a tracked block of `size` bytes carrying `flags`; NULL on
/// failure (nothing is recorded then). A zero-byte request gets a unique,
/// non-NULL block.
#[inline(always)]
pub(crate) fn alloc(size: usize, flags: u32) -> *mut c_void {
    if size > MAX_REQUEST {
        return core::ptr::null_mut();
    }
    let total = size.max(1) + HEADER_SIZE;
    let base = sys::malloc(total);
    if base.is_null() {
        return base;
    }
    let user = base as usize + HEADER_SIZE;
    if !table::insert(user) {
        // SAFETY: `base` came from libc just now and was never handed out.
        unsafe { sys::free(base) };
        return core::ptr::null_mut();
    }
    // SAFETY: `base` points to at least HEADER_SIZE writable bytes we own.
    unsafe { write_header(base.cast(), size, counters::current_epoch(), flags) };
    if stacks::enabled() {
        record_allocation(user);
    }
    counters::record_alloc(size);
    user as *mut c_void
}

/// Records the allocation stack of the new block `user` and flags the
/// block as having one.
#[cold]
#[inline(never)]
fn record_allocation(user: usize) {
    stacks::allocated(user);
    // SAFETY: `user` is a block we just made and have not handed out.
    unsafe { (*header_of(user)).flags |= FLAG_STACK };
}

/// Frees the tracked block `p` (not NULL). A pointer that is not a live
/// block is not touched.
#[inline(always)]
pub(crate) fn free(p: *mut c_void) -> Result<Freed, NotLive> {
    claim(p).map(Claim::release)
}

/// A block taken out of the table but not yet given back to libc: no other
/// call can free, resize or even see it any more, yet its memory stays
/// valid (and its address cannot be handed out again) until
/// [`Claim::release`].
#[must_use = "a claimed block is leaked unless released"]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Claim {
    user: usize,
    size: usize,
    flags: u32,
}

/// Takes the tracked block `p` (not NULL) out of the table for the caller
/// alone. A pointer that is not a live block is not touched.
#[inline(always)]
pub(crate) fn claim(p: *mut c_void) -> Result<Claim, NotLive> {
    let user = p as usize;
    prefetch_header(user);
    if !table::remove(user) {
        return Err(NotLive);
    }
    // SAFETY: the table just handed this live block to us alone.
    let (size, flags) = unsafe { ((*header_of(user)).size, (*header_of(user)).flags) };
    // Decided by the block's own flag, which is read anyway: the free path
    // pays nothing for stacks.
    if flags & FLAG_STACK != 0 {
        stacks::freeing(user, size);
    }
    Ok(Claim { user, size, flags })
}

impl Claim {
    /// Gives the block back to libc.
    #[inline(always)]
    pub(crate) fn release(self) -> Freed {
        release(header_of(self.user).cast(), self.size, self.flags)
    }

    /// Counts the block freed now but keeps its memory (still unusable by
    /// anyone else) until [`Retired::release`].
    pub(crate) fn retire(self) -> Retired {
        counters::record_free(self.size);
        Retired { base: header_of(self.user) as usize }
    }
}

/// A block counted as freed whose memory is held back for a while (see
/// `crate::com`): the table does not know it, libc has not got it back.
#[must_use = "a retired block is leaked unless released"]
#[derive(Debug)]
pub(crate) struct Retired {
    base: usize,
}

impl Retired {
    /// Gives the memory back to libc.
    pub(crate) fn release(self) {
        // SAFETY: `base` is the libc block of a claimed block, which nothing
        // else owns, handed back exactly once (`self` is consumed).
        unsafe { sys::free(self.base as *mut c_void) };
    }
}

/// Ends a block the table no longer holds: counts it freed and gives its
/// libc block `base` back.
#[inline(always)]
fn release(base: *mut c_void, size: usize, flags: u32) -> Freed {
    counters::record_free(size);
    // SAFETY: the callers pass the libc block of a block they removed from
    // the table, which nothing else owns.
    unsafe { sys::free(base) };
    Freed { flags }
}

/// What the table and the header say of `p`, if it is a live block start.
#[inline]
pub(crate) fn info(p: *const c_void) -> Option<Info> {
    let user = p as usize;
    if p.is_null() || table::state(user) != table::State::Live {
        return None;
    }
    // SAFETY: the table says `user` is a live block; a block is freed only
    // by its owner, who is not freeing it while asking about it.
    let h = unsafe { &*header_of(user) };
    Some(Info { size: h.size, epoch: h.epoch, flags: h.flags })
}

/// The allocation stack recorded for the live block `p`, if any.
pub(crate) fn recorded_stack(p: *const c_void) -> Option<stacks::Stack> {
    info(p).filter(|i| i.flags & FLAG_STACK != 0).and_then(|_| stacks::live_stack(p as usize))
}

/// Size the caller requested for a live block, or `None` if `p` is not one.
#[inline]
pub(crate) fn size(p: *const c_void) -> Option<usize> {
    info(p).map(|i| i.size)
}

/// Whether `p` is a live block start.
#[inline]
pub(crate) fn is_live(p: *const c_void) -> bool {
    !p.is_null() && table::state(p as usize) == table::State::Live
}

/// Resizes the tracked block `p` (not NULL) per `CoTaskMemRealloc`'s
/// contract. Every failure leaves the block live and unchanged: the table
/// has room for the new address before libc may move the block.
pub(crate) fn realloc(p: *mut c_void, size: usize) -> Result<Resized, NotLive> {
    let user = p as usize;
    if !table::remove(user) {
        return Err(NotLive);
    }
    // SAFETY: the table handed the live block to us alone.
    let (old_size, flags) = unsafe { ((*header_of(user)).size, (*header_of(user)).flags) };
    // Out of the side table before libc may free the old address.
    let traced = stacks::enabled();
    let had_stack = flags & FLAG_STACK != 0;
    let allocated = if had_stack { stacks::take_live(user) } else { None };
    if size == 0 {
        if traced && had_stack {
            stacks::remember_free(user, old_size, allocated);
        }
        return Ok(Resized::Freed(release(header_of(user).cast(), old_size, flags)));
    }
    let moved = if size > MAX_REQUEST { None } else { move_block(user, old_size, size) };
    let Some(new_user) = moved else {
        let reinserted = table::insert(user);
        debug_assert!(reinserted, "a block's own leaf always exists");
        if had_stack {
            stacks::put_live(user, allocated);
        }
        return Ok(Resized::Failed);
    };
    if traced {
        stacks::resized(user, old_size, allocated, new_user, had_stack);
    }
    let flags = if traced { flags | FLAG_STACK } else { flags & !FLAG_STACK };
    // SAFETY: `new_user` is our block, its header copied from the old one.
    unsafe { ((*header_of(new_user)).size, (*header_of(new_user)).flags) = (size, flags) };
    counters::record_realloc(old_size, size);
    Ok(Resized::Moved(new_user as *mut c_void))
}

/// Moves the contents of the block at `user` (removed from the table) into
/// a block of `size` bytes that the table holds; `None`, with the old block
/// untouched, when that cannot be done.
///
/// libc's `realloc` frees the old block when it moves it, so the table must
/// be able to record any new address before it is called: this thread's
/// spare leaf is made sure of first (`table::has_spare`). Without one
/// (address space exhausted), the move is done by hand — a new block
/// recorded before anything is copied — so that no failure comes after the
/// old block is gone.
fn move_block(user: usize, old_size: usize, size: usize) -> Option<usize> {
    let total = size + HEADER_SIZE;
    if table::has_spare() {
        // SAFETY: the libc block of a block we own.
        let moved = unsafe { sys::realloc(header_of(user).cast(), total) };
        if moved.is_null() {
            return None;
        }
        let new_user = moved as usize + HEADER_SIZE;
        let inserted = table::insert_with_spare(new_user);
        debug_assert!(inserted, "a spare leaf covers any libc address");
        return Some(new_user);
    }
    let fresh = sys::malloc(total);
    if fresh.is_null() {
        return None;
    }
    let new_user = fresh as usize + HEADER_SIZE;
    if !table::insert(new_user) {
        // SAFETY: `fresh` came from libc just now and was never handed out.
        unsafe { sys::free(fresh) };
        return None;
    }
    // SAFETY: both blocks are ours, distinct, and hold at least the header
    // plus the smaller of the two sizes.
    unsafe {
        core::ptr::copy_nonoverlapping(
            header_of(user).cast::<u8>(),
            fresh.cast::<u8>(),
            HEADER_SIZE + old_size.min(size),
        );
        sys::free(header_of(user).cast());
    }
    Some(new_user)
}

/// `HeapMinimize`: hands free memory back to the system where libc can.
pub(crate) fn heap_minimize() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: plain libc call with no pointer arguments.
    unsafe {
        libc::malloc_trim(0);
    }
}
