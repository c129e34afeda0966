//! Concurrency and fork stress: threads allocating, reallocating and freeing
//! each other's blocks must end with exact counters; a spy and a misuse
//! handler that call the allocator themselves must not deadlock, even while
//! the spy is registered and revoked under them; `fork()` while other
//! threads hammer the allocator must leave the child a working allocator.
//!
//! `NAPUTIL_STRESS_OPS` sets the operations per thread of the main stress
//! test (default 1,000,000). Tests take `SERIAL`: they check counter deltas.

#![cfg(unix)]

mod support;

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use naputil::naputil_set_misuse_handler;
use naputil::types::base::{CO_E_OBJISREG, CO_E_OBJNOTREG, E_ACCESSDENIED, S_OK};
use naputil::types::diag::NaputilMisuse;
use naputil::{CoRegisterMallocSpy, CoRevokeMallocSpy};
use naputil::{CoTaskMemAlloc, CoTaskMemFree, CoTaskMemRealloc};
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use support::{stats, CountingSpy, Rng};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const THREADS: usize = 4;

fn ops_per_thread() -> u64 {
    std::env::var("NAPUTIL_STRESS_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// What one thread did, to compare with the library's counters.
#[derive(Default, Clone, Copy)]
struct Tally {
    ops: u64,
    allocs: u64,
    frees: u64,
    reallocs: u64,
    bytes: u64,
}

/// A block with its size and the stamp written in its first and last byte.
#[derive(Clone, Copy)]
struct Held {
    ptr: usize,
    size: usize,
    stamp: u8,
}

impl Held {
    fn stamp_check(&self) {
        if self.size == 0 {
            return;
        }
        let p = self.ptr as *const u8;
        // SAFETY: a live block of `size` bytes this test owns.
        unsafe {
            assert_eq!(*p, self.stamp, "first byte intact");
            assert_eq!(*p.add(self.size - 1), self.stamp, "last byte intact");
        }
    }
    fn stamp_write(&self) {
        if self.size == 0 {
            return;
        }
        let p = self.ptr as *mut u8;
        // SAFETY: as above.
        unsafe {
            *p = self.stamp;
            *p.add(self.size - 1) = self.stamp;
        }
    }
}

/// One mailbox per thread: blocks other threads hand over to be freed or
/// reallocated there.
type Mailboxes = Arc<Vec<Mutex<Vec<Held>>>>;

fn worker(me: usize, ops: u64, mailboxes: Mailboxes, start: Arc<Barrier>) -> Tally {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15 ^ me as u64);
    let mut tally = Tally::default();
    let mut held: Vec<Held> = Vec::with_capacity(1024);
    start.wait();
    let size = |rng: &mut Rng| match rng.below(64) {
        0 => rng.below(65536) as usize,
        1..=8 => rng.below(4096) as usize,
        _ => rng.below(256) as usize,
    };
    while tally.ops < ops {
        tally.ops += 1;
        match rng.below(100) {
            0..=34 => {
                if held.len() < 4096 {
                    let n = size(&mut rng);
                    let p = CoTaskMemAlloc(n);
                    assert!(!p.is_null());
                    let h = Held { ptr: p as usize, size: n, stamp: rng.next() as u8 };
                    h.stamp_write();
                    held.push(h);
                    tally.allocs += 1;
                    tally.bytes += n as u64;
                }
            }
            35..=59 => {
                if !held.is_empty() {
                    let h = held.swap_remove(rng.below(held.len() as u64) as usize);
                    h.stamp_check();
                    CoTaskMemFree(h.ptr as *mut c_void);
                    tally.frees += 1;
                }
            }
            60..=69 => {
                // Hand a block to the next thread.
                if let Some(h) = held.pop() {
                    mailboxes[(me + 1) % THREADS].lock().unwrap().push(h);
                }
            }
            70..=79 => {
                // Free or reallocate what another thread allocated.
                let got = mailboxes[me].lock().unwrap().pop();
                if let Some(mut h) = got {
                    h.stamp_check();
                    if rng.below(2) == 0 {
                        CoTaskMemFree(h.ptr as *mut c_void);
                        tally.frees += 1;
                    } else {
                        let n = size(&mut rng).max(1);
                        let q = CoTaskMemRealloc(h.ptr as *mut c_void, n);
                        assert!(!q.is_null());
                        let keep = h.size.min(n);
                        if keep > 0 {
                            // SAFETY: the first byte survived the move.
                            assert_eq!(unsafe { *(q as *const u8) }, h.stamp);
                        }
                        h = Held { ptr: q as usize, size: n, stamp: h.stamp };
                        h.stamp_write();
                        held.push(h);
                        tally.reallocs += 1;
                        tally.bytes += n as u64;
                    }
                }
            }
            _ => {
                // A realloc storm: one block resized many times.
                if let Some(mut h) = held.pop() {
                    for _ in 0..8 {
                        h.stamp_check();
                        let n = size(&mut rng).max(1);
                        let q = CoTaskMemRealloc(h.ptr as *mut c_void, n);
                        assert!(!q.is_null());
                        h = Held { ptr: q as usize, size: n, stamp: h.stamp };
                        h.stamp_write();
                        tally.reallocs += 1;
                        tally.bytes += n as u64;
                    }
                    held.push(h);
                }
            }
        }
    }
    for h in held {
        h.stamp_check();
        CoTaskMemFree(h.ptr as *mut c_void);
        tally.frees += 1;
    }
    tally
}

/// Runs `THREADS` workers, drains the mailboxes, and returns their sum.
fn run_workers(ops: u64) -> Tally {
    let mailboxes: Mailboxes = Arc::new((0..THREADS).map(|_| Mutex::new(Vec::new())).collect());
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|me| {
            let (mailboxes, start) = (mailboxes.clone(), start.clone());
            std::thread::spawn(move || worker(me, ops, mailboxes, start))
        })
        .collect();
    let mut total = Tally::default();
    for h in handles {
        let t = h.join().expect("a worker panicked");
        total.ops += t.ops;
        total.allocs += t.allocs;
        total.frees += t.frees;
        total.reallocs += t.reallocs;
        total.bytes += t.bytes;
    }
    for mailbox in mailboxes.iter() {
        for h in mailbox.lock().unwrap().drain(..) {
            h.stamp_check();
            CoTaskMemFree(h.ptr as *mut c_void);
            total.frees += 1;
        }
    }
    total
}

