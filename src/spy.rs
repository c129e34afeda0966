//! `IMallocSpy` support: registration and revocation, and the routing every
//! allocator entry point (`CoTaskMem*`, the `IMalloc` methods and the NAP
//! `Alloc*`/`Free*` functions) goes through on its way to the block layer.
//! Nothing here reports misuse: a pointer that is not a live block comes
//! back as `NotLive` for the caller to report.
//!
//! # What a spy sees
//!
//! While a spy is registered, every allocator call goes Pre-method, tracked
//! operation, Post-method, and the Post-method's return value is what the
//! caller gets. As on Windows, a spy may change the request:
//!
//! - `PreAlloc(cb)` returns the size to actually allocate (0 for a non-zero
//!   `cb` fails the call: NULL, and `PostAlloc` is not called);
//!   `PostAlloc(pActual)` receives the block actually allocated (NULL when
//!   memory ran out) and returns the pointer handed to the caller, which may
//!   be offset into the block (a spy that keeps a prefix there).
//! - `PreFree`, `PreRealloc`, `PreGetSize` and `PreDidAlloc` receive the
//!   caller's pointer and return the actual one to operate on;
//!   `PostGetSize` receives the actual block's size and returns the size the
//!   caller is told. `Free(NULL)` calls no spy method.
//!
//! # Which blocks are "spied"
//!
//! A block allocated while the spy is registered (by `Alloc`, or by
//! `Realloc(NULL, cb)`) is *spied* (`FLAG_SPIED` in its header), and a
//! `Realloc` keeps a block spied or not as it was. `fSpyed` tells the spy
//! which: TRUE in every Pre/Post call on a spied block (and in both calls of
//! a `Realloc(NULL, cb)`), FALSE otherwise. The tracking table always knows the
//! *actual* block. To tell whether a caller's pointer is spied before the
//! spy has translated it, the library remembers each pointer a Post-method
//! returned that differs from the actual block (a small map that is empty
//! for spies that do not offset pointers); any other pointer is spied when
//! it is a live block with the flag set. A pointer that a spy offsets and
//! that the caller then passes to a function that does not go through the
//! spy (`CoTaskMemFree` after the spy has been released) is not a block
//! start and is reported as misuse, untouched. The NAP `Alloc*` and `Free*`
//! functions go through the spy like `CoTaskMemAlloc` and `CoTaskMemFree`.
//!
//! # Revocation
//!
//! One rule: `CoRevokeMallocSpy` returns `S_OK` when no spied block is
//! live or being allocated; the spy is then released at once, or, when
//! calls that began before the revoke are still inside the spy, as soon as
//! the last of them returns, and no call that begins after the revoke calls
//! the spy. An allocation under the registered spy counts as a spied block
//! from before its `PreAlloc` runs (the count and the revoke's answer are
//! one atomic word apart), so a revoke made while one is in flight — from
//! another thread, or from inside the spy's own `PreAlloc` — is pending
//! (`E_ACCESSDENIED`), as with a live spied block: the spy's `PostAlloc` may
//! hand out a pointer that only its `PreFree` can translate back.
//!
//! `CoRevokeMallocSpy` with spied blocks live returns `E_ACCESSDENIED` and
//! marks the revoke pending. From then on new
//! allocations are no longer spied, and the spy is called only for calls on
//! the spied blocks (so that its `PreFree` can still undo whatever it did to
//! them); it is released when the last spied block is freed, by whatever
//! path. A second spy cannot be registered before that (`CO_E_OBJISREG`).
//!
//! # Concurrency
//!
//! No lock is held while a spy method runs: a spy may call the allocator,
//! revoke itself, or be called on several threads at once (unlike Windows,
//! which serializes each Pre/Post pair, a spy here must be thread-safe).
//! Lifetime is a reference count in one atomic word: one unit for the
//! registration, one per live spied block and one per call in progress. The
//! spy's `Release` is called by whichever thread drops the last unit, after
//! its own spy calls have returned. With no spy registered, each entry
//! point costs one relaxed atomic load.

