//! Call stacks of task-memory blocks, kept while `NAPUTIL_BACKTRACE` is on:
//! where each live block was allocated, and where recently freed blocks
//! were allocated and freed. Off (the default), nothing here is touched but
//! the one word that says so.
//!
//! - Each API call that allocates or frees (`CoTaskMem*`, the `IMalloc`
//!   methods, the NAP `Alloc*`/`Free*` functions) captures its caller's stack
//!   once, on entry ([`during_call`]); every block the call allocates or
//!   frees, through whatever path, is recorded with that stack.
//! - Stacks are interned: each distinct stack is stored once and never
//!   freed, so a [`Stack`] is a `'static` slice that C code may keep.
//! - The live blocks' stacks are in a side table keyed by block address
//!   (the block header has no room), sharded by address so that threads
//!   rarely meet on a lock, and populated only while stacks are on.
//! - The last [`history`] frees (address, size, both stacks) of blocks
//!   allocated while stacks were on are kept in a ring, from which a double
//!   free learns where the block was freed before.
//!
//! Every structure here is allocated through Rust's global allocator (libc
//! `malloc`), never the task allocator, and guarded by spin locks that join
//! the fork registry; none is held while another is taken.

use crate::support::lock::SpinLock;
use crate::support::unwind::{self, MAX_FRAMES};
use core::cell::Cell;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::collections::{BTreeMap, BTreeSet};

/// Frames captured when `NAPUTIL_BACKTRACE=1` (or
/// `naputil_set_backtrace(1)`) asks for "the default".
pub(crate) const DEFAULT_FRAMES: usize = 16;
/// Frees remembered unless `NAPUTIL_BACKTRACE_FREED` says otherwise.
pub(crate) const DEFAULT_HISTORY: usize = 4096;
/// Most frees that can be remembered.
pub(crate) const MAX_HISTORY: usize = 1 << 20;

/// Frames captured per stack; 0 when stacks are off.
static FRAMES: AtomicUsize = AtomicUsize::new(0);
/// How many of the latest frees the history keeps.
static HISTORY: AtomicUsize = AtomicUsize::new(DEFAULT_HISTORY);

/// Whether stacks are being recorded: the one question the allocation and
/// free paths ask.
#[inline(always)]
pub(crate) fn enabled() -> bool {
    FRAMES.load(Ordering::Relaxed) != 0
}

/// Frames captured per stack (0: off).
pub(crate) fn frames() -> usize {
    FRAMES.load(Ordering::Relaxed)
}

/// What a request for `n` frames means: 0 off, 1 the default, larger values
/// as many (`None` beyond [`MAX_FRAMES`]).
pub(crate) fn frames_for_request(n: u64) -> Option<usize> {
    match n {
        0 => Some(0),
        1 => Some(DEFAULT_FRAMES),
        n if n <= MAX_FRAMES as u64 => Some(n as usize),
        _ => None,
    }
}

/// Captures `frames` frames (0: off) per stack from now on. Blocks already
/// live keep what was recorded for them (nothing, if stacks were off).
pub(crate) fn set_frames(frames: usize) {
    FRAMES.store(frames.min(MAX_FRAMES), Ordering::Relaxed);
}

/// How many of the latest frees are remembered.
pub(crate) fn history() -> usize {
    HISTORY.load(Ordering::Relaxed)
}

/// Remembers the latest `frees` frees (at most [`MAX_HISTORY`]); what was
/// remembered is forgotten.
pub(crate) fn set_history(frees: usize) {
    let frees = frees.min(MAX_HISTORY);
    let mut ring = RING.lock();
    HISTORY.store(frees, Ordering::Relaxed);
    *ring = Ring::new();
}

// ---------------------------------------------------------------------------
// Interned stacks
// ---------------------------------------------------------------------------

/// A captured stack: return addresses, innermost first, `frames()[0]` in the
/// API function that was called. Stored once per distinct stack and never
/// freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stack(&'static [usize]);

impl Stack {
    pub(crate) fn frames(self) -> &'static [usize] {
        self.0
    }
}

