//! What tracking costs: the task allocator next to raw `malloc`/`free` and a
//! deliberately naive tracker (one global `std::sync::Mutex` around a SipHash
//! `HashMap`), on the same operation sequences, in one process.
//!
//! Each workload is run `REPS` times; within a repetition the three
//! allocators run one after another, in an order that rotates from one
//! repetition to the next, so that drift in the machine's speed hits all
//! three alike. Reported times are medians over the repetitions, and each
//! ratio is the median of the per-repetition ratios (tracked/raw measured
//! seconds apart, never minutes). Absolute times on a shared machine swing a
//! lot from run to run; the ratios are the numbers to read.
//!
//! Run with `make bench` (`cargo bench --bench tracking`). Nothing here
//! asserts on timing.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::mpsc::sync_channel;
use std::sync::{Barrier, LazyLock, Mutex};
use std::time::{Duration, Instant};

use naputil::{AllocConnections, AllocCountedString, FreeConnections, FreeCountedString};
use naputil::{CoTaskMemAlloc, CoTaskMemFree, CoTaskMemRealloc};

/// Repetitions of every workload; the median is reported.
const REPS: usize = 7;
/// Live blocks in the random-replace working set.
const WORKING_SET: usize = 65_536;
/// Free-and-reallocate steps per random-replace run (per thread).
const REPLACE_STEPS: usize = 1_000_000;
/// Alloc-then-free pairs per run.
const PAIRS: usize = 2_000_000;
/// Blocks handed from producer to consumer per run.
const HANDOFFS: usize = 300_000;
/// Blocks per producer-to-consumer message.
const HANDOFF_BATCH: usize = 256;
/// Calls per realloc-growth run.
const REALLOC_CALLS: usize = 1_000_000;
/// Growth chains in flight at once in the realloc workload.
const CHAINS: usize = 256;
/// A growth chain is freed once its block exceeds this size.
const CHAIN_LIMIT: usize = 4096;
/// NAP alloc/free cycles per run.
const NAP_CYCLES: usize = 300_000;

// ---------------------------------------------------------------------------
// The three allocators
// ---------------------------------------------------------------------------

trait Allocator: Sync {
    fn alloc(size: usize) -> *mut u8;
    fn free(p: *mut u8);
    fn realloc(p: *mut u8, size: usize) -> *mut u8;

    /// `AllocConnections(count)` + `FreeConnections` and
    /// `AllocCountedString(string)` + `FreeCountedString`. The library calls
    /// the real functions; the baselines make and free the same blocks: a
    /// 16-byte struct and a zero-filled array of `count` pointers, a 16-byte
    /// struct and a copy of the string with its terminator.
    #[inline(always)]
    fn nap_cycle(count: u16, string: &[u16]) {
        let connections = Self::alloc(16);
        let array = Self::alloc(count as usize * 8);
        // SAFETY: `array` is a fresh block of `count * 8` bytes.
        unsafe { core::ptr::write_bytes(array, 0, count as usize * 8) };
        black_box((connections, array));
        Self::free(array);
        Self::free(connections);

        let counted = Self::alloc(16);
        let copy = Self::alloc(string.len() * 2);
        // SAFETY: `copy` is a fresh block of `string.len() * 2` bytes.
        unsafe { core::ptr::copy_nonoverlapping(string.as_ptr(), copy.cast::<u16>(), string.len()) };
        black_box((counted, copy));
        Self::free(copy);
        Self::free(counted);
    }
}

/// libc `malloc`/`free`: the floor the tracked allocator sits on.
struct Raw;

impl Allocator for Raw {
    #[inline(always)]
    fn alloc(size: usize) -> *mut u8 {
        // SAFETY: plain libc call.
        unsafe { libc::malloc(size).cast() }
    }
    #[inline(always)]
    fn free(p: *mut u8) {
        // SAFETY: `p` came from `Raw::alloc`/`Raw::realloc`.
        unsafe { libc::free(p.cast()) }
    }
    #[inline(always)]
    fn realloc(p: *mut u8, size: usize) -> *mut u8 {
        // SAFETY: `p` came from `Raw::alloc`/`Raw::realloc`.
        unsafe { libc::realloc(p.cast(), size).cast() }
    }
}

