//! The task allocator and its diagnostics, driven through the exported C API.
//!
//! Tests in this file share the process-wide counters, so each takes
//! `SERIAL` to keep the counter deltas it checks its own.

use core::ffi::c_void;
use naputil::types::base::*;
use naputil::types::com::IMalloc;
use naputil::types::diag::*;
use naputil::*;
use naputil::{CoGetMalloc, IID_IMalloc, IID_IUnknown};
use naputil::{CoTaskMemAlloc, CoTaskMemFree, CoTaskMemRealloc};
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn stats() -> NaputilStats {
    let mut s = NaputilStats::default();
    assert_eq!(unsafe { naputil_get_stats(&mut s) }, S_OK);
    s
}

fn malloc_object() -> *mut IMalloc {
    let mut m: *mut IMalloc = core::ptr::null_mut();
    assert_eq!(unsafe { CoGetMalloc(MEMCTX_TASK, &mut m) }, S_OK);
    assert!(!m.is_null());
    m
}

macro_rules! call {
    ($obj:expr, $method:ident $(, $arg:expr)*) => {
        unsafe { ((*(*$obj).lpVtbl).$method.unwrap())($obj $(, $arg)*) }
    };
}

/// Records misuse incidents delivered to the handler.
static SEEN: Mutex<Vec<(u32, String, usize, usize)>> = Mutex::new(Vec::new());

unsafe extern "C" fn record(m: *const NaputilMisuse, _ctx: *mut c_void) {
    let m = unsafe { &*m };
    let function = unsafe { core::ffi::CStr::from_ptr(m.function) }.to_string_lossy().into_owned();
    SEEN.lock().unwrap().push((m.kind, function, m.pointer as usize, m.block as usize));
}

fn with_recorder<R>(f: impl FnOnce() -> R) -> (R, Vec<(u32, String, usize, usize)>) {
    SEEN.lock().unwrap().clear();
    naputil_set_misuse_handler(Some(record), core::ptr::null_mut());
    let r = f();
    naputil_set_misuse_handler(None, core::ptr::null_mut());
    (r, std::mem::take(&mut *SEEN.lock().unwrap()))
}

#[test]
fn alloc_free_counts_and_alignment() {
    let _g = serial();
    let before = stats();
    let blocks: Vec<*mut c_void> = (0..100).map(|i| CoTaskMemAlloc(i * 7)).collect();
    for &b in &blocks {
        assert!(!b.is_null());
        assert_eq!(b as usize % 16, 0, "aligned like malloc");
    }
    let mut unique = blocks.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), blocks.len(), "zero-byte and other blocks are unique");
    let mid = stats();
    assert_eq!(mid.live_blocks - before.live_blocks, 100);
    assert_eq!(mid.live_bytes - before.live_bytes, (0..100u64).map(|i| i * 7).sum::<u64>());
    assert!(mid.peak_bytes >= mid.live_bytes);
    for b in blocks {
        CoTaskMemFree(b);
    }
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(after.total_frees - before.total_frees, 100);
    assert_eq!(after.misuse_total, before.misuse_total);
}

#[test]
fn realloc_contract() {
    let _g = serial();
    let before = stats();
    let p = CoTaskMemRealloc(core::ptr::null_mut(), 0);
    assert!(!p.is_null(), "Realloc(NULL, 0) allocates");
    let p = CoTaskMemRealloc(p, 10) as *mut u8;
    assert!(!p.is_null());
    for i in 0..10 {
        unsafe { *p.add(i) = i as u8 };
    }
    let q = CoTaskMemRealloc(p.cast(), 1 << 20) as *mut u8;
    assert!(!q.is_null());
    assert!((0..10).all(|i| unsafe { *q.add(i) } == i as u8), "contents kept when growing");
    let r = CoTaskMemRealloc(q.cast(), 3) as *mut u8;
    assert!((0..3).all(|i| unsafe { *r.add(i) } == i as u8), "contents kept when shrinking");
    for huge in [usize::MAX, usize::MAX - 8, usize::MAX - 16] {
        assert!(CoTaskMemRealloc(r.cast(), huge).is_null());
        assert!((0..3).all(|i| unsafe { *r.add(i) } == i as u8), "failed realloc keeps the block");
        assert!(CoTaskMemAlloc(huge).is_null());
    }
    let m = malloc_object();
    assert_eq!(call!(m, GetSize, r.cast()), 3);
    assert!(CoTaskMemRealloc(r.cast(), 0).is_null(), "Realloc(p, 0) frees");
    assert_eq!(call!(m, DidAlloc, r.cast()), 0);
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(after.live_bytes, before.live_bytes);
    assert_eq!(after.misuse_total, before.misuse_total);
}