/// Mixes `word` into `hash` (multiplicative hashing: enough to spread
/// return addresses and block addresses, whose low bits vary little).
fn mix(hash: u64, word: usize) -> u64 {
    (hash.rotate_left(5) ^ word as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

// The maps are B-trees: every node is reached through a pointer to its
// start, so leak checkers (valgrind) see the stacks as reachable, where a
// hash table's pointer into the middle of its allocation would make them
// "possibly lost".

/// Shards of the interned stacks, chosen by the stack's hash.
const DEPOT_SHARDS: usize = 4;
static DEPOT: [SpinLock<BTreeSet<&'static [usize]>>; DEPOT_SHARDS] =
    [const { SpinLock::new(BTreeSet::new()) }; DEPOT_SHARDS];

fn intern(frames: &[usize]) -> Option<Stack> {
    if frames.is_empty() {
        return None;
    }
    let hash = frames.iter().fold(0, |hash, &frame| mix(hash, frame));
    let mut set = DEPOT[(hash >> 62) as usize % DEPOT_SHARDS].lock();
    if let Some(&known) = set.get(frames) {
        return Some(Stack(known));
    }
    let stored: &'static [usize] = Box::leak(frames.to_vec().into_boxed_slice());
    set.insert(stored);
    Some(Stack(stored))
}

// ---------------------------------------------------------------------------
// The stack of the API call in progress
// ---------------------------------------------------------------------------

/// The stack an API call captured on entry, on that call's own stack frame.
struct CallStack {
    frames: [usize; MAX_FRAMES],
    len: usize,
    interned: Cell<Option<Stack>>,
}

impl CallStack {
    /// Interned on first use: a call that allocates several blocks stores
    /// its stack once, a call that allocates none never.
    fn stack(&self) -> Option<Stack> {
        if self.interned.get().is_none() {
            self.interned.set(intern(&self.frames[..self.len]));
        }
        self.interned.get()
    }
}

thread_local! {
    /// The innermost API call in progress on this thread that captured a
    /// stack; null when there is none. Const-initialised and without a
    /// destructor, so it can be read at any time, at-exit reports included.
    static CURRENT: Cell<*const CallStack> = const { Cell::new(core::ptr::null()) };
}

/// Runs `body`, the work of the API function whose address is `entry`, with
/// its caller's stack captured (when stacks are on) for whatever `body`
/// allocates, frees or reports. API functions call this on entry, with a
/// closure marked `#[inline(always)]`: `body` is called in two places, and
/// must be inlined into both so that with stacks off the API function runs
/// the code it ran before stacks existed, after one untaken branch.
#[inline(always)]
pub(crate) fn during_call<R>(entry: usize, body: impl FnOnce() -> R) -> R {
    if !enabled() {
        return body();
    }
    traced_call(entry, body)
}

#[cold]
#[inline(never)]
fn traced_call<R>(entry: usize, body: impl FnOnce() -> R) -> R {
    let mut call = CallStack { frames: [0; MAX_FRAMES], len: 0, interned: Cell::new(None) };
    let wanted = frames().min(MAX_FRAMES);
    call.len = unwind::capture(entry, &mut call.frames[..wanted]);
    /// Puts the outer call's stack back, however `body` ends.
    struct Restore(*const CallStack);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| current.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|current| current.replace(&call)));
    body()
}

/// The stack of the API call in progress on this thread, if it captured one.
pub(crate) fn current() -> Option<Stack> {
    let call = CURRENT.with(Cell::get);
    if call.is_null() {
        return None;
    }
    // SAFETY: CURRENT only ever points to the CallStack of a `traced_call`
    // still running on this thread (`Restore` resets it before that frame
    // ends).
    unsafe { &*call }.stack()
}

/// The current call's stack or, when a block is reached outside one (stacks
/// turned on by another thread in the middle of this call), a stack
/// captured here, which starts inside the library.
fn current_or_capture() -> Option<Stack> {
    current().or_else(|| {
        let mut frames = [0usize; MAX_FRAMES];
        let wanted = self::frames().min(MAX_FRAMES);
        let len = unwind::capture(0, &mut frames[..wanted]);
        intern(&frames[..len])
    })
}

// ---------------------------------------------------------------------------
// Live blocks
// ---------------------------------------------------------------------------

const LIVE_SHARDS: usize = 8;
static LIVE: [SpinLock<BTreeMap<usize, Stack>>; LIVE_SHARDS] = [const { SpinLock::new(BTreeMap::new()) }; LIVE_SHARDS];

fn live_shard(user: usize) -> &'static SpinLock<BTreeMap<usize, Stack>> {
    &LIVE[(mix(0, user) >> 61) as usize]
}

const _: () = assert!(LIVE_SHARDS == 8, "live_shard takes the top 3 bits");

/// Records that the current call allocated the block at `user`.
#[cold]
pub(crate) fn allocated(user: usize) {
    put_live(user, current_or_capture());
}

/// The allocation stack recorded for the live block at `user` (callers ask
/// `block::recorded_stack`, which first checks that one was recorded).
pub(crate) fn live_stack(user: usize) -> Option<Stack> {
    live_shard(user).lock().get(&user).copied()
}

/// Takes the live block `user`'s stack out of the side table: the block is
/// about to be freed or moved. Done before libc may hand the address out
/// again, so that the next block there cannot have its stack removed.
pub(crate) fn take_live(user: usize) -> Option<Stack> {
    live_shard(user).lock().remove(&user)
}

/// Records `stack` (if any) as the allocation stack of the live block `user`.
pub(crate) fn put_live(user: usize, stack: Option<Stack>) {
    if let Some(stack) = stack {
        live_shard(user).lock().insert(user, stack);
    }
}

