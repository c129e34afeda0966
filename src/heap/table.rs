//! The tracking table: which addresses are the start of a live block.
//!
//! Design: a two-level radix bitmap over the address space, as the page maps
//! of tcmalloc-style allocators are built. Every block the library hands out
//! starts on a 16-byte granule, and each granule owns two bits:
//!
//! - `LIVE`: a live block starts here;
//! - `SEEN`: a block has started here at some point (it is never cleared), so
//!   a pointer that is no longer live can be told apart as "already freed".
//!
//! The bitmap is 1/64 of the address span it covers, is touched only where
//! blocks exist, and answers every question with one atomic word operation,
//! without ever reading the memory at the address asked about. Leaves are
//! created on first use and never freed, so a reader never races with
//! reclamation. There are no locks, which also makes the table safe across
//! `fork()`.
//!
//! The API is deliberately small (`insert`, `remove`, `state`,
//! `live_start_before`, `visit`) so another design can replace this one.

use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

/// log2 of the granule size: every tracked address is 16-byte aligned.
const GRANULE_SHIFT: u32 = 4;
/// Highest address bit the table covers (user space on x86_64 and aarch64).
const ADDRESS_BITS: u32 = if usize::BITS < 48 { usize::BITS } else { 48 };
/// log2 of the address span one leaf covers (1 GiB, or all of a 32-bit space).
const LEAF_SPAN_SHIFT: u32 = if ADDRESS_BITS < 30 { ADDRESS_BITS } else { 30 };
const ROOT_LEN: usize = 1 << (ADDRESS_BITS - LEAF_SPAN_SHIFT);
const GRANULES_PER_LEAF: usize = 1 << (LEAF_SPAN_SHIFT - GRANULE_SHIFT);
/// Two bits per granule, 32 granules per 64-bit word.
const GRANULES_PER_WORD: usize = 32;
const WORDS_PER_LEAF: usize = GRANULES_PER_LEAF / GRANULES_PER_WORD;

const LIVE: u64 = 0b01;
const SEEN: u64 = 0b10;
/// The `LIVE` bit of every granule in a word.
const ALL_LIVE: u64 = 0x5555_5555_5555_5555;

type Leaf = [AtomicU64; WORDS_PER_LEAF];

static ROOT: [AtomicPtr<Leaf>; ROOT_LEN] = [const { AtomicPtr::new(core::ptr::null_mut()) }; ROOT_LEN];

/// What the table knows about an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// A live block starts here.
    Live,
    /// A block started here once and has been freed since.
    Freed,
    /// No block has ever started here.
    Unknown,
}

/// Where an address's two bits are: the word and the shift within it.
struct Slot {
    word: &'static AtomicU64,
    shift: u32,
}

/// Splits an address into (root index, word index, shift), or `None` when it
/// cannot be a block start (misaligned or outside the covered space).
#[inline(always)]
fn locate(addr: usize) -> Option<(usize, usize, u32)> {
    if addr & ((1 << GRANULE_SHIFT) - 1) != 0 || (ADDRESS_BITS < usize::BITS && addr >> ADDRESS_BITS != 0) {
        return None;
    }
    let root = addr >> LEAF_SPAN_SHIFT;
    let granule = (addr & ((1 << LEAF_SPAN_SHIFT) - 1)) >> GRANULE_SHIFT;
    Some((root, granule / GRANULES_PER_WORD, ((granule % GRANULES_PER_WORD) * 2) as u32))
}

#[inline(always)]
fn existing_slot(addr: usize) -> Option<Slot> {
    let (root, word, shift) = locate(addr)?;
    let leaf = ROOT[root].load(Ordering::Acquire);
    if leaf.is_null() {
        return None;
    }
    // SAFETY: a non-null root entry points to a leaf that is never freed, and
    // `word < WORDS_PER_LEAF` by construction of `locate`.
    let word = unsafe { &(*leaf)[word] };
    Some(Slot { word, shift })
}

#[cold]
fn create_leaf(root: usize) -> *mut Leaf {
    let fresh = map_zeroed_leaf();
    if fresh.is_null() {
        return fresh;
    }
    match ROOT[root].compare_exchange(core::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {
            LEAVES.fetch_add(1, Ordering::Relaxed);
            fresh
        }
        Err(winner) => {
            // SAFETY: `fresh` was made above and never published.
            unsafe { unmap_leaf(fresh) };
            winner
        }
    }
}

/// A leaf straight from the kernel, never from the heap: its pages are
/// zero-filled on first touch, so a leaf costs memory only where blocks
/// actually are (`calloc` clears it eagerly when it reuses heap memory).
/// All-zero bytes are valid `AtomicU64`s. NULL when out of address space.
#[cfg(unix)]
fn map_zeroed_leaf() -> *mut Leaf {
    // SAFETY: an anonymous private mapping with no address hint; the result
    // is checked for failure.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            core::mem::size_of::<Leaf>(),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        core::ptr::null_mut()
    } else {
        p.cast()
    }
}

