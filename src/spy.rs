//! `IMallocSpy` support: `CoRegisterMallocSpy`, `CoRevokeMallocSpy`, and the
//! `spied_*` functions every allocator entry point (`CoTaskMem*` and the
//! `IMalloc` methods) goes through.
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
//! `CoRevokeMallocSpy` with spied blocks still live returns
//! `E_ACCESSDENIED` and marks the revoke pending. From then on new
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

// Each exported function's documentation states its contract for the C
// caller, which is what a `# Safety` section would repeat.
#![allow(clippy::missing_safety_doc)]
#![allow(non_snake_case)]

use crate::alloc::{self, FLAG_SPIED};
use crate::com::IMallocSpy;
use crate::nap_types::WINAPI_HRESULT;
use crate::win::{
    BOOL, CO_E_OBJISREG, CO_E_OBJNOTREG, E_ACCESSDENIED, E_INVALIDARG, IID_IMALLOCSPY_VALUE, S_OK,
};
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use crate::sync::SpinLock;
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
/// Live spied blocks; decides `CoRevokeMallocSpy`'s answer.
static SPIED_LIVE: AtomicUsize = AtomicUsize::new(0);
/// Caller pointer -> actual block, for pointers a Post-method offset.
static OFFSET_POINTERS: SpinLock<BTreeMap<usize, usize>> = SpinLock::new(BTreeMap::new());
/// Entries in [`OFFSET_POINTERS`], so spies that never offset never lock it.
static OFFSET_COUNT: AtomicUsize = AtomicUsize::new(0);

/// One reference to the spy, held for the length of one allocator call.
struct Call {
    spy: *mut IMallocSpy,
    /// Whether the spy was registered (not revoked) when the call began.
    registered: bool,
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
        Some(Call { spy: SPY.load(Ordering::Acquire), registered: state & REGISTERED != 0 })
    }

    fn vtbl(&self) -> &crate::com::IMallocSpyVtbl {
        // SAFETY: a registered spy is a COM object whose first member points
        // to its vtable; our reference keeps it alive.
        unsafe { &*(*self.spy).lpVtbl }
    }

    fn pre_alloc(&self, cb: usize) -> usize {
        // SAFETY: calling the spy's own method on the spy, per COM.
        self.vtbl().PreAlloc.map_or(cb, |f| unsafe { f(self.spy, cb) })
    }

    fn post_alloc(&self, actual: *mut c_void) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostAlloc.map_or(actual, |f| unsafe { f(self.spy, actual) })
    }

    fn pre_free(&self, request: *mut c_void, spyed: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PreFree.map_or(request, |f| unsafe { f(self.spy, request, spyed as BOOL) })
    }

    fn post_free(&self, spyed: bool) {
        if let Some(f) = self.vtbl().PostFree {
            // SAFETY: as in `pre_alloc`.
            unsafe { f(self.spy, spyed as BOOL) }
        }
    }

    fn pre_realloc(&self, request: *mut c_void, cb: usize, spyed: bool) -> (*mut c_void, usize) {
        let Some(f) = self.vtbl().PreRealloc else { return (request, cb) };
        // Windows says the spy always stores the out-pointer; a spy that
        // forgets leaves the caller's pointer in place.
        let mut actual = request;
        // SAFETY: as in `pre_alloc`; `actual` is a valid local to write.
        let size = unsafe { f(self.spy, request, cb, &mut actual, spyed as BOOL) };
        (actual, size)
    }

    fn post_realloc(&self, actual: *mut c_void, spyed: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostRealloc.map_or(actual, |f| unsafe { f(self.spy, actual, spyed as BOOL) })
    }

    fn pre_get_size(&self, request: *mut c_void, spyed: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PreGetSize.map_or(request, |f| unsafe { f(self.spy, request, spyed as BOOL) })
    }

    fn post_get_size(&self, size: usize, spyed: bool) -> usize {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostGetSize.map_or(size, |f| unsafe { f(self.spy, size, spyed as BOOL) })
    }

    fn pre_did_alloc(&self, request: *mut c_void, spyed: bool) -> *mut c_void {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PreDidAlloc.map_or(request, |f| unsafe { f(self.spy, request, spyed as BOOL) })
    }

    fn post_did_alloc(&self, request: *mut c_void, spyed: bool, actual: c_int) -> c_int {
        // SAFETY: as in `pre_alloc`.
        self.vtbl().PostDidAlloc.map_or(actual, |f| unsafe { f(self.spy, request, spyed as BOOL, actual) })
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
        drop_reference();
    }
}