#[test]
fn threads_with_cross_thread_frees_and_realloc_storms_end_with_exact_counters() {
    let _serial = serial();
    let ops = ops_per_thread();
    let before = stats();
    let started = Instant::now();
    let total = run_workers(ops);
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks, "no block lost or leaked");
    assert_eq!(after.live_bytes, before.live_bytes, "no byte lost or leaked");
    assert_eq!(after.total_allocs - before.total_allocs, total.allocs, "every allocation counted once");
    assert_eq!(after.total_frees - before.total_frees, total.frees, "every free counted once");
    assert_eq!(after.total_reallocs - before.total_reallocs, total.reallocs, "every realloc counted once");
    assert_eq!(after.total_bytes_requested - before.total_bytes_requested, total.bytes, "bytes requested");
    assert_eq!(after.misuse_total, before.misuse_total, "no misuse");
    assert_eq!(total.allocs, total.frees);
    println!(
        "stress: {THREADS} threads x {ops} operations ({} allocs, {} frees, {} reallocs) in {:.2?}",
        total.allocs,
        total.frees,
        total.reallocs,
        started.elapsed()
    );
}

/// Registers and revokes `spy` over and over until `stop`, as a debugging
/// tool attached to a busy process would. Returns how many times it did.
fn toggle_spy(spy: &CountingSpy, stop: &AtomicBool) -> u64 {
    let mut registrations = 0;
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: a live spy object.
        match unsafe { CoRegisterMallocSpy(spy.as_spy()) } {
            S_OK => registrations += 1,
            CO_E_OBJISREG => {} // the previous revoke is still pending
            other => panic!("CoRegisterMallocSpy: {other:#x}"),
        }
        std::thread::yield_now();
        // SAFETY: no arguments.
        let hr = unsafe { CoRevokeMallocSpy() };
        assert!([S_OK, E_ACCESSDENIED, CO_E_OBJNOTREG].contains(&hr), "CoRevokeMallocSpy: {hr:#x}");
    }
    registrations
}