use crate::heap::block::{self, Freed, NotLive, Resized, FLAG_SPIED};
use crate::support::lock::SpinLock;
use crate::types::base::{
    BOOL, CO_E_OBJISREG, CO_E_OBJNOTREG, E_ACCESSDENIED, E_INVALIDARG, HRESULT, IID_IMALLOCSPY_VALUE, S_OK,
};
use crate::types::com::{IMallocSpy, IMallocSpyVtbl};
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::collections::BTreeMap;

/// Bit 0 of [`STATE`]: a spy is registered and new allocations are spied.
const REGISTERED: usize = 1;
/// One reference in [`STATE`].
const UNIT: usize = 2;

/// `REGISTERED | references * UNIT`. Zero means no spy at all: the only
/// thing the no-spy fast path looks at.
static STATE: AtomicUsize = AtomicUsize::new(0);
/// The spy (registered or pending release). Set before [`STATE`] becomes
/// non-zero, cleared after it has dropped to zero.
static SPY: AtomicPtr<IMallocSpy> = AtomicPtr::new(null_mut());
/// `ACCEPTING | live spied blocks * SPIED_UNIT`: bit 0 says new blocks may
/// still become spied (cleared by the revoke, which reads the count in the
/// same step). Decides `CoRevokeMallocSpy`'s answer.
static SPIED: AtomicUsize = AtomicUsize::new(0);
const ACCEPTING: usize = 1;
const SPIED_UNIT: usize = 2;
/// Caller pointer -> actual block, for pointers a Post-method offset.
static OFFSET_POINTERS: SpinLock<BTreeMap<usize, usize>> = SpinLock::new(BTreeMap::new());
/// Entries in [`OFFSET_POINTERS`], so spies that never offset never lock it.
static OFFSET_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Whether a spy is registered or pending.
#[inline(always)]
pub(crate) fn active() -> bool {
    !no_spy()
}

/// Frees the block `p` (not NULL) without consulting a spy: only for
/// callers that have just seen [`active`] answer false.
#[inline(always)]
pub(crate) fn free_unspied(p: *mut c_void) -> Result<(), NotLive> {
    free_actual(p)
}

/// Whether any spy is registered or pending: the fast paths' only question.
#[inline(always)]
fn no_spy() -> bool {
    STATE.load(Ordering::Relaxed) == 0
}

/// One reference to the spy, held for the length of one allocator call.
struct Call {
    spy: *mut IMallocSpy,
    /// Whether the spy was registered (not revoked) when the call began.
    registered: bool,
    /// Whether this call holds the reference of a spied block it is about
    /// to allocate (see [`Call::reserve`]).
    reserved: bool,
}

impl Call {
    /// Takes a reference if there is a spy; `None` means "no spy".
    fn begin() -> Option<Call> {
        let mut state = STATE.load(Ordering::Relaxed);
        loop {
            if state == 0 {
                return None;
            }
            match STATE.compare_exchange_weak(state, state + UNIT, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        // Our reference keeps SPY set and the object alive until `drop`.
        Some(Call { spy: SPY.load(Ordering::Acquire), registered: state & REGISTERED != 0, reserved: false })
    }

    /// Decides, before an allocating call runs the spy's Pre-method,
    /// whether the block it will make is spied: only while the spy is still
    /// registered. The block's reference is taken in the same atomic step a
    /// revoke inspects, so a revoke either sees this allocation
    /// (`E_ACCESSDENIED`) or happened first (the block is not spied).
    fn reserve(&mut self) {
        let mut spied = SPIED.load(Ordering::Acquire);
        while spied & ACCEPTING != 0 {
            match SPIED.compare_exchange_weak(spied, spied + SPIED_UNIT, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    // Our call's own reference keeps STATE above zero.
                    STATE.fetch_add(UNIT, Ordering::AcqRel);
                    self.reserved = true;
                    return;
                }
                Err(now) => spied = now,
            }
        }
    }

    fn vtbl(&self) -> &IMallocSpyVtbl {
        // SAFETY: a registered spy is a COM object whose first member points
        // to its vtable; our reference keeps it alive.
        unsafe { &*(*self.spy).lpVtbl }
    }

    /// Allocates the block this call is for: spied (with the reference it
    /// reserved) or not. A reservation not used, or whose block could not
    /// be made, is given back when the call ends.
    fn allocate(&mut self, size: usize) -> *mut c_void {
        if !self.reserved {
            return block::alloc(size, 0);
        }
        let p = block::alloc(size, FLAG_SPIED);
        if !p.is_null() {
            self.reserved = false;
        }
        p
    }

    fn pre_alloc(&self, cb: usize) -> usize {
        // SAFETY: calling the spy's own method on the spy, per COM.
        self.vtbl().PreAlloc.map_or(cb, |f| unsafe { f(self.spy, cb) })
    }

    fn post_alloc(&self, actual: *mut c_void) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostAlloc.map_or(actual, |f| unsafe { f(self.spy, actual) })
    }

