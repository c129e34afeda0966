//! A model-based checker for the allocator, shared by the `cargo fuzz`
//! target (`fuzz/fuzz_targets/allocator.rs`) and the deterministic
//! randomized test (`tests/model.rs`).
//!
//! [`run`] reads a byte string as a sequence of operations — allocations,
//! reallocations and frees through `CoTaskMem*` and `IMalloc`, frees and
//! reallocations of stale, interior, foreign, stack and static pointers,
//! `GetSize`/`DidAlloc` questions, the NAP `Alloc*`/`Free*` functions, a
//! counting `IMallocSpy` being registered and revoked, and (with the
//! `fault-injection` feature) failing allocations — and performs them while
//! keeping a model of what must be live. After every operation every counter
//! of `naputil_get_stats` must equal the model's, and every answer and every
//! block's contents must be what the model says. Any difference panics.
//!
//! The process must run nothing else on the allocator while `run` runs.

#![allow(dead_code)]

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use naputil::types::base::{
    BOOL, CO_E_OBJISREG, CO_E_OBJNOTREG, E_ACCESSDENIED, E_NOINTERFACE, E_OUTOFMEMORY, HRESULT, IID_IMALLOCSPY_VALUE,
    MEMCTX_TASK, REFIID, S_OK, ULONG,
};
use naputil::types::com::{IMalloc, IMallocSpy, IMallocSpyVtbl};
use naputil::types::diag::{NaputilStats, NAPUTIL_MISUSE_SILENT};
use naputil::types::nap::{Connections, CountedString, FixupInfo};
use naputil::CoGetMalloc;
use naputil::{naputil_get_stats, naputil_set_misuse_policy};
use naputil::{
    AllocConnections, AllocCountedString, AllocFixupInfo, FreeConnections, FreeCountedString, FreeFixupInfo,
};
use naputil::{CoRegisterMallocSpy, CoRevokeMallocSpy};
use naputil::{CoTaskMemAlloc, CoTaskMemFree, CoTaskMemRealloc};

/// At most this many model blocks live at once, so inputs cannot exhaust memory.
const MAX_LIVE: usize = 256;

/// Reads the input a byte at a time; past the end it reads zeros.
struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Input<'_> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    fn index(&mut self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            (usize::from(self.byte()) << 8 | usize::from(self.byte())) % len
        }
    }
    /// Mostly small sizes, sometimes page-sized, rarely large.
    fn size(&mut self) -> usize {
        let class = self.byte();
        let raw = usize::from(self.byte()) << 8 | usize::from(self.byte());
        match class % 16 {
            0..=9 => raw % 65,
            10..=13 => raw % 4097,
            14 => raw * 4,
            _ => (raw % 16 + 1) << 16,
        }
    }
}

// ---------------------------------------------------------------------------
// A counting spy that changes nothing
// ---------------------------------------------------------------------------

#[repr(C)]
struct ModelSpy {
    iface: IMallocSpy,
    refs: AtomicU32,
    pre_alloc: AtomicU64,
    spyed_frees: AtomicU64,
}

// SAFETY: the vtable pointer is to an immutable static; the rest is atomic.
unsafe impl Sync for ModelSpy {}

static SPY: ModelSpy = ModelSpy {
    iface: IMallocSpy { lpVtbl: &SPY_VTBL },
    refs: AtomicU32::new(1),
    pre_alloc: AtomicU64::new(0),
    spyed_frees: AtomicU64::new(0),
};

fn spy_ptr() -> *mut IMallocSpy {
    &SPY.iface as *const IMallocSpy as *mut IMallocSpy
}