/// The library's exported `CoTaskMem*` functions.
struct Tracked;

impl Allocator for Tracked {
    #[inline(always)]
    fn alloc(size: usize) -> *mut u8 {
        CoTaskMemAlloc(size).cast()
    }
    #[inline(always)]
    fn free(p: *mut u8) {
        CoTaskMemFree(p.cast())
    }
    #[inline(always)]
    fn realloc(p: *mut u8, size: usize) -> *mut u8 {
        CoTaskMemRealloc(p.cast(), size).cast()
    }
    #[inline(always)]
    fn nap_cycle(count: u16, string: &[u16]) {
        let mut connections = core::ptr::null_mut();
        let mut counted = core::ptr::null_mut();
        // SAFETY: valid out-pointers and a NUL-terminated string; each block
        // is freed with its own Free function.
        unsafe {
            assert_eq!(AllocConnections(&mut connections, count), 0);
            FreeConnections(black_box(connections));
            assert_eq!(AllocCountedString(&mut counted, string.as_ptr()), 0);
            FreeCountedString(black_box(counted));
        }
    }
}

/// The design everyone writes first: every block in one `HashMap` behind one
/// global lock. It knows every live block, like the tracked allocator.
struct Naive;

static NAIVE_TABLE: LazyLock<Mutex<HashMap<usize, usize>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

impl Allocator for Naive {
    #[inline(always)]
    fn alloc(size: usize) -> *mut u8 {
        let p = Raw::alloc(size);
        if !p.is_null() {
            NAIVE_TABLE.lock().unwrap().insert(p as usize, size);
        }
        p
    }
    #[inline(always)]
    fn free(p: *mut u8) {
        if !p.is_null() && NAIVE_TABLE.lock().unwrap().remove(&(p as usize)).is_some() {
            Raw::free(p)
        }
    }
    #[inline(always)]
    fn realloc(p: *mut u8, size: usize) -> *mut u8 {
        if p.is_null() {
            return Self::alloc(size);
        }
        let mut table = NAIVE_TABLE.lock().unwrap();
        if table.remove(&(p as usize)).is_none() {
            return core::ptr::null_mut();
        }
        let moved = Raw::realloc(p, size);
        table.insert(if moved.is_null() { p } else { moved } as usize, size);
        moved
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Raw,
    Tracked,
    Naive,
}

const KINDS: [Kind; 3] = [Kind::Raw, Kind::Tracked, Kind::Naive];

/// Instantiates a generic workload for the allocator `kind` names, so each
/// allocator's calls are inlined into its own copy of the loop.
macro_rules! dispatch {
    ($kind:expr, $f:ident ( $($arg:expr),* )) => {
        match $kind {
            Kind::Raw => $f::<Raw>($($arg),*),
            Kind::Tracked => $f::<Tracked>($($arg),*),
            Kind::Naive => $f::<Naive>($($arg),*),
        }
    };
}

// ---------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------

/// SplitMix64: a fixed-seed generator, so every allocator replays exactly
/// the same sizes and indices.
struct Rng(u64);

impl Rng {
    #[inline(always)]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A block size in 8..=512, from the high bits.
    #[inline(always)]
    fn size(r: u64) -> usize {
        8 + (((r >> 32) * 505) >> 32) as usize
    }

