//! Fault injection: the k-th underlying allocation fails, for every k a call
//! makes, and nothing may leak, be half-written or lose a block; sizes that
//! overflow fail cleanly. Needs `--features fault-injection`.
//!
//! The failure countdown and the counters are process-wide, so every test
//! takes `SERIAL`. Each test prints how many faults it injected (visible
//! with `--nocapture`).

mod support;

use core::ffi::c_void;
use core::ptr::null_mut;
use naputil::testing::{fail_nth_allocation, injected_faults};
use naputil::types::base::{E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, HRESULT, S_OK};
use naputil::types::nap::{
    maxConnectionCountPerEnforcer, maxDwordCountPerSoHAttribute, maxStringLength, Connections, CountedString, FixupInfo,
};
use naputil::{
    AllocConnections, AllocCountedString, AllocFixupInfo, FreeConnections, FreeCountedString, FreeFixupInfo,
};
use naputil::{CoRegisterMallocSpy, CoRevokeMallocSpy};
use naputil::{CoTaskMemAlloc, CoTaskMemFree, CoTaskMemRealloc};
use std::sync::{Mutex, MutexGuard};
use support::{stats, CountingSpy};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` with the `k`-th allocation from now failing, then disarms.
fn with_fault<T>(k: u64, f: impl FnOnce() -> T) -> T {
    fail_nth_allocation(k);
    let result = f();
    fail_nth_allocation(0);
    result
}

/// Calls `call` with its 1st, 2nd, ... allocation failing until it succeeds.
/// Every failure must be E_OUTOFMEMORY with the out-pointer untouched and the
/// counters exactly as before. Returns the successful call's allocation count
/// and its out-pointer.
fn sweep<T>(name: &str, mut call: impl FnMut(*mut *mut T) -> HRESULT) -> (u64, *mut T) {
    let sentinel = 0x5a5a_5a50usize as *mut T;
    for k in 1.. {
        let before = stats();
        let mut out = sentinel;
        let hr = with_fault(k, || call(&mut out));
        if hr == S_OK {
            assert_ne!(out, sentinel, "{name}: success writes the out-pointer");
            assert!(injected_faults() > 0);
            return (k - 1, out);
        }
        let after = stats();
        assert_eq!(hr, E_OUTOFMEMORY, "{name}: allocation {k} failing");
        assert_eq!(out, sentinel, "{name}: allocation {k} failing leaves the out-pointer alone");
        assert_eq!(after.live_blocks, before.live_blocks, "{name}: allocation {k} failing leaks no block");
        assert_eq!(after.live_bytes, before.live_bytes, "{name}: allocation {k} failing leaks no byte");
        assert_eq!(after.misuse_total, before.misuse_total, "{name}: no misuse while unwinding");
    }
    unreachable!("the countdown runs out once k exceeds the allocations made")
}

#[test]
fn nap_alloc_functions_fail_cleanly_at_every_allocation_for_every_size() {
    let _serial = serial();
    let start = injected_faults();
    let base = stats().live_blocks;

    for n in 0..=maxConnectionCountPerEnforcer as u16 {
        // SAFETY: a valid out-pointer.
        let (made, out) = sweep::<Connections>("AllocConnections", |out| unsafe { AllocConnections(out, n) });
        assert_eq!(made, if n == 0 { 1 } else { 2 });
        // SAFETY: `out` is what the successful call made.
        unsafe {
            assert_eq!((*out).count, n);
            let array = (*out).connections;
            assert_eq!(array.is_null(), n == 0);
            assert!((0..n as usize).all(|i| (*array.add(i)).is_null()));
            FreeConnections(out);
        }
    }

    let counts = [0u16, 1, 2, 3, 16, 255, 256, 999, maxDwordCountPerSoHAttribute as u16];
    for n in counts {
        // SAFETY: a valid out-pointer.
        let (made, out) = sweep::<FixupInfo>("AllocFixupInfo", |out| unsafe { AllocFixupInfo(out, n) });
        assert_eq!(made, if n == 0 { 1 } else { 2 });
        // SAFETY: `out` is what the successful call made.
        unsafe {
            assert_eq!((*out).resultCodes.count, n);
            let results = (*out).resultCodes.results;
            assert!((0..n as usize).all(|i| *results.add(i) == 0));
            FreeFixupInfo(out);
        }
    }

    for len in [0usize, 1, 2, 63, 64, 1023, maxStringLength as usize] {
        let text: Vec<u16> = (0..len).map(|i| 0x41 + (i % 26) as u16).chain([0]).collect();
        let (made, out) =
            // SAFETY: a valid out-pointer and a NUL-terminated string.
            sweep::<CountedString>("AllocCountedString", |out| unsafe { AllocCountedString(out, text.as_ptr()) });
        assert_eq!(made, 2);
        // SAFETY: `out` is what the successful call made.
        unsafe {
            assert_eq!((*out).length as usize, len);
            assert_eq!(core::slice::from_raw_parts((*out).string, len + 1), &text[..]);
            FreeCountedString(out);
        }
    }

    assert_eq!(stats().live_blocks, base, "everything allocated was freed");
    println!("NAP Alloc* sweep: {} faults injected", injected_faults() - start);
}

#[test]
fn invalid_arguments_allocate_nothing() {
    let _serial = serial();
    let before = stats();
    let text: Vec<u16> = (0..=maxStringLength).map(|_| 0x61u16).chain([0]).collect();
    let mut c: *mut Connections = null_mut();
    let mut f: *mut FixupInfo = null_mut();
    let mut s: *mut CountedString = null_mut();
    // With the first allocation armed to fail, an E_INVALIDARG call must not
    // consume it: it allocates nothing at all.
    let fired = injected_faults();
    fail_nth_allocation(1);
    // SAFETY: arguments the functions must reject before touching memory.
    unsafe {
        assert_eq!(AllocConnections(null_mut(), 1), E_INVALIDARG);
        assert_eq!(AllocConnections(&mut c, maxConnectionCountPerEnforcer as u16 + 1), E_INVALIDARG);
        assert_eq!(AllocFixupInfo(null_mut(), 1), E_INVALIDARG);
        assert_eq!(AllocFixupInfo(&mut f, maxDwordCountPerSoHAttribute as u16 + 1), E_INVALIDARG);
        assert_eq!(AllocCountedString(null_mut(), text.as_ptr()), E_INVALIDARG);
        assert_eq!(AllocCountedString(&mut s, null_mut()), E_INVALIDARG);
        assert_eq!(AllocCountedString(&mut s, text.as_ptr()), E_INVALIDARG);
    }
    fail_nth_allocation(0);
    assert_eq!(injected_faults(), fired);
    assert!(c.is_null() && f.is_null() && s.is_null());
    assert_eq!(stats().total_allocs, before.total_allocs);
}

fn pattern(i: usize, seed: usize) -> u8 {
    (i.wrapping_mul(31).wrapping_add(seed)) as u8
}

/// A failed reallocation leaves the block as it was: same contents, same
/// size, still live and tracked, counters unchanged.
fn check_realloc_failure(name: &str, from: usize, to: usize, realloc: impl Fn(*mut c_void, usize) -> *mut c_void) {
    let p = CoTaskMemAlloc(from).cast::<u8>();
    assert!(!p.is_null());
    // SAFETY: `p` has `from` writable bytes.
    unsafe { (0..from).for_each(|i| *p.add(i) = pattern(i, from)) };
    let before = stats();
    let q = with_fault(1, || realloc(p.cast(), to));
    assert!(q.is_null(), "{name}({from} -> {to}) must fail");
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(after.live_bytes, before.live_bytes);
    assert_eq!(after.total_reallocs, before.total_reallocs);
    assert_eq!(after.misuse_total, before.misuse_total);
    assert_eq!(imalloc!(DidAlloc, p.cast()), 1, "{name}: the old block is still live");
    assert_eq!(imalloc!(GetSize, p.cast()), from, "{name}: the old block keeps its size");
    // SAFETY: the old block is still ours, `from` bytes long.
    unsafe { assert!((0..from).all(|i| *p.add(i) == pattern(i, from)), "{name}: contents intact") };
    // And it still works: a real reallocation now succeeds.
    let r = realloc(p.cast(), to).cast::<u8>();
    assert!(!r.is_null());
    // SAFETY: `r` holds at least min(from, to) preserved bytes.
    unsafe { assert!((0..from.min(to)).all(|i| *r.add(i) == pattern(i, from))) };
    CoTaskMemFree(r.cast());
}

#[test]
fn failed_realloc_keeps_the_old_block_intact_and_tracked() {
    let _serial = serial();
    let start = injected_faults();
    let base = stats().live_blocks;
    let sizes = [(1, 2), (0, 8), (16, 4096), (4096, 16), (100, 100), (1000, 1001), (1 << 20, 1 << 21), (1 << 21, 64)];
    for (from, to) in sizes {
        check_realloc_failure("CoTaskMemRealloc", from, to, |p, n| CoTaskMemRealloc(p, n));
        check_realloc_failure("IMalloc::Realloc", from, to, |p, n| imalloc!(Realloc, p, n));
    }
    // Allocation failures record nothing.
    let before = stats();
    assert!(with_fault(1, || CoTaskMemAlloc(64)).is_null());
    assert!(with_fault(1, || CoTaskMemRealloc(null_mut(), 64)).is_null());
    assert!(with_fault(1, || imalloc!(Alloc, 0)).is_null());
    let after = stats();
    assert_eq!(after.total_allocs, before.total_allocs);
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(stats().live_blocks, base);
    println!("realloc/alloc failures: {} faults injected", injected_faults() - start);
}

#[test]
fn overflowing_sizes_return_null() {
    let _serial = serial();
    let max = usize::MAX;
    let half = isize::MAX as usize;
    let sizes = [
        max,
        max - 1,
        max - 8,
        max - 15,
        max - 16,
        max - 17,
        max - 31,
        max / 2 + 1,
        half + 1,
        half,
        half - 15,
        half - 16,
        1 << 62,
        1 << 48,
    ];
    let before = stats();
    let keep = CoTaskMemAlloc(32).cast::<u8>();
    assert!(!keep.is_null());
    // SAFETY: 32 writable bytes.
    unsafe { core::ptr::write_bytes(keep, 0x77, 32) };
    for size in sizes {
        assert!(CoTaskMemAlloc(size).is_null(), "CoTaskMemAlloc({size:#x})");
        assert!(imalloc!(Alloc, size).is_null(), "IMalloc::Alloc({size:#x})");
        assert!(CoTaskMemRealloc(null_mut(), size).is_null(), "CoTaskMemRealloc(NULL, {size:#x})");
        assert!(CoTaskMemRealloc(keep.cast(), size).is_null(), "CoTaskMemRealloc(p, {size:#x})");
        assert!(imalloc!(Realloc, keep.cast(), size).is_null(), "IMalloc::Realloc(p, {size:#x})");
        assert_eq!(imalloc!(GetSize, keep.cast()), 32);
    }
    // SAFETY: still our 32-byte block.
    unsafe { assert!((0..32).all(|i| *keep.add(i) == 0x77)) };
    CoTaskMemFree(keep.cast());
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(after.total_allocs, before.total_allocs + 1);
    assert_eq!(after.total_reallocs, before.total_reallocs);
    assert_eq!(after.misuse_total, before.misuse_total);
}

#[test]
fn faults_under_a_spy_are_seen_by_the_post_methods_and_leak_no_reference() {
    let _serial = serial();
    let start = injected_faults();
    let spy = CountingSpy::new();
    // SAFETY: a live spy object.
    assert_eq!(unsafe { CoRegisterMallocSpy(spy.as_spy()) }, S_OK);

    // A real failure (not a forced one) still calls PostAlloc, with NULL.
    assert!(with_fault(1, || CoTaskMemAlloc(10)).is_null());
    assert_eq!(spy.pre_alloc.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(spy.post_alloc_null.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(with_fault(1, || CoTaskMemRealloc(null_mut(), 10)).is_null());
    assert_eq!(spy.post_realloc_null.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A spied block whose reallocation fails stays spied and live.
    let p = CoTaskMemAlloc(10);
    assert!(!p.is_null());
    assert!(with_fault(1, || CoTaskMemRealloc(p, 1 << 16)).is_null());
    assert_eq!(spy.post_realloc_null.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(imalloc!(GetSize, p), 10);
    // SAFETY: no arguments.
    assert_eq!(unsafe { CoRevokeMallocSpy() }, E_ACCESSDENIED);
    assert_eq!(spy.refs(), 2);
    CoTaskMemFree(p);
    assert_eq!(spy.refs(), 1, "the last spied block released the spy");

    // The failed allocations took no lasting reference: revoking is immediate.
    // SAFETY: a live spy object.
    assert_eq!(unsafe { CoRegisterMallocSpy(spy.as_spy()) }, S_OK);
    for k in 1..=3 {
        assert!(!with_fault(k, || {
            let a = CoTaskMemAlloc(8);
            let b = CoTaskMemAlloc(8);
            let c = CoTaskMemAlloc(8);
            let all = !a.is_null() && !b.is_null() && !c.is_null();
            [a, b, c].into_iter().for_each(|x| CoTaskMemFree(x));
            all
        }));
    }
    // SAFETY: no arguments.
    assert_eq!(unsafe { CoRevokeMallocSpy() }, S_OK);
    assert_eq!(spy.refs(), 1);
    println!("spy failures: {} faults injected", injected_faults() - start);
}
