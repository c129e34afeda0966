//! Allocation counters, and the checkpoint epoch every block is stamped
//! with. Counting only: nothing here reports.
//!
//! Counters live in per-thread stripes so that the allocation fast path
//! writes only to a cache line its own thread owns: no shared atomic is
//! modified on every allocation, which is what lets the allocator scale with
//! threads. Readers add the stripes up.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};

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
fn refresh_peak() {
    PEAK.fetch_max(totals().live_bytes, Ordering::Relaxed);
}

/// The highest live-byte count seen, raised to `live` first.
pub(crate) fn peak_bytes(live: u64) -> u64 {
    PEAK.fetch_max(live, Ordering::Relaxed).max(live)
}

pub(crate) struct Totals {
    pub(crate) allocs: u64,
    pub(crate) frees: u64,
    pub(crate) reallocs: u64,
    pub(crate) bytes_in: u64,
    pub(crate) live_bytes: u64,
}

pub(crate) fn totals() -> Totals {
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

// ---------------------------------------------------------------------------
// Checkpoint epochs
// ---------------------------------------------------------------------------

static EPOCH: AtomicU32 = AtomicU32::new(0);

/// The epoch new blocks are born in.
#[inline(always)]
pub(crate) fn current_epoch() -> u32 {
    EPOCH.load(Ordering::Relaxed)
}

/// Starts a new epoch and returns its number.
pub(crate) fn next_epoch() -> u32 {
    EPOCH.fetch_add(1, Ordering::AcqRel).wrapping_add(1)
}