/// The current call is freeing the live block at `user` of `size` bytes,
/// allocated while stacks were on: its allocation stack leaves the side
/// table and, while stacks are still on, the free enters the history.
#[cold]
pub(crate) fn freeing(user: usize, size: usize) {
    let allocated = take_live(user);
    if enabled() {
        remember_free(user, size, allocated);
    }
}

/// The current call resized the block at `old` (of `old_size` bytes, with
/// allocation stack `allocated`, already taken out of the side table, if
/// it was `recorded`) and it is now at `new`. The resized block counts as
/// allocated by this call; a recorded block that moved also counts as freed
/// by it at its old address.
#[cold]
pub(crate) fn resized(old: usize, old_size: usize, allocated: Option<Stack>, new: usize, recorded: bool) {
    if new != old && recorded {
        // Recorded after libc freed the old block, so in a race another
        // thread's free of a new block at `old` may be listed before this
        // one; a later double free there would then be shown this free.
        remember_free(old, old_size, allocated);
    }
    put_live(new, current_or_capture());
}

// ---------------------------------------------------------------------------
// Recently freed blocks
// ---------------------------------------------------------------------------

/// What the history remembers of one free.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FreedBlock {
    pub(crate) address: usize,
    pub(crate) size: usize,
    pub(crate) allocated: Option<Stack>,
    pub(crate) freed: Option<Stack>,
}

/// The latest frees, oldest overwritten first.
struct Ring {
    entries: Vec<FreedBlock>,
    /// Where the next entry goes once the ring is full.
    next: usize,
}

impl Ring {
    const fn new() -> Self {
        Ring { entries: Vec::new(), next: 0 }
    }

    /// Adds `entry`, overwriting the oldest once `capacity` are held.
    fn push(&mut self, entry: FreedBlock, capacity: usize) {
        if self.entries.len() < capacity {
            self.entries.push(entry);
        } else if capacity > 0 {
            let slot = self.next % capacity;
            self.entries[slot] = entry;
            self.next = slot + 1;
        }
    }

    /// The newest entry for `address`.
    fn find(&self, address: usize) -> Option<FreedBlock> {
        let len = self.entries.len();
        // Newest first: from just before `next` backwards, wrapping around.
        (0..len).map(|back| self.entries[(self.next + len - 1 - back) % len]).find(|e| e.address == address)
    }
}

static RING: SpinLock<Ring> = SpinLock::new(Ring::new());

/// Records that the current call freed the block at `address`.
pub(crate) fn remember_free(address: usize, size: usize, allocated: Option<Stack>) {
    let freed = current_or_capture();
    let mut ring = RING.lock();
    ring.push(FreedBlock { address, size, allocated, freed }, history());
}

/// The latest free of a block at `address` the history still holds.
pub(crate) fn freed_before(address: usize) -> Option<FreedBlock> {
    RING.lock().find(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_stores_each_stack_once() {
        let a = intern(&[1, 2, 3]).unwrap();
        let b = intern(&[1, 2, 3]).unwrap();
        let c = intern(&[1, 2, 4]).unwrap();
        assert!(core::ptr::eq(a.frames(), b.frames()));
        assert_eq!(c.frames(), &[1, 2, 4]);
        assert_eq!(intern(&[]), None);
    }

    #[test]
    fn requests_for_frames() {
        assert_eq!(frames_for_request(0), Some(0));
        assert_eq!(frames_for_request(1), Some(DEFAULT_FRAMES));
        assert_eq!(frames_for_request(2), Some(2));
        assert_eq!(frames_for_request(MAX_FRAMES as u64), Some(MAX_FRAMES));
        assert_eq!(frames_for_request(MAX_FRAMES as u64 + 1), None);
    }

    fn freed(address: usize, size: usize) -> FreedBlock {
        FreedBlock { address, size, allocated: None, freed: None }
    }

    #[test]
    fn the_ring_keeps_the_latest_frees_newest_first() {
        let mut ring = Ring::new();
        for (address, size) in [(16, 1), (32, 2), (16, 3)] {
            ring.push(freed(address, size), 3);
        }
        assert_eq!(ring.find(16).map(|e| e.size), Some(3));
        assert_eq!(ring.find(32).map(|e| e.size), Some(2));
        // Full: the oldest (16, 1) and then (32, 2) are overwritten.
        ring.push(freed(48, 4), 3);
        assert_eq!(ring.find(16).map(|e| e.size), Some(3));
        ring.push(freed(64, 5), 3);
        assert_eq!(ring.find(32).map(|e| e.size), None);
        ring.push(freed(16, 6), 3);
        assert_eq!(ring.find(16).map(|e| e.size), Some(6));
        assert_eq!(ring.find(48).map(|e| e.size), Some(4));
        assert_eq!(ring.entries.len(), 3);
    }

    #[test]
    fn a_ring_of_no_capacity_keeps_nothing() {
        let mut ring = Ring::new();
        ring.push(freed(16, 1), 0);
        assert!(ring.find(16).is_none());
    }
}