    fn pre_free(&self, request: *mut c_void, spied: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PreFree.map_or(request, |f| unsafe { f(self.spy, request, spied as BOOL) })
    }

    fn post_free(&self, spied: bool) {
        if let Some(f) = self.vtbl().PostFree {
            // SAFETY: as in `pre_alloc`.
            unsafe { f(self.spy, spied as BOOL) }
        }
    }

    fn pre_realloc(&self, request: *mut c_void, cb: usize, spied: bool) -> (*mut c_void, usize) {
        let Some(f) = self.vtbl().PreRealloc else { return (request, cb) };
        // Windows says the spy always stores the out-pointer; a spy that
        // forgets leaves the caller's pointer in place.
        let mut actual = request;
        // SAFETY: as in `pre_alloc`; `actual` is a valid local to write.
        let size = unsafe { f(self.spy, request, cb, &mut actual, spied as BOOL) };
        (actual, size)
    }

    fn post_realloc(&self, actual: *mut c_void, spied: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostRealloc.map_or(actual, |f| unsafe { f(self.spy, actual, spied as BOOL) })
    }

    fn pre_get_size(&self, request: *mut c_void, spied: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PreGetSize.map_or(request, |f| unsafe { f(self.spy, request, spied as BOOL) })
    }

    fn post_get_size(&self, size: usize, spied: bool) -> usize {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostGetSize.map_or(size, |f| unsafe { f(self.spy, size, spied as BOOL) })
    }

    fn pre_did_alloc(&self, request: *mut c_void, spied: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PreDidAlloc.map_or(request, |f| unsafe { f(self.spy, request, spied as BOOL) })
    }

    fn post_did_alloc(&self, request: *mut c_void, spied: bool, actual: c_int) -> c_int {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostDidAlloc.map_or(actual, |f| unsafe { f(self.spy, request, spied as BOOL, actual) })
    }

    fn pre_heap_minimize(&self) {
        if let Some(f) = self.vtbl().PreHeapMinimize {
            // SAFETY: as in `pre_alloc`.
            unsafe { f(self.spy) }
        }
    }

