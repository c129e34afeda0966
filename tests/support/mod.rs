//! Helpers shared by the reliability tests: counter snapshots, the task
//! `IMalloc`, and `CountingSpy`, an `IMallocSpy` written in Rust that counts
//! its calls, can make allocations fail, and can call the allocator itself.

#![allow(dead_code)]

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use naputil::naputil_get_stats;
use naputil::types::base::{BOOL, E_NOINTERFACE, HRESULT, IID_IMALLOCSPY_VALUE, MEMCTX_TASK, REFIID, S_OK, ULONG};
use naputil::types::com::{IMalloc, IMallocSpy, IMallocSpyVtbl};
use naputil::types::diag::NaputilStats;
use naputil::CoGetMalloc;

pub fn stats() -> NaputilStats {
    let mut s = NaputilStats::default();
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { naputil_get_stats(&mut s) }, S_OK);
    s
}

pub fn task_malloc() -> *mut IMalloc {
    let mut m: *mut IMalloc = core::ptr::null_mut();
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { CoGetMalloc(MEMCTX_TASK, &mut m) }, S_OK);
    m
}

/// Calls an `IMalloc` method on the task allocator.
#[macro_export]
macro_rules! imalloc {
    ($method:ident $(, $arg:expr)*) => {{
        let m = $crate::support::task_malloc();
        // SAFETY: the task allocator's vtable has every slot filled.
        let method = unsafe { (*(*m).lpVtbl).$method.unwrap() };
        // SAFETY: calling the task allocator's own method on it.
        #[allow(clippy::macro_metavars_in_unsafe)]
        unsafe { method(m $(, $arg)*) }
    }};
}

/// An `IMallocSpy` that counts its calls. Thread-safe: every field is atomic.
#[repr(C)]
pub struct CountingSpy {
    iface: IMallocSpy,
    pub refs: AtomicU32,
    pub pre_alloc: AtomicU64,
    pub post_alloc: AtomicU64,
    pub post_alloc_null: AtomicU64,
    pub pre_free: AtomicU64,
    pub post_free: AtomicU64,
    pub pre_free_spyed: AtomicU64,
    pub pre_realloc: AtomicU64,
    pub post_realloc: AtomicU64,
    pub post_realloc_null: AtomicU64,
    pub other_calls: AtomicU64,
    /// PreAlloc/PreRealloc answer 0 (forced failure).
    pub fail: AtomicBool,
    /// PreAlloc allocates and frees a scratch block through the allocator.
    pub reenter: AtomicBool,
    /// Keep an `OFFSET`-byte prefix in front of every spied block and hand
    /// out pointers past it, as a spy that stores data with blocks does.
    pub offset: AtomicBool,
}

// SAFETY: the vtable pointer is to an immutable static; the rest is atomic.
unsafe impl Sync for CountingSpy {}
// SAFETY: as above.
unsafe impl Send for CountingSpy {}

/// The prefix an offsetting `CountingSpy` keeps in front of spied blocks.
pub const OFFSET: usize = 16;