/// Drops one reference; the thread that drops the last one releases the spy.
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
    unsafe {
        if let Some(release) = (*(*spy).lpVtbl).Release {
            release(spy);
        }
    }
}

/// Called by the allocator whenever a block carrying `FLAG_SPIED` is freed,
/// whatever the path (a NAP `Free*` function included).
pub(crate) fn spied_block_freed() {
    SPIED_LIVE.fetch_sub(1, Ordering::Relaxed);
    drop_reference();
}

/// Takes the reference a new spied block will hold.
fn reserve_spied_block() {
    SPIED_LIVE.fetch_add(1, Ordering::Relaxed);
    STATE.fetch_add(UNIT, Ordering::Relaxed);
}

/// Gives back a reservation whose block was never made.
fn unreserve_spied_block() {
    spied_block_freed();
}

/// Whether the caller's pointer `request` is a live spied block, seen
/// through the pointer the spy handed out for it.
fn is_spied(request: *mut c_void) -> bool {
    if request.is_null() {
        return false;
    }
    if alloc::is_live(request) {
        return flags_spied(request as usize);
    }
    remembered_actual(request).is_some_and(|actual| alloc::is_live(actual as *const c_void) && flags_spied(actual))
}

/// The actual block a spy's Post-method handed `request` out for, if the
/// library remembered one (only pointers the spy offset are remembered).
fn remembered_actual(request: *mut c_void) -> Option<usize> {
    if request.is_null() || OFFSET_COUNT.load(Ordering::Acquire) == 0 {
        return None;
    }
    OFFSET_POINTERS.lock().get(&(request as usize)).copied()
}

fn flags_spied(block: usize) -> bool {
    // SAFETY: the caller has just seen `block` live; the caller's own pointer
    // is not being freed by another thread (that would be a double free).
    unsafe { alloc::header(block).flags & FLAG_SPIED != 0 }
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
        if !alloc::is_live(actual as *const c_void) {
            map.remove(&(caller as usize));
            OFFSET_COUNT.fetch_sub(1, Ordering::Release);
        }
    }
}

/// How many bytes the caller may use at `request`: the block's size when it
/// is a live block, or, for a pointer a spy handed out offset into a live
/// block, what lies from there to the block's end. `None` for anything
/// else. Calls no spy method (the NAP `Free*` functions use it to know how
/// much of a structure they may read).
pub(crate) fn caller_block_size(request: *mut c_void) -> Option<usize> {
    if let Some(size) = alloc::block_size(request) {
        return Some(size);
    }
    let actual = remembered_actual(request)?;
    let size = alloc::block_size(actual as *const c_void)?;
    size.checked_sub((request as usize).checked_sub(actual)?)
}

// ---------------------------------------------------------------------------
// The allocator entry points
// ---------------------------------------------------------------------------

#[inline]
pub(crate) fn spied_alloc(cb: usize) -> *mut c_void {
    if STATE.load(Ordering::Relaxed) == 0 {
        return alloc::alloc_block(cb);
    }
    spied_alloc_slow(cb)
}

/// [`spied_alloc`] for callers that write `cb` bytes into the block
/// themselves: a pointer a spy hands back with less room than that is freed
/// again (through the spy) and NULL returned.
#[inline]
pub(crate) fn spied_alloc_with_room(cb: usize) -> *mut c_void {
    if STATE.load(Ordering::Relaxed) == 0 {
        return alloc::alloc_block(cb);
    }
    let p = spied_alloc_slow(cb);
    match caller_block_size(p) {
        _ if p.is_null() => p,
        Some(room) if room >= cb => p,
        _ => {
            spied_free(p, "CoTaskMemAlloc");
            null_mut()
        }
    }
}

#[cold]
fn spied_alloc_slow(cb: usize) -> *mut c_void {
    let Some(call) = Call::begin().filter(|c| c.registered) else { return alloc::alloc_block(cb) };
    let request = call.pre_alloc(cb);
    if request == 0 && cb != 0 {
        return null_mut();
    }
    let actual = allocate(request, true);
    let caller = call.post_alloc(actual);
    remember_offset(caller, actual);
    caller
}

#[inline]
pub(crate) fn spied_realloc(pv: *mut c_void, cb: usize, caller: &'static str) -> *mut c_void {
    if STATE.load(Ordering::Relaxed) == 0 {
        return alloc::realloc_block(pv, cb, caller);
    }
    spied_realloc_slow(pv, cb, caller)
}