    fn post_heap_minimize(&self) {
        if let Some(f) = self.vtbl().PostHeapMinimize {
            // SAFETY: as in `pre_alloc`.
            unsafe { f(self.spy) }
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if self.reserved {
            spied_block_gone();
        }
        drop_reference();
    }
}

/// Drops one reference; the last one releases the spy.
fn drop_reference() {
    if STATE.fetch_sub(UNIT, Ordering::AcqRel) == UNIT {
        release_spy();
    }
}

#[cold]
fn release_spy() {
    // STATE is zero: no call can reach the spy any more, and no spied block
    // is live, so the offset map is stale as a whole.
    if OFFSET_COUNT.load(Ordering::Acquire) != 0 {
        OFFSET_POINTERS.lock().clear();
        OFFSET_COUNT.store(0, Ordering::Release);
    }
    let spy = SPY.swap(null_mut(), Ordering::AcqRel);
    if spy.is_null() {
        return;
    }
    // SAFETY: we own the reference registration took; this gives it back.
    // Nothing is read after the call: the spy may free itself in it.
    unsafe {
        if let Some(release) = (*(*spy).lpVtbl).Release {
            release(spy);
        }
    }
}

/// A spied block is gone (freed by whatever path), or a reservation for one
/// was not used: its reference goes.
fn spied_block_gone() {
    SPIED.fetch_sub(SPIED_UNIT, Ordering::AcqRel);
    drop_reference();
}

/// Frees an actual block, dropping the reference it held if it was spied.
#[inline(always)]
fn free_actual(p: *mut c_void) -> Result<(), NotLive> {
    block::free(p).map(note_freed)
}

#[inline(always)]
fn note_freed(freed: Freed) {
    if freed.flags & FLAG_SPIED != 0 {
        spied_block_gone();
    }
}

/// Resizes an actual block, dropping the reference it held if a zero size
/// freed a spied block. NULL when the resize failed (the block unchanged)
/// or freed the block.
fn realloc_actual(p: *mut c_void, size: usize) -> Result<*mut c_void, NotLive> {
    Ok(match block::realloc(p, size)? {
        Resized::Moved(moved) => moved,
        Resized::Failed => null_mut(),
        Resized::Freed(freed) => {
            note_freed(freed);
            null_mut()
        }
    })
}

/// The spy call an operation on the caller's pointer `pv` must make, and
/// whether `pv` is spied; `None` when the spy does not see the operation
/// (no spy, or a revoked one and a block that is not spied).
fn spy_for(pv: *mut c_void) -> Option<(Call, bool)> {
    let call = Call::begin()?;
    let spied = is_spied(pv);
    (call.registered || spied).then_some((call, spied))
}

/// Whether the caller's pointer `request` is a live spied block, seen
/// through the pointer the spy handed out for it.
fn is_spied(request: *mut c_void) -> bool {
    let flags = |p: *const c_void| block::info(p).is_some_and(|i| i.flags & FLAG_SPIED != 0);
    if request.is_null() {
        return false;
    }
    if block::is_live(request) {
        return flags(request);
    }
    remembered_actual(request).is_some_and(|actual| flags(actual as *const c_void))
}

/// The actual block a spy's Post-method handed `request` out for, if the
/// library remembered one (only pointers the spy offset are remembered).
fn remembered_actual(request: *mut c_void) -> Option<usize> {
    if request.is_null() || OFFSET_COUNT.load(Ordering::Acquire) == 0 {
        return None;
    }
    OFFSET_POINTERS.lock().get(&(request as usize)).copied()
}

/// Records that the spy handed `caller` out for the actual block `actual`.
fn remember_offset(caller: *mut c_void, actual: *mut c_void) {
    if caller.is_null() || actual.is_null() || caller == actual {
        return;
    }
    let mut map = OFFSET_POINTERS.lock();
    if map.insert(caller as usize, actual as usize).is_none() {
        OFFSET_COUNT.fetch_add(1, Ordering::Release);
    }
}

/// Forgets `caller` once the block it stood for is no longer live.
fn forget_offset_if_dead(caller: *mut c_void) {
    if caller.is_null() || OFFSET_COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    let mut map = OFFSET_POINTERS.lock();
    if let Some(&actual) = map.get(&(caller as usize)) {
        if !block::is_live(actual as *const c_void) {
            map.remove(&(caller as usize));
            OFFSET_COUNT.fetch_sub(1, Ordering::Release);
        }
    }
}

/// The live block the caller's pointer `request` stands for: itself, or
/// the block a spy handed it out offset into. Calls no spy method.
pub(crate) fn actual_block(request: *mut c_void) -> Option<*mut c_void> {
    if block::is_live(request) {
        return Some(request);
    }
    remembered_actual(request).map(|actual| actual as *mut c_void).filter(|&actual| block::is_live(actual))
}

/// How many bytes the caller may use at `request`: the block's size when it
/// is a live block, or, for a pointer a spy handed out offset into a live
/// block, what lies from there to the block's end. `None` for anything
/// else. Calls no spy method (the NAP `Free*` functions use it to know how
/// much of a structure they may read).
pub(crate) fn caller_block_size(request: *mut c_void) -> Option<usize> {
    if let Some(size) = block::size(request) {
        return Some(size);
    }
    let actual = remembered_actual(request)?;
    let size = block::size(actual as *const c_void)?;
    size.checked_sub((request as usize).checked_sub(actual)?)
}

/// The pointer and size the caller was given for the live actual block
/// `actual` of `size` bytes: the spy's offset pointer if it handed one out,
/// otherwise the block itself.
pub(crate) fn caller_view(actual: *mut c_void, size: usize) -> (*mut c_void, usize) {
    if OFFSET_COUNT.load(Ordering::Acquire) == 0 {
        return (actual, size);
    }
    let caller = OFFSET_POINTERS.lock().iter().find(|(_, &a)| a == actual as usize).map(|(&c, _)| c);
    match caller {
        Some(c) => (c as *mut c_void, size.saturating_sub(c.wrapping_sub(actual as usize))),
        None => (actual, size),
    }
}

// ---------------------------------------------------------------------------
// The allocator operations, as every entry point performs them
// ---------------------------------------------------------------------------

/// `CoTaskMemAlloc`.
#[inline(always)]
pub(crate) fn alloc(cb: usize) -> *mut c_void {
    if no_spy() {
        return block::alloc(cb, 0);
    }
    alloc_slow(cb)
}

/// [`alloc`] for callers that write `cb` bytes into the block themselves:
/// a pointer a spy hands back with less room than that is freed again
/// (through the spy) and NULL returned.
#[inline]
pub(crate) fn alloc_with_room(cb: usize) -> *mut c_void {
    if no_spy() {
        return block::alloc(cb, 0);
    }
    let p = alloc_slow(cb);
    match caller_block_size(p) {
        _ if p.is_null() => p,
        Some(room) if room >= cb => p,
        _ => {
            // The spy's own pointer: if it is not a block, there is nothing
            // of ours to give back.
            free(p, |_| {});
            null_mut()
        }
    }
}

#[cold]
fn alloc_slow(cb: usize) -> *mut c_void {
    let Some(mut call) = Call::begin().filter(|c| c.registered) else { return block::alloc(cb, 0) };
    // The block counts as spied from before `PreAlloc`: a revoke from now
    // on, even from inside `PreAlloc`, sees it and is pending until it is
    // freed (the spy's `PostAlloc` may hand out a pointer only its
    // `PreFree` can translate back).
    call.reserve();
    if !call.reserved {
        // Registered a moment ago, or being revoked: not accepting spied
        // blocks, so the spy takes no part in this allocation.
        drop(call);
        return block::alloc(cb, 0);
    }
    let request = call.pre_alloc(cb);
    if request == 0 && cb != 0 {
        return null_mut();
    }
    let actual = call.allocate(request);
    let caller = call.post_alloc(actual);
    remember_offset(caller, actual);
    caller
}

/// `CoTaskMemRealloc`: NULL when the resize failed (the block unchanged)
/// or a zero size freed it. A pointer that is not a live block is handed
/// to `not_live` (inside the spy's Pre/Post pair, as the operation it
/// replaces would be) and NULL returned.
#[inline]
pub(crate) fn realloc(pv: *mut c_void, cb: usize, not_live: impl FnOnce(*mut c_void)) -> *mut c_void {
    let result = if no_spy() { realloc_plain(pv, cb) } else { realloc_slow(pv, cb) };
    result.unwrap_or_else(|NotLiveAt(p)| {
        not_live(p);
        null_mut()
    })
}

/// A pointer that turned out not to be a live block.
struct NotLiveAt(*mut c_void);

#[cold]
fn realloc_slow(pv: *mut c_void, cb: usize) -> Result<*mut c_void, NotLiveAt> {
    let Some((mut call, spied)) = spy_for(pv) else { return realloc_plain(pv, cb) };
    // `Realloc(NULL, cb)` allocates under the registered spy: its block is
    // spied, counted from before `PreRealloc` as in `alloc_slow`.
    let spied = if pv.is_null() {
        call.reserve();
        if !call.reserved {
            // As in `alloc_slow`: the spy takes no part.
            drop(call);
            return realloc_plain(pv, cb);
        }
        true
    } else {
        spied
    };
    let (actual, request) = call.pre_realloc(pv, cb, spied);
    if request == 0 && cb != 0 {
        return Ok(null_mut());
    }
    let moved = if actual.is_null() { Ok(call.allocate(request)) } else { realloc_at(actual, request) };
    // The Post-method runs whatever happened, as on Windows.
    let result = call.post_realloc(moved.as_ref().map_or(null_mut(), |p| *p), spied);
    forget_offset_if_dead(pv);
    remember_offset(result, moved?);
    Ok(result)
}

fn realloc_plain(pv: *mut c_void, cb: usize) -> Result<*mut c_void, NotLiveAt> {
    if pv.is_null() {
        Ok(block::alloc(cb, 0))
    } else {
        realloc_at(pv, cb)
    }
}

fn realloc_at(p: *mut c_void, cb: usize) -> Result<*mut c_void, NotLiveAt> {
    realloc_actual(p, cb).map_err(|NotLive| NotLiveAt(p))
}

/// `CoTaskMemFree`. NULL is a no-op and calls no spy method. A pointer
/// that is not a live block is handed to `not_live` (inside the spy's
/// Pre/Post pair, as the free it replaces would be).
#[inline(always)]
pub(crate) fn free(pv: *mut c_void, not_live: impl FnOnce(*mut c_void)) {
    if pv.is_null() {
        return;
    }
    if no_spy() {
        return free_or(pv, not_live);
    }
    free_slow(pv, not_live)
}

#[cold]
fn free_slow(pv: *mut c_void, not_live: impl FnOnce(*mut c_void)) {
    match spy_for(pv) {
        Some((call, spied)) => {
            let actual = call.pre_free(pv, spied);
            if !actual.is_null() {
                free_or(actual, not_live);
            }
            forget_offset_if_dead(pv);
            call.post_free(spied);
        }
        _ => free_or(pv, not_live),
    }
}

#[inline(always)]
fn free_or(p: *mut c_void, not_live: impl FnOnce(*mut c_void)) {
    if free_actual(p).is_err() {
        not_live(p);
    }
}

/// A block taken for freeing by [`claim`], given back by
/// [`Claimed::release`]. Holds nothing when the spy's `PreFree` turned the
/// pointer into NULL.
#[must_use = "a claimed block is leaked unless released"]
#[derive(Clone, Copy)]
pub(crate) struct Claimed(Option<block::Claim>);

impl Claimed {
    pub(crate) fn release(self) {
        if let Some(claim) = self.0 {
            note_freed(claim.release());
        }
    }
}

/// The first half of [`free`]: the spy's `PreFree` and `PostFree` run and
/// the block leaves the table, but its memory stays valid, and its address
/// taken, until the claim is released. Functions that free several blocks
/// claim them all first, so that nothing they run in between (a spy, a
/// misuse handler, a `Release`) can free one of them and have its address
/// handed out again.
pub(crate) fn claim(pv: *mut c_void) -> Result<Claimed, NotLive> {
    if no_spy() {
        return block::claim(pv).map(|c| Claimed(Some(c)));
    }
    let Some((call, spied)) = spy_for(pv) else { return block::claim(pv).map(|c| Claimed(Some(c))) };
    let actual = call.pre_free(pv, spied);
    let claimed = if actual.is_null() { Ok(Claimed(None)) } else { block::claim(actual).map(|c| Claimed(Some(c))) };
    forget_offset_if_dead(pv);
    call.post_free(spied);
    claimed
}

/// `IMalloc::GetSize`.
#[inline]
pub(crate) fn get_size(pv: *mut c_void) -> usize {
    let plain = |p: *mut c_void| block::size(p).unwrap_or(usize::MAX);
    if no_spy() {
        return plain(pv);
    }
    let Some((call, spied)) = spy_for(pv) else { return plain(pv) };
    let actual = call.pre_get_size(pv, spied);
    call.post_get_size(plain(actual), spied)
}

/// `IMalloc::DidAlloc`.
#[inline]
pub(crate) fn did_alloc(pv: *mut c_void) -> i32 {
    let plain = |p: *mut c_void| if p.is_null() { -1 } else { block::is_live(p) as i32 };
    if no_spy() {
        return plain(pv);
    }
    let Some((call, spied)) = spy_for(pv) else { return plain(pv) };
    let actual = call.pre_did_alloc(pv, spied);
    call.post_did_alloc(pv, spied, plain(actual))
}

/// `IMalloc::HeapMinimize`.
pub(crate) fn heap_minimize() {
    match Call::begin().filter(|c| c.registered) {
        None => block::heap_minimize(),
        Some(call) => {
            call.pre_heap_minimize();
            block::heap_minimize();
            call.post_heap_minimize();
        }
    }
}

// ---------------------------------------------------------------------------
// Registration and revocation
// ---------------------------------------------------------------------------

/// `CoRegisterMallocSpy` (see its documentation in the C API layer).
///
/// # Safety
/// `spy` is NULL or a COM object.
pub(crate) unsafe fn register(spy: *mut IMallocSpy) -> HRESULT {
    // SAFETY: a non-NULL spy is a COM object, so its vtable pointer can be
    // read.
    if spy.is_null() || unsafe { (*spy).lpVtbl.is_null() } {
        return E_INVALIDARG;
    }
    if !SPY.load(Ordering::Acquire).is_null() {
        return CO_E_OBJISREG;
    }
    // SAFETY: as above.
    let Some(query) = (unsafe { (*(*spy).lpVtbl).QueryInterface }) else { return E_INVALIDARG };
    let mut object: *mut c_void = null_mut();
    // SAFETY: calling the object's own QueryInterface with valid locals.
    let hr = unsafe { query(spy, &IID_IMALLOCSPY_VALUE, &mut object) };
    if hr < 0 {
        return hr;
    }
    let spy = object.cast::<IMallocSpy>();
    // SAFETY: QueryInterface succeeded, so `spy` is a referenced IMallocSpy.
    if spy.is_null() || unsafe { (*spy).lpVtbl.is_null() } {
        return E_INVALIDARG;
    }
    crate::support::lock::after_fork_in_child(forget_half_registered_spy);
    if SPY.compare_exchange(null_mut(), spy, Ordering::AcqRel, Ordering::Acquire).is_err() {
        // Another thread registered first: give back our reference.
        // SAFETY: we own the reference QueryInterface just gave us.
        unsafe {
            if let Some(release) = (*(*spy).lpVtbl).Release {
                release(spy);
            }
        }
        return CO_E_OBJISREG;
    }
    STATE.store(REGISTERED | UNIT, Ordering::Release);
    // From here a revoke can see the registration (and answer for it).
    SPIED.fetch_or(ACCEPTING, Ordering::AcqRel);
    S_OK
}

/// In a fork child: a thread caught between claiming SPY and publishing
/// STATE (or between the last reference and clearing SPY) does not exist
/// there, so a SPY without references is forgotten.
fn forget_half_registered_spy() {
    if STATE.load(Ordering::Acquire) == 0 {
        SPY.store(null_mut(), Ordering::Release);
        SPIED.store(0, Ordering::Release);
    }
}

/// `CoRevokeMallocSpy` (see its documentation in the C API layer).
pub(crate) fn revoke() -> HRESULT {
    let spied = SPIED.fetch_and(!ACCEPTING, Ordering::AcqRel);
    if spied & ACCEPTING == 0 {
        // Not registered: a revoke may be pending, or there is no spy.
        let pending = STATE.load(Ordering::Acquire) != 0 && spied >= SPIED_UNIT;
        return if pending { E_ACCESSDENIED } else { CO_E_OBJNOTREG };
    }
    STATE.fetch_and(!REGISTERED, Ordering::AcqRel);
    let result = if spied >= SPIED_UNIT { E_ACCESSDENIED } else { S_OK };
    drop_reference();
    result
}