/// # Safety
/// `leaf` came from [`map_zeroed_leaf`] and was never published.
#[cfg(unix)]
unsafe fn unmap_leaf(leaf: *mut Leaf) {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::munmap(leaf.cast(), core::mem::size_of::<Leaf>()) };
}

/// Elsewhere the C runtime's `calloc` hands a block this large straight
/// from the system, zero-filled on demand.
#[cfg(not(unix))]
fn map_zeroed_leaf() -> *mut Leaf {
    // SAFETY: plain libc call; the result is checked by the caller.
    unsafe { libc::calloc(1, core::mem::size_of::<Leaf>()) }.cast()
}

/// # Safety
/// `leaf` came from [`map_zeroed_leaf`] and was never published.
#[cfg(not(unix))]
unsafe fn unmap_leaf(leaf: *mut Leaf) {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::free(leaf.cast()) };
}

/// Records `addr` as the start of a live block. Returns `false` when the
/// table cannot cover it (outside the address space it maps, misaligned, or
/// no memory for a new leaf); the caller must then not hand the block out.
#[inline]
pub(crate) fn insert(addr: usize) -> bool {
    let Some((root, word, shift)) = locate(addr) else { return false };
    let mut leaf = ROOT[root].load(Ordering::Acquire);
    if leaf.is_null() {
        leaf = create_leaf(root);
        if leaf.is_null() {
            return false;
        }
    }
    // SAFETY: see `existing_slot`.
    let word = unsafe { &(*leaf)[word] };
    word.fetch_or((LIVE | SEEN) << shift, Ordering::Release);
    true
}

/// Removes `addr` if it is the start of a live block. Returns `true` exactly
/// once per live block, even when several threads race to remove it.
#[inline]
pub(crate) fn remove(addr: usize) -> bool {
    let Some(slot) = existing_slot(addr) else { return false };
    let before = slot.word.fetch_and(!(LIVE << slot.shift), Ordering::AcqRel);
    before & (LIVE << slot.shift) != 0
}

/// Tells whether `addr` is a live block start, a freed one, or unknown.
#[inline]
pub(crate) fn state(addr: usize) -> State {
    let Some(slot) = existing_slot(addr) else { return State::Unknown };
    let bits = (slot.word.load(Ordering::Acquire) >> slot.shift) & (LIVE | SEEN);
    if bits & LIVE != 0 {
        State::Live
    } else if bits & SEEN != 0 {
        State::Freed
    } else {
        State::Unknown
    }
}

/// Finds the nearest live block start strictly below `addr`, looking back at
/// most `max_distance` bytes. Used only to explain misuse (interior pointers).
pub(crate) fn live_start_before(addr: usize, max_distance: usize) -> Option<usize> {
    let granule = 1usize << GRANULE_SHIFT;
    let mut candidate = (addr & !(granule - 1)).checked_sub(if addr.is_multiple_of(granule) { granule } else { 0 })?;
    let lowest = addr.saturating_sub(max_distance);
    while candidate >= lowest {
        if state(candidate) == State::Live {
            return Some(candidate);
        }
        candidate = candidate.checked_sub(granule)?;
    }
    None
}

/// Calls `f` with the address of every live block start, in address order.
/// Blocks inserted or removed while this runs may or may not be seen.
pub(crate) fn visit(mut f: impl FnMut(usize)) {
    for (root, entry) in ROOT.iter().enumerate() {
        let leaf = entry.load(Ordering::Acquire);
        if leaf.is_null() {
            continue;
        }
        // SAFETY: published leaves are never freed.
        let leaf = unsafe { &*leaf };
        for (index, word) in leaf.iter().enumerate() {
            let mut live = word.load(Ordering::Acquire) & ALL_LIVE;
            while live != 0 {
                let bit = live.trailing_zeros() as usize;
                live &= live - 1;
                let granule = index * GRANULES_PER_WORD + bit / 2;
                f((root << LEAF_SPAN_SHIFT) | (granule << GRANULE_SHIFT));
            }
        }
    }
}

/// Bytes of bitmap the table has created so far (leaves are lazily backed, so
/// the memory actually resident is usually far less).
pub(crate) fn reserved_bytes() -> usize {
    LEAVES.load(Ordering::Relaxed) * core::mem::size_of::<Leaf>()
}

/// Leaves published in `ROOT`, so `reserved_bytes` need not scan it.
static LEAVES: AtomicUsize = AtomicUsize::new(0);

/// Bits of bitmap per tracked granule, for overhead reports.
pub const BITS_PER_GRANULE: usize = 2;
/// Bytes per granule.
pub const GRANULE: usize = 1 << GRANULE_SHIFT;

/// Each thread keeps one leaf set aside, so that an insertion that must not
/// fail (the new address of a block libc has just moved) never waits for
/// memory: [`has_spare`] makes sure this thread has one before the point of
/// no return, and [`insert_with_spare`] uses it if the address needs a new
/// leaf. Checking costs one thread-local load; the leaf is mapped once per
/// thread that resizes blocks (address space only, never touched unless
/// used) and goes back to the shared slot, or to the system, when the
/// thread ends.
struct SpareSlot(core::cell::Cell<*mut Leaf>);