unsafe extern "system" fn spy_qi(this: *mut IMallocSpy, riid: REFIID, out: *mut *mut c_void) -> HRESULT {
    // SAFETY: COM's contract: a valid IID and out-pointer.
    unsafe {
        if *riid != IID_IMALLOCSPY_VALUE {
            *out = null_mut();
            return E_NOINTERFACE;
        }
        SPY.refs.fetch_add(1, Ordering::SeqCst);
        *out = this.cast();
    }
    S_OK
}
unsafe extern "system" fn spy_add_ref(_: *mut IMallocSpy) -> ULONG {
    SPY.refs.fetch_add(1, Ordering::SeqCst) + 1
}
unsafe extern "system" fn spy_release(_: *mut IMallocSpy) -> ULONG {
    SPY.refs.fetch_sub(1, Ordering::SeqCst) - 1
}
unsafe extern "system" fn spy_pre_alloc(_: *mut IMallocSpy, cb: usize) -> usize {
    SPY.pre_alloc.fetch_add(1, Ordering::SeqCst);
    cb
}
unsafe extern "system" fn spy_pre_free(_: *mut IMallocSpy, p: *mut c_void, spyed: BOOL) -> *mut c_void {
    if spyed != 0 {
        SPY.spyed_frees.fetch_add(1, Ordering::SeqCst);
    }
    p
}