thread_local! {
    static IN_SPY: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

impl CountingSpy {
    pub fn new() -> Box<CountingSpy> {
        Box::new(CountingSpy {
            iface: IMallocSpy { lpVtbl: &VTBL },
            refs: AtomicU32::new(1),
            pre_alloc: AtomicU64::new(0),
            post_alloc: AtomicU64::new(0),
            post_alloc_null: AtomicU64::new(0),
            pre_free: AtomicU64::new(0),
            post_free: AtomicU64::new(0),
            pre_free_spyed: AtomicU64::new(0),
            pre_realloc: AtomicU64::new(0),
            post_realloc: AtomicU64::new(0),
            post_realloc_null: AtomicU64::new(0),
            other_calls: AtomicU64::new(0),
            fail: AtomicBool::new(false),
            reenter: AtomicBool::new(false),
            offset: AtomicBool::new(false),
        })
    }

    pub fn as_spy(&self) -> *mut IMallocSpy {
        &self.iface as *const IMallocSpy as *mut IMallocSpy
    }

    pub fn refs(&self) -> u32 {
        self.refs.load(Ordering::SeqCst)
    }
}

impl CountingSpy {
    fn prefix(&self) -> usize {
        if self.offset.load(Ordering::Relaxed) {
            OFFSET
        } else {
            0
        }
    }

    fn wrap(&self, actual: *mut c_void, spyed: bool) -> *mut c_void {
        if !spyed || self.prefix() == 0 {
            return actual;
        }
        // SAFETY: the block was allocated with room for the prefix.
        unsafe {
            actual.cast::<u64>().write(PREFIX_MAGIC);
            actual.cast::<u8>().add(OFFSET).cast()
        }
    }

    fn unwrap(&self, request: *mut c_void, spyed: BOOL) -> *mut c_void {
        if spyed == 0 || self.prefix() == 0 || request.is_null() {
            return request;
        }
        // SAFETY: a spied pointer this spy handed out sits OFFSET bytes
        // into its block, behind the magic it wrote.
        unsafe {
            let actual = request.cast::<u8>().sub(OFFSET);
            assert_eq!(actual.cast::<u64>().read(), PREFIX_MAGIC, "spied block prefix intact");
            actual.cast()
        }
    }
}

const PREFIX_MAGIC: u64 = 0x5350_5950_5245_4649;

fn this(spy: *mut IMallocSpy) -> &'static CountingSpy {
    // SAFETY: every spy handed to these methods is a CountingSpy (first
    // member `iface`), alive for as long as the test holds its Box.
    unsafe { &*spy.cast::<CountingSpy>() }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "system" fn query_interface(spy: *mut IMallocSpy, riid: REFIID, out: *mut *mut c_void) -> HRESULT {
    // SAFETY: COM's contract: valid IID and out-pointer.
    unsafe {
        if *riid == IID_IMALLOCSPY_VALUE {
            this(spy).refs.fetch_add(1, Ordering::SeqCst);
            *out = spy.cast();
            S_OK
        } else {
            *out = core::ptr::null_mut();
            E_NOINTERFACE
        }
    }
}
unsafe extern "system" fn add_ref(spy: *mut IMallocSpy) -> ULONG {
    this(spy).refs.fetch_add(1, Ordering::SeqCst) + 1
}
unsafe extern "system" fn release(spy: *mut IMallocSpy) -> ULONG {
    this(spy).refs.fetch_sub(1, Ordering::SeqCst) - 1
}
unsafe extern "system" fn pre_alloc(spy: *mut IMallocSpy, cb: usize) -> usize {
    let s = this(spy);
    bump(&s.pre_alloc);
    if s.reenter.load(Ordering::Relaxed) && !IN_SPY.with(|c| c.replace(true)) {
        let scratch = naputil::CoTaskMemAlloc(24);
        naputil::CoTaskMemFree(scratch);
        IN_SPY.with(|c| c.set(false));
    }
    if s.fail.load(Ordering::Relaxed) {
        0
    } else {
        cb + s.prefix()
    }
}
unsafe extern "system" fn post_alloc(spy: *mut IMallocSpy, actual: *mut c_void) -> *mut c_void {
    bump(&this(spy).post_alloc);
    if actual.is_null() {
        bump(&this(spy).post_alloc_null);
        return actual;
    }
    this(spy).wrap(actual, true)
}
unsafe extern "system" fn pre_free(spy: *mut IMallocSpy, request: *mut c_void, spyed: BOOL) -> *mut c_void {
    bump(&this(spy).pre_free);
    if spyed != 0 {
        bump(&this(spy).pre_free_spyed);
    }
    this(spy).unwrap(request, spyed)
}
unsafe extern "system" fn post_free(spy: *mut IMallocSpy, _spyed: BOOL) {
    bump(&this(spy).post_free);
}
unsafe extern "system" fn pre_realloc(
    spy: *mut IMallocSpy,
    request: *mut c_void,
    cb: usize,
    actual: *mut *mut c_void,
    spyed: BOOL,
) -> usize {
    let s = this(spy);
    bump(&s.pre_realloc);
    // SAFETY: the library passes a valid out-pointer.
    unsafe { *actual = s.unwrap(request, spyed) };
    if s.fail.load(Ordering::Relaxed) {
        0
    } else if spyed != 0 && cb != 0 {
        cb + s.prefix()
    } else {
        cb
    }
}
unsafe extern "system" fn post_realloc(spy: *mut IMallocSpy, actual: *mut c_void, spyed: BOOL) -> *mut c_void {
    bump(&this(spy).post_realloc);
    if actual.is_null() {
        bump(&this(spy).post_realloc_null);
        return actual;
    }
    this(spy).wrap(actual, spyed != 0)
}
unsafe extern "system" fn pre_get_size(spy: *mut IMallocSpy, request: *mut c_void, spyed: BOOL) -> *mut c_void {
    bump(&this(spy).other_calls);
    this(spy).unwrap(request, spyed)
}
unsafe extern "system" fn post_get_size(spy: *mut IMallocSpy, size: usize, spyed: BOOL) -> usize {
    bump(&this(spy).other_calls);
    if spyed != 0 && size != usize::MAX {
        size - this(spy).prefix()
    } else {
        size
    }
}
unsafe extern "system" fn pre_did_alloc(spy: *mut IMallocSpy, request: *mut c_void, spyed: BOOL) -> *mut c_void {
    bump(&this(spy).other_calls);
    this(spy).unwrap(request, spyed)
}
unsafe extern "system" fn post_did_alloc(
    spy: *mut IMallocSpy,
    _request: *mut c_void,
    _spyed: BOOL,
    actual: c_int,
) -> c_int {
    bump(&this(spy).other_calls);
    actual
}
unsafe extern "system" fn heap_minimize(spy: *mut IMallocSpy) {
    bump(&this(spy).other_calls);
}

static VTBL: IMallocSpyVtbl = IMallocSpyVtbl {
    QueryInterface: Some(query_interface),
    AddRef: Some(add_ref),
    Release: Some(release),
    PreAlloc: Some(pre_alloc),
    PostAlloc: Some(post_alloc),
    PreFree: Some(pre_free),
    PostFree: Some(post_free),
    PreRealloc: Some(pre_realloc),
    PostRealloc: Some(post_realloc),
    PreGetSize: Some(pre_get_size),
    PostGetSize: Some(post_get_size),
    PreDidAlloc: Some(pre_did_alloc),
    PostDidAlloc: Some(post_did_alloc),
    PreHeapMinimize: Some(heap_minimize),
    PostHeapMinimize: Some(heap_minimize),
};

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Runs `call` with its k-th allocation failing, for k = 1, 2, ..., until a
/// call succeeds; every failure must answer `E_OUTOFMEMORY` and leave no
/// block and no out-pointer behind. Returns the allocations the successful
/// call made and what it wrote to its out-pointer.
#[cfg(feature = "fault-injection")]
pub fn fail_each_allocation<T>(name: &str, mut call: impl FnMut(*mut *mut T) -> HRESULT) -> (u64, *mut T) {
    use naputil::naputil_live_blocks;
    use naputil::testing::fail_nth_allocation;
    use naputil::types::base::E_OUTOFMEMORY;
    let sentinel = 0x5a5a_5a50 as *mut T;
    for k in 1.. {
        let before = naputil_live_blocks();
        let mut out = sentinel;
        fail_nth_allocation(k);
        let hr = call(&mut out);
        fail_nth_allocation(0);
        if hr == S_OK {
            assert_ne!(out, sentinel, "{name}: success must write the out-pointer");
            return (k - 1, out);
        }
        assert_eq!(hr, E_OUTOFMEMORY, "{name}: allocation {k} failing");
        assert_eq!(out, sentinel, "{name}: allocation {k} failing must not write the out-pointer");
        assert_eq!(naputil_live_blocks(), before, "{name}: allocation {k} failing must not leak");
    }
    unreachable!("the countdown runs out once k exceeds the allocations made")
}