impl Drop for SpareSlot {
    fn drop(&mut self) {
        give_back(self.0.replace(core::ptr::null_mut()));
    }
}

thread_local! {
    static OWN_SPARE: SpareSlot = const { SpareSlot(core::cell::Cell::new(core::ptr::null_mut())) };
}

/// A leaf no thread holds, for the next thread that needs a spare.
static SHARED_SPARE: AtomicPtr<Leaf> = AtomicPtr::new(core::ptr::null_mut());

fn give_back(leaf: *mut Leaf) {
    if leaf.is_null() {
        return;
    }
    if SHARED_SPARE.compare_exchange(core::ptr::null_mut(), leaf, Ordering::AcqRel, Ordering::Acquire).is_err() {
        // SAFETY: the leaf was mapped for a spare and never published.
        unsafe { unmap_leaf(leaf) };
    }
}

/// Whether this thread holds a spare leaf, getting one if it can; false
/// when no memory is left for one (or the thread is ending).
#[inline]
pub(crate) fn has_spare() -> bool {
    OWN_SPARE.try_with(|slot| !slot.0.get().is_null() || refill(slot)).unwrap_or(false)
}

#[cold]
fn refill(slot: &SpareSlot) -> bool {
    let shared = SHARED_SPARE.swap(core::ptr::null_mut(), Ordering::AcqRel);
    let leaf = if shared.is_null() { map_zeroed_leaf() } else { shared };
    slot.0.set(leaf);
    !leaf.is_null()
}

/// [`insert`], using this thread's spare leaf (see [`has_spare`]) if the
/// address needs a new one. Fails only for an address no block can have
/// (misaligned or out of range), or when the thread holds no spare and no
/// memory is left for a leaf.
pub(crate) fn insert_with_spare(addr: usize) -> bool {
    let Some((root, _, _)) = locate(addr) else { return false };
    if ROOT[root].load(Ordering::Acquire).is_null() {
        let spare = OWN_SPARE.try_with(|slot| slot.0.replace(core::ptr::null_mut())).unwrap_or(core::ptr::null_mut());
        if !spare.is_null() {
            // Losing the race means another thread published a leaf here
            // first: the spare is kept for next time.
            let published =
                ROOT[root].compare_exchange(core::ptr::null_mut(), spare, Ordering::AcqRel, Ordering::Acquire).is_ok();
            if published {
                LEAVES.fetch_add(1, Ordering::Relaxed);
            } else if OWN_SPARE.try_with(|slot| slot.0.set(spare)).is_err() {
                give_back(spare);
            }
        }
    }
    insert(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Addresses far from any real heap so these tests cannot collide with
    // blocks the allocator tests create concurrently.
    const BASE: usize = 0x0000_7e00_0000_0000;

    #[test]
    fn insert_remove_state() {
        let a = BASE + 0x1000;
        assert_eq!(state(a), State::Unknown);
        assert!(insert(a));
        assert_eq!(state(a), State::Live);
        assert!(remove(a));
        assert_eq!(state(a), State::Freed);
        assert!(!remove(a), "second removal must fail");
        assert!(insert(a));
        assert_eq!(state(a), State::Live);
        assert!(remove(a));
    }

    #[test]
    fn neighbours_are_independent() {
        let a = BASE + 0x2000;
        let b = a + 16;
        assert!(insert(a) && insert(b));
        assert!(remove(a));
        assert_eq!(state(b), State::Live);
        assert!(remove(b));
    }

    #[test]
    fn rejects_untrackable_addresses() {
        assert!(!insert(BASE + 8), "misaligned");
        assert_eq!(state(BASE + 8), State::Unknown);
        assert!(!remove(0));
        if usize::BITS == 64 {
            assert!(!insert(1usize << 60), "beyond the mapped space");
        }
    }

    #[test]
    fn finds_interior_start() {
        let a = BASE + 0x3000;
        assert!(insert(a));
        assert_eq!(live_start_before(a + 40, 4096), Some(a));
        assert_eq!(live_start_before(a + 48, 16), None);
        assert!(remove(a));
        assert_eq!(live_start_before(a + 40, 4096), None);
    }

    #[test]
    fn visit_sees_inserted() {
        let base = BASE + 0x4000;
        let addrs: Vec<usize> = (0..100).map(|i| base + i * 48).collect();
        for &a in &addrs {
            assert!(insert(a));
        }
        let mut seen = Vec::new();
        visit(|a| {
            if (base..base + 100 * 48).contains(&a) {
                seen.push(a)
            }
        });
        assert_eq!(seen, addrs);
        for &a in &addrs {
            assert!(remove(a));
        }
    }

    #[test]
    fn concurrent_remove_succeeds_once() {
        let a = BASE + 0x9000;
        for _ in 0..200 {
            assert!(insert(a));
            let wins: usize = std::thread::scope(|s| {
                let h: Vec<_> = (0..4).map(|_| s.spawn(|| remove(a) as usize)).collect();
                h.into_iter().map(|h| h.join().unwrap()).sum()
            });
            assert_eq!(wins, 1);
        }
    }
}