static SPY_VTBL: IMallocSpyVtbl = IMallocSpyVtbl {
    QueryInterface: Some(spy_qi),
    AddRef: Some(spy_add_ref),
    Release: Some(spy_release),
    PreAlloc: Some(spy_pre_alloc),
    PostAlloc: None,
    PreFree: Some(spy_pre_free),
    PostFree: None,
    PreRealloc: None,
    PostRealloc: None,
    PreGetSize: None,
    PostGetSize: None,
    PreDidAlloc: None,
    PostDidAlloc: None,
    PreHeapMinimize: None,
    PostHeapMinimize: None,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SpyState {
    None,
    Registered,
    Pending,
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

struct Block {
    ptr: *mut u8,
    size: usize,
    seed: u8,
    spied: bool,
}

enum Nap {
    Connections(*mut Connections, u16),
    String(*mut CountedString, usize),
    Fixup(*mut FixupInfo, u16),
}

#[derive(Default, Clone, Copy)]
struct Expected {
    live_blocks: u64,
    live_bytes: u64,
    allocs: u64,
    frees: u64,
    reallocs: u64,
    bytes_requested: u64,
    misuse: u64,
    misuse_interior: u64,
    misuse_stack: u64,
    misuse_static: u64,
}

struct Model {
    base: NaputilStats,
    blocks: Vec<Block>,
    /// NAP objects, each with whether its blocks are spied.
    naps: Vec<(Nap, bool)>,
    stale: Vec<usize>,
    expect: Expected,
    spy: SpyState,
    spied_live: usize,
    spy_pre_alloc: u64,
    spy_spyed_frees: u64,
    fault: u64,
    next_seed: u8,
    malloc: *mut IMalloc,
}

static STATIC_WORD: u64 = 0x5a5a;

fn stats() -> NaputilStats {
    let mut s = NaputilStats::default();
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { naputil_get_stats(&mut s) }, S_OK);
    s
}

fn fill(p: *mut u8, size: usize, seed: u8) {
    // SAFETY: `p` is a live block of at least `size` bytes.
    unsafe { (0..size).for_each(|i| *p.add(i) = seed.wrapping_add(i as u8).wrapping_mul(13)) };
}

fn holds(p: *const u8, size: usize, seed: u8) -> bool {
    // SAFETY: `p` is a live block of at least `size` bytes.
    unsafe { (0..size).all(|i| *p.add(i) == seed.wrapping_add(i as u8).wrapping_mul(13)) }
}

impl Model {
    fn new() -> Model {
        let mut malloc: *mut IMalloc = null_mut();
        // SAFETY: a valid out-pointer.
        assert_eq!(unsafe { CoGetMalloc(MEMCTX_TASK, &mut malloc) }, S_OK);
        assert_eq!(SPY.refs.load(Ordering::SeqCst), 1, "the model spy starts unregistered");
        Model {
            base: stats(),
            blocks: Vec::new(),
            naps: Vec::new(),
            stale: Vec::new(),
            expect: Expected::default(),
            spy: SpyState::None,
            spied_live: 0,
            spy_pre_alloc: SPY.pre_alloc.load(Ordering::SeqCst),
            spy_spyed_frees: SPY.spyed_frees.load(Ordering::SeqCst),
            fault: 0,
            next_seed: 1,
            malloc,
        }
    }

    fn check(&self, what: &str) {
        let s = stats();
        let b = &self.base;
        let e = &self.expect;
        let d = |now: u64, then: u64| now.wrapping_sub(then);
        assert_eq!(d(s.live_blocks, b.live_blocks), e.live_blocks, "live_blocks after {what}");
        assert_eq!(d(s.live_bytes, b.live_bytes), e.live_bytes, "live_bytes after {what}");
        assert_eq!(d(s.total_allocs, b.total_allocs), e.allocs, "total_allocs after {what}");
        assert_eq!(d(s.total_frees, b.total_frees), e.frees, "total_frees after {what}");
        assert_eq!(d(s.total_reallocs, b.total_reallocs), e.reallocs, "total_reallocs after {what}");
        assert_eq!(
            d(s.total_bytes_requested, b.total_bytes_requested),
            e.bytes_requested,
            "total_bytes_requested after {what}"
        );
        assert_eq!(d(s.misuse_total, b.misuse_total), e.misuse, "misuse_total after {what}");
        assert_eq!(d(s.misuse_interior, b.misuse_interior), e.misuse_interior, "misuse_interior after {what}");
        #[allow(unexpected_cfgs)]
        if !cfg!(fuzzing) {
            assert_eq!(d(s.misuse_stack, b.misuse_stack), e.misuse_stack, "misuse_stack after {what}");
        }
        assert_eq!(d(s.misuse_static, b.misuse_static), e.misuse_static, "misuse_static after {what}");
        assert!(s.peak_bytes >= s.live_bytes, "peak_bytes >= live_bytes after {what}");
        let refs = 1 + u32::from(self.spy != SpyState::None);
        assert_eq!(SPY.refs.load(Ordering::SeqCst), refs, "spy references after {what}");
        assert_eq!(SPY.pre_alloc.load(Ordering::SeqCst), self.spy_pre_alloc, "PreAlloc calls after {what}");
        assert_eq!(SPY.spyed_frees.load(Ordering::SeqCst), self.spy_spyed_frees, "spied PreFree calls after {what}");
    }

    fn imalloc(&self) -> &naputil::types::com::IMallocVtbl {
        // SAFETY: the task allocator is immortal and its vtable static.
        unsafe { &*(*self.malloc).lpVtbl }
    }

    fn get_size(&self, p: *mut c_void) -> usize {
        // SAFETY: the task allocator accepts any pointer.
        unsafe { self.imalloc().GetSize.unwrap()(self.malloc, p) }
    }

    fn did_alloc(&self, p: *mut c_void) -> c_int {
        // SAFETY: the task allocator accepts any pointer.
        unsafe { self.imalloc().DidAlloc.unwrap()(self.malloc, p) }
    }

    fn is_model_block(&self, addr: usize) -> bool {
        self.blocks.iter().any(|b| b.ptr as usize == addr) || self.nap_blocks().any(|a| a == addr)
    }

    /// Start addresses of every block the NAP objects own.
    fn nap_blocks(&self) -> impl Iterator<Item = usize> + '_ {
        self.naps.iter().flat_map(|(n, _)| {
            // SAFETY: every NAP object in the model is live.
            let (top, inner) = unsafe {
                match *n {
                    Nap::Connections(c, _) => (c as usize, (*c).connections as usize),
                    Nap::String(s, _) => (s as usize, (*s).string as usize),
                    Nap::Fixup(f, _) => (f as usize, (*f).resultCodes.results as usize),
                }
            };
            [top, inner].into_iter().filter(|&a| a != 0)
        })
    }

    /// Takes the armed fault, if any: true when this operation must fail.
    fn take_fault(&mut self) -> bool {
        core::mem::replace(&mut self.fault, 0) != 0
    }

    fn arm(&self, k: u64) {
        #[cfg(feature = "fault-injection")]
        naputil::testing::fail_nth_allocation(k);
        #[cfg(not(feature = "fault-injection"))]
        let _ = k;
    }

    fn record_alloc(&mut self, ptr: *mut u8, size: usize, spied: bool) {
        let seed = self.next_seed;
        self.next_seed = self.next_seed.wrapping_add(1);
        fill(ptr, size, seed);
        self.blocks.push(Block { ptr, size, seed, spied });
        self.stale.retain(|&s| s != ptr as usize);
        self.expect.live_blocks += 1;
        self.expect.live_bytes += size as u64;
        self.expect.allocs += 1;
        self.expect.bytes_requested += size as u64;
        if spied {
            self.spied_live += 1;
        }
    }

    /// The model's side of a block going away (freed by the library).
    fn record_free(&mut self, index: usize, through_spy: bool) -> Block {
        let block = self.blocks.swap_remove(index);
        self.expect.live_blocks -= 1;
        self.expect.live_bytes -= block.size as u64;
        self.expect.frees += 1;
        if self.stale.len() < 64 {
            self.stale.push(block.ptr as usize);
        }
        if block.spied {
            if through_spy {
                self.spy_spyed_frees += 1;
            }
            self.spied_block_gone();
        }
        block
    }

    fn spied_block_gone(&mut self) {
        self.spied_live -= 1;
        if self.spied_live == 0 && self.spy == SpyState::Pending {
            self.spy = SpyState::None;
        }
    }

    fn spy_sees_allocs(&self) -> bool {
        self.spy == SpyState::Registered
    }

    fn spy_sees_block(&self, spied: bool) -> bool {
        self.spy == SpyState::Registered || (self.spy == SpyState::Pending && spied)
    }

    // -- operations --------------------------------------------------------

    fn alloc(&mut self, size: usize, via_imalloc: bool) {
        if self.blocks.len() >= MAX_LIVE {
            return;
        }
        let fail = self.take_fault();
        self.arm(u64::from(fail));
        let p = if via_imalloc {
            // SAFETY: the task allocator's Alloc.
            unsafe { self.imalloc().Alloc.unwrap()(self.malloc, size) }
        } else {
            CoTaskMemAlloc(size)
        };
        self.arm(0);
        if self.spy_sees_allocs() {
            self.spy_pre_alloc += 1;
        }
        if fail {
            assert!(p.is_null(), "an allocation whose malloc fails returns NULL");
            return;
        }
        assert!(!p.is_null(), "CoTaskMemAlloc({size})");
        assert_eq!(p as usize % 16, 0, "blocks are 16-byte aligned");
        assert!(!self.is_model_block(p as usize), "a new block is not a live one");
        let spied = self.spy_sees_allocs();
        self.record_alloc(p.cast(), size, spied);
    }

    fn realloc(&mut self, index: usize, size: usize, via_imalloc: bool) {
        let Some(block) = self.blocks.get(index) else { return };
        let (old, old_size, seed, spied) = (block.ptr, block.size, block.seed, block.spied);
        let fail = size != 0 && self.take_fault();
        self.arm(u64::from(fail));
        let q = if via_imalloc {
            // SAFETY: the task allocator's Realloc on a live block.
            unsafe { self.imalloc().Realloc.unwrap()(self.malloc, old.cast(), size) }
        } else {
            CoTaskMemRealloc(old.cast(), size)
        };
        self.arm(0);
        let _ = spied;
        if size == 0 {
            assert!(q.is_null(), "Realloc(p, 0) returns NULL");
            // The spy sees PreRealloc here, not PreFree.
            self.record_free(index, false);
            return;
        }
        if fail {
            assert!(q.is_null(), "a reallocation whose realloc fails returns NULL");
            assert!(holds(old, old_size, seed), "a failed reallocation keeps the contents");
            assert_eq!(self.get_size(old.cast()), old_size, "a failed reallocation keeps the block");
            return;
        }
        assert!(!q.is_null(), "Realloc({old_size} -> {size})");
        assert!(holds(q.cast(), old_size.min(size), seed), "Realloc preserves min(old, new) bytes");
        if q.cast::<u8>() != old && self.stale.len() < 64 {
            self.stale.push(old as usize);
        }
        self.stale.retain(|&s| s != q as usize);
        let block = &mut self.blocks[index];
        block.ptr = q.cast();
        block.size = size;
        fill(block.ptr, size, seed);
        self.expect.live_bytes = self.expect.live_bytes - old_size as u64 + size as u64;
        self.expect.reallocs += 1;
        self.expect.bytes_requested += size as u64;
    }

    fn realloc_null(&mut self, size: usize) {
        if self.blocks.len() >= MAX_LIVE {
            return;
        }
        let fail = self.take_fault();
        self.arm(u64::from(fail));
        let p = CoTaskMemRealloc(null_mut(), size);
        self.arm(0);
        if fail {
            assert!(p.is_null());
            return;
        }
        assert!(!p.is_null(), "CoTaskMemRealloc(NULL, {size}) allocates");
        let spied = self.spy_sees_allocs();
        self.record_alloc(p.cast(), size, spied);
    }

    fn free(&mut self, index: usize, via_imalloc: bool) {
        let Some(block) = self.blocks.get(index) else { return };
        let (p, size, seed, spied) = (block.ptr, block.size, block.seed, block.spied);
        assert!(holds(p, size, seed), "a live block keeps its contents until freed");
        if via_imalloc {
            // SAFETY: the task allocator's Free on a live block.
            unsafe { self.imalloc().Free.unwrap()(self.malloc, p.cast()) };
        } else {
            CoTaskMemFree(p.cast());
        }
        let through_spy = self.spy_sees_block(spied);
        self.record_free(index, through_spy);
    }

    /// A freed address that no live block now starts at, nor lies in or
    /// next to (an address inside a live block is an interior pointer,
    /// whether or not a block once started there).
    fn stale_pointer(&self, pick: usize) -> Option<*mut c_void> {
        let addr = *self.stale.get(pick % self.stale.len().max(1))?;
        (!self.is_model_block(addr) && !self.near_a_live_block(addr)).then_some(addr as *mut c_void)
    }

    /// Whether `addr` lies within 64 bytes of a live block (a spy's prefix
    /// included) or inside one.
    fn near_a_live_block(&self, addr: usize) -> bool {
        let near = |start: usize, size: usize| addr + 64 >= start && addr <= start.saturating_add(size) + 64;
        self.blocks.iter().any(|b| near(b.ptr as usize, b.size))
            || self.nap_blocks().filter(|&s| s != 0).any(|s| near(s, self.get_size(s as *mut c_void)))
    }

    fn misuse(&mut self, target: u8, pick: usize, realloc: bool) {
        let mut heap_word = Box::new(0u64);
        let mut stack_word = 0u64;
        let (p, kind): (*mut c_void, u8) = match target % 5 {
            0 => match self.stale_pointer(pick) {
                Some(p) => (p, 0),
                None => return,
            },
            1 => {
                let Some(b) = self.blocks.get(pick % self.blocks.len().max(1)) else { return };
                if b.size < 2 {
                    return;
                }
                // Aligned or not: an address inside a live block is an
                // interior pointer even where a freed block once started.
                let offset = 1 + pick % (b.size - 1);
                // SAFETY: an offset inside the block.
                (unsafe { b.ptr.add(offset) }.cast(), 1)
            }
            2 => (&mut *heap_word as *mut u64 as *mut c_void, 0),
            3 => (&mut stack_word as *mut u64 as *mut c_void, 3),
            _ => (&STATIC_WORD as *const u64 as *mut c_void, 4),
        };
        if realloc {
            assert!(CoTaskMemRealloc(p, 32).is_null(), "Realloc of a pointer not live returns NULL");
        } else {
            CoTaskMemFree(p);
        }
        self.expect.misuse += 1;
        match kind {
            1 => self.expect.misuse_interior += 1,
            // Under the fuzzer's AddressSanitizer a local may live on a
            // heap-allocated fake stack, so it is not reported as a stack
            // address there.
            #[allow(unexpected_cfgs)]
            3 if !cfg!(fuzzing) => self.expect.misuse_stack += 1,
            4 => self.expect.misuse_static += 1,
            _ => {}
        }
        assert_eq!(self.get_size(p), usize::MAX, "GetSize of a pointer that is not live");
        assert_eq!(self.did_alloc(p), 0, "DidAlloc of a pointer that is not live");
        drop(heap_word);
    }

    fn query(&mut self, pick: usize) {
        assert_eq!(self.did_alloc(null_mut()), -1);
        assert_eq!(self.get_size(null_mut()), usize::MAX);
        if let Some(b) = self.blocks.get(pick % self.blocks.len().max(1)) {
            assert_eq!(self.get_size(b.ptr.cast()), b.size, "GetSize of a live block");
            assert_eq!(self.did_alloc(b.ptr.cast()), 1, "DidAlloc of a live block");
            if b.size > 1 {
                // SAFETY: an offset inside the block.
                let inner = unsafe { b.ptr.add(1 + pick % (b.size - 1)) };
                assert_eq!(self.did_alloc(inner.cast()), 0, "DidAlloc of an interior pointer");
                assert_eq!(self.get_size(inner.cast()), usize::MAX, "GetSize of an interior pointer");
            }
        }
        if let Some(p) = self.stale_pointer(pick) {
            assert_eq!(self.did_alloc(p), 0, "DidAlloc of a freed pointer");
        }
    }

    fn nap_alloc(&mut self, which: u8, n: usize) {
        if self.blocks.len() + 2 * self.naps.len() >= MAX_LIVE {
            return;
        }
        // A fault on the first or second of the call's allocations.
        let fault = self.take_fault().then_some(1 + (n % 2) as u64);
        // The NAP functions allocate as CoTaskMemAlloc does: through the spy.
        let spied = self.spy_sees_allocs();
        let blocks_needed = |count: usize| if count == 0 { 1u64 } else { 2 };
        let hr: HRESULT;
        let (nap, blocks, bytes) = match which % 3 {
            0 => {
                let n = (n % 21) as u16;
                let mut out: *mut Connections = 0x10 as *mut Connections;
                let fault = fault.filter(|&k| k <= blocks_needed(n.into()));
                self.arm(fault.unwrap_or(0));
                // SAFETY: a valid out-pointer.
                hr = unsafe { AllocConnections(&mut out, n) };
                self.arm(0);
                if let Some(k) = fault {
                    assert_eq!((hr, out as usize), (E_OUTOFMEMORY, 0x10), "AllocConnections under a fault");
                    self.record_unwound_first_block(k, spied, usize::from(n) * core::mem::size_of::<usize>());
                    return;
                }
                let bytes = core::mem::size_of::<Connections>() + usize::from(n) * core::mem::size_of::<usize>();
                (Nap::Connections(out, n), blocks_needed(n.into()), bytes)
            }
            1 => {
                let len = n % 40;
                let text: Vec<u16> = (0..len).map(|i| 0x30 + i as u16).chain([0]).collect();
                let mut out: *mut CountedString = 0x10 as *mut CountedString;
                self.arm(fault.unwrap_or(0));
                // SAFETY: a valid out-pointer and a NUL-terminated string.
                hr = unsafe { AllocCountedString(&mut out, text.as_ptr()) };
                self.arm(0);
                if let Some(k) = fault {
                    assert_eq!((hr, out as usize), (E_OUTOFMEMORY, 0x10), "AllocCountedString under a fault");
                    self.record_unwound_first_block(k, spied, (len + 1) * 2);
                    return;
                }
                let bytes = core::mem::size_of::<CountedString>() + (len + 1) * 2;
                (Nap::String(out, len), 2, bytes)
            }
            _ => {
                let n = (n % 1001) as u16;
                let mut out: *mut FixupInfo = 0x10 as *mut FixupInfo;
                let fault = fault.filter(|&k| k <= blocks_needed(n.into()));
                self.arm(fault.unwrap_or(0));
                // SAFETY: a valid out-pointer.
                hr = unsafe { AllocFixupInfo(&mut out, n) };
                self.arm(0);
                if let Some(k) = fault {
                    assert_eq!((hr, out as usize), (E_OUTOFMEMORY, 0x10), "AllocFixupInfo under a fault");
                    self.record_unwound_first_block(k, spied, usize::from(n) * 4);
                    return;
                }
                let bytes = core::mem::size_of::<FixupInfo>() + usize::from(n) * 4;
                (Nap::Fixup(out, n), blocks_needed(n.into()), bytes)
            }
        };
        assert_eq!(hr, S_OK, "NAP Alloc*");
        self.record_nap(nap, blocks, bytes, spied);
    }

    /// A NAP `Alloc*` call whose second allocation failed made and freed its
    /// first block (the array or string, `bytes` long) before answering.
    /// A spy saw `k` `PreAlloc` calls, and the free of the first block.
    fn record_unwound_first_block(&mut self, k: u64, spied: bool, bytes: usize) {
        if spied {
            self.spy_pre_alloc += k;
        }
        if k == 2 {
            self.expect.allocs += 1;
            self.expect.frees += 1;
            self.expect.bytes_requested += bytes as u64;
            if spied {
                self.spy_spyed_frees += 1;
            }
        }
    }

    fn record_nap(&mut self, nap: Nap, blocks: u64, bytes: usize, spied: bool) {
        self.naps.push((nap, spied));
        if spied {
            self.spy_pre_alloc += blocks;
            self.spied_live += blocks as usize;
        }
        self.expect.live_blocks += blocks;
        self.expect.live_bytes += bytes as u64;
        self.expect.allocs += blocks;
        self.expect.bytes_requested += bytes as u64;
    }

    fn nap_free(&mut self, pick: usize, detach: bool) {
        if self.naps.is_empty() {
            return;
        }
        let (nap, spied) = self.naps.swap_remove(pick % self.naps.len());
        let (blocks, bytes) = match nap {
            Nap::String(s, len) if detach => {
                // As NAP code does: keep the string, free only the struct, and
                // later free the string on its own (it becomes a model block).
                // SAFETY: `s` is a live CountedString from AllocCountedString.
                let string = unsafe { (*s).string };
                // SAFETY: its contents are what AllocCountedString copied.
                assert!(unsafe { (0..len).all(|i| *string.add(i) == 0x30 + i as u16) && *string.add(len) == 0 });
                CoTaskMemFree(s.cast());
                let string_bytes = (len + 1) * 2;
                let seed = self.next_seed;
                self.next_seed = self.next_seed.wrapping_add(1);
                fill(string.cast(), string_bytes, seed);
                self.blocks.push(Block { ptr: string.cast(), size: string_bytes, seed, spied });
                (1, core::mem::size_of::<CountedString>())
            }
            Nap::Connections(c, n) => {
                // SAFETY: a live object from AllocConnections.
                unsafe { FreeConnections(c) };
                (if n == 0 { 1 } else { 2 }, core::mem::size_of::<Connections>() + usize::from(n) * 8)
            }
            Nap::String(s, len) => {
                // SAFETY: a live object from AllocCountedString.
                unsafe { FreeCountedString(s) };
                (2, core::mem::size_of::<CountedString>() + (len + 1) * 2)
            }
            Nap::Fixup(f, n) => {
                // SAFETY: a live object from AllocFixupInfo.
                unsafe { FreeFixupInfo(f) };
                (if n == 0 { 1 } else { 2 }, core::mem::size_of::<FixupInfo>() + usize::from(n) * 4)
            }
        };
        self.expect.live_blocks -= blocks;
        self.expect.live_bytes -= bytes as u64;
        self.expect.frees += blocks;
        if spied {
            // Each block went through the spy while it was still there.
            if self.spy_sees_block(true) {
                self.spy_spyed_frees += blocks;
            }
            for _ in 0..blocks {
                self.spied_block_gone();
            }
        }
    }

    fn register_spy(&mut self) {
        // SAFETY: a static spy object.
        let hr = unsafe { CoRegisterMallocSpy(spy_ptr()) };
        let want = if self.spy == SpyState::None { S_OK } else { CO_E_OBJISREG };
        assert_eq!(hr, want, "CoRegisterMallocSpy in state {:?}", self.spy);
        if hr == S_OK {
            self.spy = SpyState::Registered;
        }
    }

    fn revoke_spy(&mut self) {
        // SAFETY: no arguments.
        let hr = unsafe { CoRevokeMallocSpy() };
        let want = match (self.spy, self.spied_live) {
            (SpyState::None, _) => CO_E_OBJNOTREG,
            (_, 0) => S_OK,
            _ => E_ACCESSDENIED,
        };
        assert_eq!(hr, want, "CoRevokeMallocSpy in state {:?} with {} spied", self.spy, self.spied_live);
        self.spy = if hr == E_ACCESSDENIED { SpyState::Pending } else { SpyState::None };
    }

    fn heap_minimize(&mut self) {
        // SAFETY: the task allocator's HeapMinimize.
        unsafe { self.imalloc().HeapMinimize.unwrap()(self.malloc) };
    }

    /// Frees everything the model holds and checks the books balance.
    fn finish(mut self) {
        while !self.naps.is_empty() {
            self.nap_free(0, false);
        }
        while !self.blocks.is_empty() {
            let last = self.blocks.len() - 1;
            self.free(last, last.is_multiple_of(2));
        }
        self.check("freeing everything");
        if self.spy == SpyState::Registered {
            self.revoke_spy();
        }
        assert_eq!(self.spy, SpyState::None, "the spy is gone once its blocks are");
        self.check("the end");
        assert_eq!(self.expect.live_blocks, 0);
        assert_eq!(self.expect.live_bytes, 0);
    }
}