#[cold]
fn spied_realloc_slow(pv: *mut c_void, cb: usize, caller: &'static str) -> *mut c_void {
    let Some(call) = Call::begin() else { return alloc::realloc_block(pv, cb, caller) };
    // `Realloc(NULL, cb)` allocates under the spy, so its block is spied.
    let spyed = if pv.is_null() { call.registered } else { is_spied(pv) };
    if !call.registered && !spyed {
        return alloc::realloc_block(pv, cb, caller);
    }
    let (actual, request) = call.pre_realloc(pv, cb, spyed);
    if request == 0 && cb != 0 {
        return null_mut();
    }
    let moved = if actual.is_null() {
        allocate(request, spyed)
    } else {
        alloc::realloc_block(actual, request, caller)
    };
    let result = call.post_realloc(moved, spyed);
    forget_offset_if_dead(pv);
    remember_offset(result, moved);
    result
}

/// Allocates a block, flagged spied (with the reference it holds) or not.
fn allocate(size: usize, spied: bool) -> *mut c_void {
    if !spied {
        return alloc::alloc_block(size);
    }
    reserve_spied_block();
    let block = alloc::alloc_block_flagged(size, FLAG_SPIED);
    if block.is_null() {
        unreserve_spied_block();
    }
    block
}

#[inline(always)]
pub(crate) fn spied_free(pv: *mut c_void, caller: &'static str) {
    if pv.is_null() {
        return;
    }
    if STATE.load(Ordering::Relaxed) == 0 {
        return alloc::free_block(pv, caller);
    }
    spied_free_slow(pv, caller)
}

#[cold]
fn spied_free_slow(pv: *mut c_void, caller: &'static str) {
    let Some(call) = Call::begin() else { return alloc::free_block(pv, caller) };
    let spyed = is_spied(pv);
    if !call.registered && !spyed {
        return alloc::free_block(pv, caller);
    }
    let actual = call.pre_free(pv, spyed);
    alloc::free_block(actual, caller);
    forget_offset_if_dead(pv);
    call.post_free(spyed);
}

#[inline]
pub(crate) fn spied_get_size(pv: *mut c_void) -> usize {
    if STATE.load(Ordering::Relaxed) == 0 {
        return alloc::block_size(pv).unwrap_or(usize::MAX);
    }
    spied_get_size_slow(pv)
}

#[cold]
fn spied_get_size_slow(pv: *mut c_void) -> usize {
    let plain = |p: *mut c_void| alloc::block_size(p).unwrap_or(usize::MAX);
    let Some(call) = Call::begin() else { return plain(pv) };
    let spyed = is_spied(pv);
    if !call.registered && !spyed {
        return plain(pv);
    }
    let actual = call.pre_get_size(pv, spyed);
    call.post_get_size(plain(actual), spyed)
}

#[inline]
pub(crate) fn spied_did_alloc(pv: *mut c_void) -> i32 {
    if STATE.load(Ordering::Relaxed) == 0 {
        return did_alloc(pv);
    }
    spied_did_alloc_slow(pv)
}

fn did_alloc(pv: *mut c_void) -> i32 {
    if pv.is_null() {
        -1
    } else {
        alloc::is_live(pv) as i32
    }
}

#[cold]
fn spied_did_alloc_slow(pv: *mut c_void) -> i32 {
    let Some(call) = Call::begin() else { return did_alloc(pv) };
    let spyed = is_spied(pv);
    if !call.registered && !spyed {
        return did_alloc(pv);
    }
    let actual = call.pre_did_alloc(pv, spyed);
    call.post_did_alloc(pv, spyed, did_alloc(actual))
}

#[inline]
pub(crate) fn spied_heap_minimize() {
    match Call::begin().filter(|c| c.registered) {
        None => alloc::heap_minimize(),
        Some(call) => {
            call.pre_heap_minimize();
            alloc::heap_minimize();
            call.post_heap_minimize();
        }
    }
}

// ---------------------------------------------------------------------------
// Registration and fork
// ---------------------------------------------------------------------------

/// Installs the fork handlers the offset map needs, once. (Not a `Once`: a
/// child forked while another thread runs it would wait for it forever.)
fn install_fork_handlers() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return;
    }
    #[cfg(unix)]
    // SAFETY: registers plain extern "C" functions with no captures.
    unsafe {
        libc::pthread_atfork(Some(before_fork), Some(parent_after_fork), Some(child_after_fork));
    }
}

/// Holds the offset map's lock across `fork()` so that the child never
/// inherits it locked or half-updated. No spy method runs under it, so this
/// cannot wait on the forking thread itself.
#[cfg(unix)]
extern "C" fn before_fork() {
    core::mem::forget(OFFSET_POINTERS.lock());
}