    /// A working-set slot, from the low bits.
    #[inline(always)]
    fn slot(r: u64) -> usize {
        r as usize & (WORKING_SET - 1)
    }
}

const SEED: u64 = 0x6E61_7075_7469_6C21;

/// Allocates `n` alloc-then-free pairs; returns the elapsed time.
fn pairs<A: Allocator>(n: usize) -> Duration {
    let mut rng = Rng(SEED);
    let start = Instant::now();
    for _ in 0..n {
        let p = A::alloc(Rng::size(rng.next()));
        A::free(black_box(p));
    }
    start.elapsed()
}

/// A working set of `WORKING_SET` random-size blocks.
fn fill<A: Allocator>(rng: &mut Rng) -> Vec<*mut u8> {
    (0..WORKING_SET).map(|_| A::alloc(Rng::size(rng.next()))).collect()
}

fn drain<A: Allocator>(set: Vec<*mut u8>) {
    for p in set {
        A::free(p);
    }
}

/// `steps` times: free a random block of the working set and allocate a new
/// one of random size in its place.
#[inline(always)]
fn replace_steps<A: Allocator>(set: &mut [*mut u8], rng: &mut Rng, steps: usize) {
    for _ in 0..steps {
        let r = rng.next();
        let slot = &mut set[Rng::slot(r)];
        A::free(*slot);
        *slot = A::alloc(Rng::size(r));
    }
}

fn random_replace<A: Allocator>(steps: usize) -> Duration {
    let mut rng = Rng(SEED);
    let mut set = fill::<A>(&mut rng);
    let start = Instant::now();
    replace_steps::<A>(&mut set, &mut rng, steps);
    let elapsed = start.elapsed();
    drain::<A>(set);
    elapsed
}

/// The random-replace workload on `threads` threads at once, each with its
/// own working set and seed; returns the wall time of the timed part.
fn random_replace_threads<A: Allocator>(threads: usize, steps: usize) -> Duration {
    let start_line = Barrier::new(threads + 1);
    let finish_line = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (start_line, finish_line) = (&start_line, &finish_line);
            s.spawn(move || {
                let mut rng = Rng(SEED ^ (t as u64 + 1).wrapping_mul(0x1234_5678_9ABC_DEF1));
                let mut set = fill::<A>(&mut rng);
                start_line.wait();
                replace_steps::<A>(&mut set, &mut rng, steps);
                finish_line.wait();
                drain::<A>(set);
            });
        }
        start_line.wait();
        let start = Instant::now();
        finish_line.wait();
        start.elapsed()
    })
}

/// One thread allocates, another frees everything it is handed.
fn producer_consumer<A: Allocator>(n: usize) -> Duration {
    let (to_consumer, from_producer) = sync_channel::<Vec<usize>>(16);
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(move || {
            for batch in from_producer {
                for p in batch {
                    A::free(p as *mut u8);
                }
            }
        });
        let mut rng = Rng(SEED);
        for _ in 0..n / HANDOFF_BATCH {
            let batch = (0..HANDOFF_BATCH).map(|_| A::alloc(Rng::size(rng.next())) as usize).collect();
            to_consumer.send(batch).unwrap();
        }
        drop(to_consumer);
    });
    start.elapsed()
}

/// `CHAINS` blocks that grow by half plus 8 bytes with each reallocation,
/// visited in random order; a chain that outgrows `CHAIN_LIMIT` is freed and
/// restarted at 8 bytes. Every alloc, realloc and free counts as one call.
fn realloc_growth<A: Allocator>(calls: usize) -> Duration {
    let mut rng = Rng(SEED);
    let mut chains: Vec<(*mut u8, usize)> = (0..CHAINS).map(|_| (A::alloc(8), 8)).collect();
    let start = Instant::now();
    let mut done = 0;
    while done < calls {
        let chain = &mut chains[rng.next() as usize % CHAINS];
        let grown = chain.1 + chain.1 / 2 + 8;
        if grown > CHAIN_LIMIT {
            A::free(chain.0);
            *chain = (A::alloc(8), 8);
            done += 2;
        } else {
            *chain = (A::realloc(chain.0, grown), grown);
            done += 1;
        }
    }
    let elapsed = start.elapsed();
    for (p, _) in chains {
        A::free(p);
    }
    elapsed
}