/// Runs one input against the allocator and the model; panics on the first
/// difference.
pub fn run(data: &[u8]) {
    naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT);
    let mut input = Input { bytes: data, at: 0 };
    let mut model = Model::new();
    let mut steps = 0;
    while !input.done() && steps < 4096 {
        steps += 1;
        let op = input.byte();
        let name = match op % 20 {
            0..=3 => {
                let size = input.size();
                model.alloc(size, op & 0x20 != 0);
                "alloc"
            }
            4..=5 => {
                let index = input.index(model.blocks.len());
                let size = input.size();
                model.realloc(index, size, op & 0x20 != 0);
                "realloc"
            }
            6 => {
                let size = input.size();
                model.realloc_null(size);
                "realloc(NULL)"
            }
            7..=9 => {
                let index = input.index(model.blocks.len());
                model.free(index, op & 0x20 != 0);
                "free"
            }
            10 => {
                let index = input.index(model.blocks.len());
                model.realloc(index, 0, op & 0x20 != 0);
                "realloc(p, 0)"
            }
            11 => {
                let target = input.byte();
                let pick = input.index(usize::MAX);
                model.misuse(target, pick, op & 0x20 != 0);
                "misuse"
            }
            12 => {
                let pick = input.index(usize::MAX);
                model.query(pick);
                "query"
            }
            13..=14 => {
                let which = input.byte();
                let n = input.index(usize::MAX);
                model.nap_alloc(which, n);
                "NAP Alloc*"
            }
            15 => {
                let pick = input.index(usize::MAX);
                model.nap_free(pick, op & 0x20 != 0);
                "NAP Free*"
            }
            16 => {
                model.register_spy();
                "CoRegisterMallocSpy"
            }
            17 => {
                model.revoke_spy();
                "CoRevokeMallocSpy"
            }
            18 => {
                model.fault = u64::from(cfg!(feature = "fault-injection"));
                "arm a fault"
            }
            _ => {
                model.heap_minimize();
                "HeapMinimize"
            }
        };
        model.check(name);
    }
    model.finish();
}