#[test]
fn imalloc_methods() {
    let _g = serial();
    let m = malloc_object();
    assert_eq!(call!(m, AddRef), call!(m, Release));
    let mut out: *mut c_void = core::ptr::null_mut();
    assert_eq!(call!(m, QueryInterface, &IID_IUnknown, &mut out), S_OK);
    assert_eq!(out, m.cast());
    assert_eq!(call!(m, QueryInterface, &IID_IMalloc, &mut out), S_OK);
    let other = GUID { Data1: 0x1234, ..GUID::default() };
    assert_eq!(call!(m, QueryInterface, &other, &mut out), E_NOINTERFACE);
    assert!(out.is_null());

    let p = call!(m, Alloc, 16);
    assert_eq!(call!(m, GetSize, p), 16, "requested size, not usable size");
    assert_eq!(call!(m, DidAlloc, p), 1);
    assert_eq!(call!(m, DidAlloc, p.cast::<u8>().wrapping_add(1).cast()), 0, "interior");
    assert_eq!(call!(m, DidAlloc, core::ptr::null_mut()), -1);
    let local = 0u64;
    assert_eq!(call!(m, DidAlloc, &local as *const u64 as *mut c_void), 0);
    assert_eq!(call!(m, GetSize, &local as *const u64 as *mut c_void), usize::MAX);
    let q = call!(m, Realloc, p, 64);
    assert_eq!(call!(m, GetSize, q), 64);
    CoTaskMemFree(q);
    assert_eq!(call!(m, DidAlloc, q), 0);
    call!(m, HeapMinimize);
}

#[test]
fn co_get_malloc_rejects_other_contexts() {
    for ctx in [0u32, 2, 3, u32::MAX, u32::MAX - 1] {
        let mut m: *mut IMalloc = 0x10 as *mut IMalloc;
        assert_eq!(unsafe { CoGetMalloc(ctx, &mut m) }, E_INVALIDARG, "context {ctx}");
        assert!(m.is_null());
    }
    assert_eq!(unsafe { CoGetMalloc(MEMCTX_TASK, core::ptr::null_mut()) }, E_INVALIDARG);
}

#[test]
fn misuse_is_contained_classified_and_reported() {
    let _g = serial();
    static GLOBAL: [u8; 64] = [0; 64];
    let before = stats();
    let ((), seen) = with_recorder(|| {
        let p = CoTaskMemAlloc(100);
        CoTaskMemFree(p);
        CoTaskMemFree(p);
        let q = CoTaskMemAlloc(100) as *mut u8;
        CoTaskMemFree(q.wrapping_add(32).cast());
        let local = [0u8; 32];
        CoTaskMemFree(local.as_ptr() as *mut c_void);
        CoTaskMemFree(GLOBAL.as_ptr() as *mut c_void);
        // Earlier tests in this process may have left a freed block at the
        // very address malloc hands back now, and a freed address is
        // reported as stale (DOUBLE_FREE). Block starts are 16-aligned, so
        // 8 bytes into a malloc block was never one: always FOREIGN.
        let foreign = unsafe { libc::malloc(48) };
        assert!(!foreign.is_null());
        assert!(CoTaskMemRealloc(foreign.cast::<u8>().wrapping_add(8).cast(), 96).is_null());
        unsafe { libc::free(foreign) };
        CoTaskMemFree(q.cast());
    });
    let kinds: Vec<u32> = seen.iter().map(|s| s.0).collect();
    assert_eq!(
        kinds,
        [
            NAPUTIL_MISUSE_DOUBLE_FREE,
            NAPUTIL_MISUSE_INTERIOR,
            NAPUTIL_MISUSE_STACK,
            NAPUTIL_MISUSE_STATIC,
            NAPUTIL_MISUSE_FOREIGN
        ]
    );
    assert_eq!(seen[0].1, "CoTaskMemFree");
    assert_eq!(seen[4].1, "CoTaskMemRealloc");
    assert_eq!(seen[1].3 + 32, seen[1].2, "interior report names the containing block");
    let after = stats();
    assert_eq!(after.misuse_total - before.misuse_total, 5);
    assert_eq!(after.misuse_double_free - before.misuse_double_free, 1);
    assert_eq!(after.misuse_interior - before.misuse_interior, 1);
    assert_eq!(after.misuse_stack - before.misuse_stack, 1);
    assert_eq!(after.misuse_static - before.misuse_static, 1);
    assert_eq!(after.misuse_foreign - before.misuse_foreign, 1);
    assert_eq!(after.live_blocks, before.live_blocks);
}