/// `cycles` NAP cycles (see [`Allocator::nap_cycle`]) with 1 to 20
/// connections and strings of 0 to 60 code units.
fn nap_cycles<A: Allocator>(cycles: usize) -> Duration {
    let strings: Vec<Vec<u16>> =
        (0..16).map(|n| "NAP health state ".encode_utf16().cycle().take(n * 4).chain([0]).collect()).collect();
    let mut rng = Rng(SEED);
    let start = Instant::now();
    for _ in 0..cycles {
        let r = rng.next();
        A::nap_cycle(1 + (r % 20) as u16, &strings[(r >> 8) as usize % strings.len()]);
    }
    start.elapsed()
}

// ---------------------------------------------------------------------------
// Measurement and report
// ---------------------------------------------------------------------------

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Per-repetition nanoseconds per operation for each allocator, in `KINDS`
/// order.
struct Samples([Vec<f64>; 3]);

impl Samples {
    fn ns(&self, kind: Kind) -> f64 {
        median(self.0[index(kind)].clone())
    }

    /// Median over repetitions of `kind`'s time divided by raw's.
    fn ratio(&self, kind: Kind) -> f64 {
        let raw = &self.0[index(Kind::Raw)];
        median(self.0[index(kind)].iter().zip(raw).map(|(k, r)| k / r).collect())
    }
}

fn index(kind: Kind) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap()
}

/// Runs `run(kind)` for every allocator `REPS` times, rotating the order,
/// and turns each duration into nanoseconds per one of `ops` operations.
fn measure(ops: usize, mut run: impl FnMut(Kind) -> Duration) -> Samples {
    let mut samples = Samples([Vec::new(), Vec::new(), Vec::new()]);
    for rep in 0..REPS {
        for i in 0..KINDS.len() {
            let kind = KINDS[(rep + i) % KINDS.len()];
            let elapsed = run(kind);
            samples.0[index(kind)].push(elapsed.as_nanos() as f64 / ops as f64);
        }
    }
    samples
}

fn row(name: &str, s: &Samples) {
    println!(
        "| {name} | {:.1} | {:.1} | {:.1} | {:.2}x | {:.2}x |",
        s.ns(Kind::Raw),
        s.ns(Kind::Tracked),
        s.ns(Kind::Naive),
        s.ratio(Kind::Tracked),
        s.ratio(Kind::Naive)
    );
}

/// Tracking memory per live block, for a working set like the random-replace
/// one, measured before any other workload has touched the table.
struct Overhead {
    /// Extra heap bytes per block the in-band header costs, as glibc counts
    /// them, or the nominal header size where that count is unavailable.
    header: f64,
    /// Bitmap pages that hold the working set's bits, per block.
    bitmap: f64,
    /// The naive table's heap bytes per block.
    naive: f64,
}

fn heap_in_use() -> Option<usize> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: plain libc call returning a struct by value.
        Some(unsafe { libc::mallinfo2() }.uordblks)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