fn spy_under_contention(offset: bool) {
    let _serial = serial();
    let spy = CountingSpy::new();
    spy.reenter.store(!offset, Ordering::Relaxed);
    spy.offset.store(offset, Ordering::Relaxed);
    let before = stats();
    let stop = AtomicBool::new(false);
    let (total, registrations) = std::thread::scope(|s| {
        let toggler = s.spawn(|| toggle_spy(&spy, &stop));
        let total = run_workers(50_000);
        stop.store(true, Ordering::Relaxed);
        (total, toggler.join().expect("the toggling thread panicked"))
    });
    // Every spied block is gone, so a pending revoke has completed.
    // SAFETY: no arguments.
    let hr = unsafe { CoRevokeMallocSpy() };
    assert!(hr == CO_E_OBJNOTREG || hr == S_OK, "revoke at the end: {hr:#x}");
    assert_eq!(spy.refs(), 1, "the spy was released exactly once per registration");
    assert_eq!(spy.pre_alloc.load(Ordering::SeqCst), spy.post_alloc.load(Ordering::SeqCst));
    assert_eq!(spy.pre_realloc.load(Ordering::SeqCst), spy.post_realloc.load(Ordering::SeqCst));
    assert_eq!(spy.pre_free.load(Ordering::SeqCst), spy.post_free.load(Ordering::SeqCst));
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(after.live_bytes, before.live_bytes);
    assert_eq!(after.misuse_total, before.misuse_total, "every spied pointer was translated back");
    assert!(registrations > 0);
    println!(
        "spy{}: {} registrations, {} PreAlloc calls, {} operations",
        if offset { " (offsetting)" } else { "" },
        registrations,
        spy.pre_alloc.load(Ordering::SeqCst),
        total.ops
    );
}

#[test]
fn a_reentrant_spy_registered_and_revoked_under_busy_threads() {
    spy_under_contention(false);
}

#[test]
fn an_offsetting_spy_registered_and_revoked_under_busy_threads() {
    spy_under_contention(true);
}

static HANDLED: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" fn allocating_handler(_misuse: *const NaputilMisuse, _context: *mut c_void) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
    let p = CoTaskMemAlloc(48);
    let q = CoTaskMemRealloc(p, 96);
    CoTaskMemFree(q);
}

#[test]
fn a_misuse_handler_that_allocates_runs_on_many_threads_at_once() {
    let _serial = serial();
    const PER_THREAD: u64 = 20_000;
    let before = stats();
    HANDLED.store(0, Ordering::SeqCst);
    naputil_set_misuse_handler(Some(allocating_handler), core::ptr::null_mut());
    let spy = CountingSpy::new();
    spy.reenter.store(true, Ordering::Relaxed);
    // SAFETY: a live spy object.
    assert_eq!(unsafe { CoRegisterMallocSpy(spy.as_spy()) }, S_OK);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut local = 0u64;
                for i in 0..PER_THREAD {
                    let p = CoTaskMemAlloc(16);
                    CoTaskMemFree(&mut local as *mut u64 as *mut c_void);
                    CoTaskMemFree(if i % 2 == 0 { p } else { CoTaskMemRealloc(p, 64) });
                }
            });
        }
    });
    naputil_set_misuse_handler(None, core::ptr::null_mut());
    // SAFETY: no arguments.
    assert_eq!(unsafe { CoRevokeMallocSpy() }, S_OK);
    assert_eq!(spy.refs(), 1);
    let after = stats();
    assert_eq!(HANDLED.load(Ordering::SeqCst), THREADS as u64 * PER_THREAD);
    assert_eq!(after.misuse_total - before.misuse_total, THREADS as u64 * PER_THREAD);
    assert_eq!(after.live_blocks, before.live_blocks);
}