#[test]
fn misuse_policy_values() {
    let _g = serial();
    let old = naputil_get_misuse_policy();
    assert_eq!(naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT), S_OK);
    assert_eq!(naputil_get_misuse_policy(), NAPUTIL_MISUSE_SILENT);
    assert_eq!(naputil_set_misuse_policy(3), E_INVALIDARG);
    assert_eq!(naputil_set_misuse_policy(u32::MAX), E_INVALIDARG);
    assert_eq!(naputil_get_misuse_policy(), NAPUTIL_MISUSE_SILENT);
    assert_eq!(naputil_set_misuse_policy(old), S_OK);
    let text = unsafe { core::ffi::CStr::from_ptr(naputil_misuse_description(12345)) };
    assert_eq!(text.to_str().unwrap(), "unknown misuse");
    assert_eq!(unsafe { naputil_get_stats(core::ptr::null_mut()) }, E_POINTER);
}

unsafe extern "C" fn collect(block: *mut c_void, size: usize, ctx: *mut c_void) {
    unsafe { (*(ctx as *mut Vec<(usize, usize)>)).push((block as usize, size)) };
}

#[test]
fn checkpoint_finds_exactly_new_live_blocks() {
    let _g = serial();
    let old = CoTaskMemAlloc(8);
    let cp = naputil_checkpoint();
    let a = CoTaskMemAlloc(24);
    let b = CoTaskMemAlloc(40);
    CoTaskMemFree(a);
    let mut found: Vec<(usize, usize)> = Vec::new();
    let n = unsafe { naputil_leaks_since(cp, Some(collect), &mut found as *mut _ as *mut c_void) };
    assert_eq!(n, 1);
    assert_eq!(found, [(b as usize, 40)]);
    CoTaskMemFree(b);
    assert_eq!(unsafe { naputil_leaks_since(cp, None, core::ptr::null_mut()) }, 0);
    assert!(unsafe { naputil_leaks_since(0, None, core::ptr::null_mut()) } >= 1, "the older block is still live");
    CoTaskMemFree(old);
}

#[test]
fn cross_thread_frees_keep_exact_counts() {
    let _g = serial();
    let before = stats();
    let (tx, rx) = std::sync::mpsc::channel::<usize>();
    let producer = std::thread::spawn(move || {
        for i in 0..20_000usize {
            tx.send(CoTaskMemAlloc(8 + i % 500) as usize).unwrap();
        }
    });
    let consumer = std::thread::spawn(move || {
        for p in rx {
            CoTaskMemFree(p as *mut c_void);
        }
    });
    producer.join().unwrap();
    consumer.join().unwrap();
    let after = stats();
    assert_eq!(after.live_blocks, before.live_blocks);
    assert_eq!(after.live_bytes, before.live_bytes);
    assert_eq!(after.total_allocs - before.total_allocs, 20_000);
    assert_eq!(after.misuse_total, before.misuse_total);
}

#[test]
fn a_freed_start_inside_a_newer_block_is_an_interior_pointer() {
    let _g = serial();
    // Small blocks, freed; then large blocks until one covers where a small
    // one started (the table still remembers that start as freed).
    let small: Vec<usize> = (0..64).map(|_| CoTaskMemAlloc(40) as usize).collect();
    for &p in &small {
        CoTaskMemFree(p as *mut c_void);
    }
    let mut big = Vec::new();
    let mut covered = None;
    for _ in 0..64 {
        let b = CoTaskMemAlloc(4000) as usize;
        big.push(b);
        if let Some(&s) = small.iter().find(|&&s| s > b && s < b + 4000) {
            covered = Some((s, b));
            break;
        }
    }
    let Some((inside, block)) = covered else {
        for b in big {
            CoTaskMemFree(b as *mut c_void);
        }
        eprintln!("libc placed no large block over a freed small one; nothing to check");
        return;
    };
    let before = stats();
    let ((), reports) = with_recorder(|| CoTaskMemFree(inside as *mut c_void));
    let after = stats();
    assert_eq!(after.misuse_interior - before.misuse_interior, 1, "reported as interior: {reports:?}");
    assert_eq!(after.misuse_double_free, before.misuse_double_free, "not as a double free");
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].0, reports[0].3), (NAPUTIL_MISUSE_INTERIOR, block), "the block it lies in");
    assert_eq!(after.live_blocks, before.live_blocks, "nothing freed");
    for b in big {
        CoTaskMemFree(b as *mut c_void);
    }
}