fn overhead() -> Overhead {
    let blocks = WORKING_SET as f64;

    // Heap growth while each allocator builds the same working set; the
    // vectors that hold the pointers are allocated beforehand.
    let heap_growth = |fill: &dyn Fn(&mut Rng) -> *mut u8, set: &mut Vec<*mut u8>| {
        let before = heap_in_use();
        let mut rng = Rng(SEED);
        set.extend((0..WORKING_SET).map(|_| fill(&mut rng)));
        Some(heap_in_use()? - before?)
    };
    let mut raw = Vec::with_capacity(WORKING_SET);
    let mut tracked = Vec::with_capacity(WORKING_SET);
    let raw_growth = heap_growth(&|rng| Raw::alloc(Rng::size(rng.next())), &mut raw);
    let tracked_growth = heap_growth(&|rng| Tracked::alloc(Rng::size(rng.next())), &mut tracked);
    drain::<Raw>(raw);
    let header = match (raw_growth, tracked_growth) {
        (Some(r), Some(t)) => (t as f64 - r as f64) / blocks,
        _ => 16.0,
    };
    // Each bitmap page holds the bits of PAGE * 8 / BITS_PER_GRANULE granules
    // and is backed by memory once any of them is set, so the bitmap costs
    // one page per distinct span of that many granules the working set uses.
    const PAGE: usize = 4096;
    let span = PAGE * 8 / naputil::tracking::BITS_PER_GRANULE * naputil::tracking::GRANULE;
    let mut spans: Vec<usize> = tracked.iter().map(|&p| p as usize / span).collect();
    spans.sort_unstable();
    spans.dedup();
    let bitmap = (spans.len() * PAGE) as f64 / blocks;
    drain::<Tracked>(tracked);

    let naive = fill::<Naive>(&mut Rng(SEED));
    let capacity = NAIVE_TABLE.lock().unwrap().capacity();
    // hashbrown keeps capacity * 8/7 buckets (next power of two), each a
    // (key, value) pair plus one control byte.
    let buckets = (capacity * 8 / 7).next_power_of_two();
    let naive_bytes = buckets * (2 * core::mem::size_of::<usize>() + 1);
    drain::<Naive>(naive);

    Overhead { header, bitmap, naive: naive_bytes as f64 / blocks }
}

fn main() {
    let started = Instant::now();
    let overhead = overhead();

    println!("naputil tracking benchmark: median of {REPS} interleaved repetitions, ns per operation");
    println!();
    println!("| workload | raw malloc | tracked | naive mutex+HashMap | tracked/raw | naive/raw |");
    println!("|---|---|---|---|---|---|");

    let s = measure(PAIRS, |k| dispatch!(k, pairs(PAIRS)));
    row("alloc-then-free pairs, 8-512 B", &s);

    let one = measure(REPLACE_STEPS, |k| dispatch!(k, random_replace(REPLACE_STEPS)));
    row("random replace, 65,536 live blocks (1 free + 1 alloc)", &one);

    let two = measure(2 * REPLACE_STEPS, |k| dispatch!(k, random_replace_threads(2, REPLACE_STEPS)));
    row("same, 2 threads (aggregate)", &two);

    let s = measure(HANDOFFS, |k| dispatch!(k, producer_consumer(HANDOFFS)));
    row("producer/consumer: alloc on one thread, free on another", &s);

    let s = measure(REALLOC_CALLS, |k| dispatch!(k, realloc_growth(REALLOC_CALLS)));
    row("realloc growth chains, 8 B to 4 KiB", &s);

    let s = measure(NAP_CYCLES, |k| dispatch!(k, nap_cycles(NAP_CYCLES)));
    row("AllocConnections+FreeConnections, AllocCountedString+FreeCountedString (per cycle)", &s);

    println!();
    println!("Random replace throughput, million operations per second:");
    println!();
    println!("| allocator | 1 thread | 2 threads | 2T/1T scaling |");
    println!("|---|---|---|---|");
    for (kind, name) in [(Kind::Raw, "raw malloc"), (Kind::Tracked, "tracked"), (Kind::Naive, "naive mutex+HashMap")] {
        let i = index(kind);
        let scaling = median(one.0[i].iter().zip(&two.0[i]).map(|(t1, t2)| t1 / t2).collect());
        println!("| {name} | {:.2} | {:.2} | {:.2} |", 1e3 / one.ns(kind), 1e3 / two.ns(kind), scaling);
    }

    println!();
    println!("Tracking memory per live block (65,536 blocks of 8-512 B):");
    println!();
    println!("| | bytes/block |");
    println!("|---|---|");
    println!("| tracked: in-band header (heap growth over raw malloc) | {:.1} |", overhead.header);
    println!("| tracked: bitmap pages touched | {:.1} |", overhead.bitmap);
    println!("| tracked: total | {:.1} |", overhead.header + overhead.bitmap);
    println!("| naive: HashMap buckets | {:.1} |", overhead.naive);
    println!();
    println!("(total run time {:.0} s)", started.elapsed().as_secs_f64());
}