/// Waits for `pid` up to `deadline`; kills it and fails past that.
fn wait_with_deadline(pid: libc::pid_t, deadline: Duration) -> i32 {
    let start = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: waiting for our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(r >= 0, "waitpid failed");
        if r == pid {
            assert!(libc::WIFEXITED(status), "the child did not exit normally (status {status:#x})");
            return libc::WEXITSTATUS(status);
        }
        if start.elapsed() > deadline {
            // SAFETY: killing and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("the child made no progress within {deadline:?}: deadlocked after fork");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What a child does after `fork`: allocate, misuse (taking the handler
/// path), register and revoke a spy, free, and report through its exit code.
/// Only the library and raw libc are used: the child of a threaded process
/// may touch nothing else.
fn child_work(spy: &CountingSpy) -> i32 {
    let before = naputil::naputil_live_blocks();
    let mut blocks = [core::ptr::null_mut::<c_void>(); 256];
    for (i, b) in blocks.iter_mut().enumerate() {
        *b = CoTaskMemAlloc(i * 8);
        if b.is_null() {
            return 2;
        }
    }
    for b in blocks.iter_mut().step_by(2) {
        *b = CoTaskMemRealloc(*b, 300);
    }
    let mut local = 0u8;
    CoTaskMemFree(&mut local as *mut u8 as *mut c_void);
    // SAFETY: a live spy object (inherited from the parent).
    let registered = unsafe { CoRegisterMallocSpy(spy.as_spy()) };
    if registered == S_OK {
        CoTaskMemFree(CoTaskMemAlloc(10));
        // SAFETY: no arguments.
        if unsafe { CoRevokeMallocSpy() } != S_OK {
            return 3;
        }
    }
    for b in blocks {
        CoTaskMemFree(b);
    }
    if naputil::naputil_live_blocks() != before {
        return 4;
    }
    0
}

#[test]
fn fork_while_other_threads_hammer_the_allocator() {
    let _serial = serial();
    const FORKS: usize = 100;
    let stop = AtomicBool::new(false);
    let hammer_ops = AtomicU64::new(0);
    let spy = CountingSpy::new();
    spy.offset.store(true, Ordering::Relaxed);
    naputil_set_misuse_handler(Some(allocating_handler), core::ptr::null_mut());
    std::thread::scope(|s| {
        for t in 0..3u64 {
            let (stop, hammer_ops, spy) = (&stop, &hammer_ops, &spy);
            s.spawn(move || {
                let mut rng = Rng::new(t + 1);
                let mut local = 0u64;
                let mut held = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match rng.below(10) {
                        0..=4 if held.len() < 1000 => held.push(CoTaskMemAlloc(rng.below(512) as usize) as usize),
                        5..=7 => {
                            if let Some(p) = held.pop() {
                                CoTaskMemFree(CoTaskMemRealloc(p as *mut c_void, 64));
                            }
                        }
                        8 => CoTaskMemFree(&mut local as *mut u64 as *mut c_void),
                        _ if t == 0 => {
                            // Keep the spy and its offset map busy too.
                            // SAFETY: a live spy object; no arguments.
                            unsafe {
                                CoRegisterMallocSpy(spy.as_spy());
                                CoTaskMemFree(CoTaskMemAlloc(32));
                                CoRevokeMallocSpy();
                            }
                        }
                        _ => {}
                    }
                    hammer_ops.fetch_add(1, Ordering::Relaxed);
                }
                held.into_iter().for_each(|p| CoTaskMemFree(p as *mut c_void));
            });
        }
        for i in 0..FORKS {
            // Let the hammers get going between forks.
            std::thread::sleep(Duration::from_millis(2));
            // SAFETY: the child runs only `child_work` and `_exit`.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                let code = child_work(&spy);
                // SAFETY: leave the child at once, running no destructors.
                unsafe { libc::_exit(code) };
            }
            let code = wait_with_deadline(pid, Duration::from_secs(20));
            assert_eq!(code, 0, "fork {i}: the child's allocator checks failed (code {code})");
        }
        stop.store(true, Ordering::Relaxed);
    });
    naputil_set_misuse_handler(None, core::ptr::null_mut());
    // SAFETY: no arguments.
    let hr = unsafe { CoRevokeMallocSpy() };
    assert!(hr == S_OK || hr == CO_E_OBJNOTREG);
    assert_eq!(spy.refs(), 1);
    println!("fork: {FORKS} forks while 3 threads made {} operations", hammer_ops.load(Ordering::Relaxed));
}