#[cfg(unix)]
extern "C" fn parent_after_fork() {
    // SAFETY: `before_fork` locked it on this thread and leaked the guard.
    unsafe { OFFSET_POINTERS.force_unlock() };
}

#[cfg(unix)]
extern "C" fn child_after_fork() {
    // SAFETY: `before_fork` locked it on the thread that is now the child's
    // only thread.
    unsafe { OFFSET_POINTERS.force_unlock() };
    // A thread caught between claiming SPY and publishing STATE (or between
    // the last reference and clearing SPY) does not exist in the child.
    if STATE.load(Ordering::Acquire) == 0 {
        SPY.store(null_mut(), Ordering::Release);
    }
}

/// Registers an allocation spy.
///
/// From now on every allocator call (`CoTaskMemAlloc`, `CoTaskMemRealloc`,
/// `CoTaskMemFree` and the task `IMalloc`'s methods) calls the spy's
/// Pre-method, performs the operation on the pointer and size the
/// Pre-method returned, and gives the caller what the Post-method returned.
/// `PreAlloc` (or `PreRealloc`) returning 0 for a non-zero request makes the
/// call fail with NULL without calling the Post-method; `Free(NULL)` calls
/// no spy method. A spy may enlarge requests and hand out pointers offset
/// into the actual block; its Pre-methods then translate them back.
///
/// The library takes its reference with `QueryInterface(IID_IMallocSpy)`
/// and releases it when the spy is revoked. The spy's methods run with no
/// library lock held: they may call the allocator, and may run on several
/// threads at once, so they must be thread-safe. A NULL method slot is
/// treated as a method that changes nothing.
///
/// Returns `S_OK`; `E_INVALIDARG` for a NULL spy (or one without
/// `QueryInterface`); `CO_E_OBJISREG` when a spy is already registered or
/// its revoke is still pending; or the failure `QueryInterface` returned.
/// The NAP `Alloc*` and `Free*` functions allocate and free through the
/// spy too, as `CoTaskMemAlloc` and `CoTaskMemFree` do.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub unsafe extern "system" fn CoRegisterMallocSpy(pMallocSpy: *mut IMallocSpy) -> WINAPI_HRESULT {
    crate::ffi::guard(E_INVALIDARG, || {
        // SAFETY: a non-NULL spy is a COM object per this function's
        // contract, so its vtable pointer can be read.
        if pMallocSpy.is_null() || unsafe { (*pMallocSpy).lpVtbl.is_null() } {
            return E_INVALIDARG;
        }
        if !SPY.load(Ordering::Acquire).is_null() {
            return CO_E_OBJISREG;
        }
        // SAFETY: as above.
        let Some(query) = (unsafe { (*(*pMallocSpy).lpVtbl).QueryInterface }) else { return E_INVALIDARG };
        let mut object: *mut c_void = null_mut();
        // SAFETY: calling the object's own QueryInterface with valid locals.
        let hr = unsafe { query(pMallocSpy, &IID_IMALLOCSPY_VALUE, &mut object) };
        if hr < 0 {
            return hr;
        }
        let spy = object.cast::<IMallocSpy>();
        // SAFETY: QueryInterface succeeded, so `spy` is a referenced IMallocSpy.
        if spy.is_null() || unsafe { (*spy).lpVtbl.is_null() } {
            return E_INVALIDARG;
        }
        install_fork_handlers();
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
        S_OK
    })
}

/// Revokes the registered allocation spy.
///
/// Returns `S_OK` when the spy was revoked; it is released (its `Release`
/// called) at once, or, when another thread is inside one of its methods,
/// as soon as that call returns. Returns `CO_E_OBJNOTREG` when no spy is
/// registered. Returns `E_ACCESSDENIED` when blocks allocated under the spy
/// are still live: the revoke is then pending, new allocations are no longer
/// spied, the spy keeps being called for the calls on those blocks, and it
/// is released automatically when the last of them is freed. Calling this
/// again while the revoke is pending returns `E_ACCESSDENIED` again.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub unsafe extern "system" fn CoRevokeMallocSpy() -> WINAPI_HRESULT {
    crate::ffi::guard(E_INVALIDARG, || {
        let mut state = STATE.load(Ordering::Acquire);
        loop {
            if state & REGISTERED == 0 {
                let pending = state != 0 && SPIED_LIVE.load(Ordering::Acquire) != 0;
                return if pending { E_ACCESSDENIED } else { CO_E_OBJNOTREG };
            }
            match STATE.compare_exchange_weak(state, state & !REGISTERED, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        let result = if SPIED_LIVE.load(Ordering::Acquire) != 0 { E_ACCESSDENIED } else { S_OK };
        drop_reference();
        result
    })
}
