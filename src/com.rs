//! The COM runtime the library's own classes need off Windows: apartments
//! (what `CoInitialize(Ex)` and `CoUninitialize` record) and objects.
//!
//! # Objects
//!
//! Each object is one tracked block (allocated past any spy, as Windows'
//! in-process servers allocate their objects from their own heap): a
//! 16-byte prefix holding the reference count, then the interface pointer
//! (`lpVtbl`), then the object's state behind its own lock. The pointer
//! handed to C is therefore *inside* the block, which has three effects:
//! - the leak report lists a live object like any block, named after its
//!   class (the block carries the class in its header flags), with its
//!   allocation stack when call stacks are on;
//! - `CoTaskMemFree(object)` is an interior pointer: refused and reported,
//!   nothing freed;
//! - every method first asks the tracking table whether the pointer is
//!   still a live object of its class ([`Object::from_interface`]), so a
//!   call on a released object gets `E_POINTER` and a misuse report
//!   instead of touching freed memory.
//!
//! The state's lock is never held while foreign code runs (a spy's methods,
//! which allocating task memory calls) and never while reading the caller's
//! structures; see `soh::objects`.

use crate::heap::block;
use crate::support::lock::SpinLock;
use crate::types::base::{E_OUTOFMEMORY, HRESULT};
use core::ffi::c_void;
use core::mem::{offset_of, size_of};
use core::sync::atomic::{AtomicU32, Ordering};
use parking_lot::Mutex;

// ---------------------------------------------------------------------------
// Apartments
// ---------------------------------------------------------------------------

/// Off Windows only: on Windows the apartments are ole32's.
#[cfg(not(windows))]
pub(crate) use apartments::{initialize, initialized, uninitialize};

#[cfg(not(windows))]
mod apartments {
    use crate::types::base::{E_INVALIDARG, E_OUTOFMEMORY, HRESULT, S_FALSE, S_OK};
    use crate::types::com::{
        COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, COINIT_SPEED_OVER_MEMORY, RPC_E_CHANGED_MODE,
    };
    use core::cell::Cell;
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// This thread's `CoInitialize(Ex)` calls not yet undone, and whether they
    /// chose the single-threaded (apartment) model.
    #[derive(Clone, Copy)]
    struct Apartment {
        depth: u32,
        single_threaded: bool,
    }

    thread_local! {
        static APARTMENT: Cell<Apartment> = const { Cell::new(Apartment { depth: 0, single_threaded: false }) };
    }

    /// Threads now in the multithreaded apartment. While there is one, every
    /// thread of the process may create objects (Windows' implicit MTA).
    static MTA_THREADS: AtomicUsize = AtomicUsize::new(0);

    /// `CoInitializeEx(NULL, flags)`.
    pub(crate) fn initialize(flags: u32) -> HRESULT {
        if flags & !(COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE | COINIT_SPEED_OVER_MEMORY) != 0 {
            return E_INVALIDARG;
        }
        let single_threaded = flags & COINIT_APARTMENTTHREADED != 0;
        let Ok(now) = APARTMENT.try_with(Cell::get) else { return E_OUTOFMEMORY };
        if now.depth > 0 && now.single_threaded != single_threaded {
            return RPC_E_CHANGED_MODE;
        }
        let Some(depth) = now.depth.checked_add(1) else { return E_OUTOFMEMORY };
        if now.depth == 0 && !single_threaded {
            MTA_THREADS.fetch_add(1, Ordering::AcqRel);
        }
        let _ = APARTMENT.try_with(|a| a.set(Apartment { depth, single_threaded }));
        if now.depth == 0 {
            S_OK
        } else {
            S_FALSE
        }
    }

    /// `CoUninitialize`: undoes one successful `CoInitialize(Ex)` of this
    /// thread; nothing when there is none.
    pub(crate) fn uninitialize() {
        let Ok(now) = APARTMENT.try_with(Cell::get) else { return };
        if now.depth == 0 {
            return;
        }
        if now.depth == 1 && !now.single_threaded {
            MTA_THREADS.fetch_sub(1, Ordering::AcqRel);
        }
        let _ = APARTMENT.try_with(|a| a.set(Apartment { depth: now.depth - 1, ..now }));
    }

    /// Whether this thread may create objects: it called `CoInitialize(Ex)`,
    /// or some thread is in the multithreaded apartment.
    pub(crate) fn initialized() -> bool {
        APARTMENT.try_with(|a| a.get().depth > 0).unwrap_or(false) || MTA_THREADS.load(Ordering::Acquire) > 0
    }
}

// ---------------------------------------------------------------------------
// Classes and objects
// ---------------------------------------------------------------------------

/// A class of the library: what the block header records of its objects
/// and what reports call them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Class {
    kind: u32,
    pub(crate) name: &'static str,
}

/// `CLSID_NapSoHConstructor`'s objects.
pub(crate) const SOH_CONSTRUCTOR: Class = Class { kind: 1, name: "INapSoHConstructor" };
/// `CLSID_NapSoHProcessor`'s objects.
pub(crate) const SOH_PROCESSOR: Class = Class { kind: 2, name: "INapSoHProcessor" };

const CLASSES: [Class; 2] = [SOH_CONSTRUCTOR, SOH_PROCESSOR];

/// The class of the live block whose header flags are `flags`, if it is an
/// object.
pub(crate) fn class_of(flags: u32) -> Option<Class> {
    let kind = block::kind_of(flags);
    CLASSES.into_iter().find(|c| c.kind == kind)
}

/// How many released objects keep their memory (see [`retire`]).
const RETIRED_OBJECTS: usize = 64;

/// The memory of the objects released last, oldest first out.
static RETIRED: SpinLock<([Option<block::Retired>; RETIRED_OBJECTS], usize)> =
    SpinLock::new(([const { None }; RETIRED_OBJECTS], 0));

/// Takes the block of an object released to 0 out of the tracking table
/// (so no call accepts it any more and the leak report no longer lists
/// it) but keeps its memory, still holding the interface's vtable pointer,
/// until 64 more objects have been released. A caller that calls a method
/// through its pointer after the last `Release` -- which reads the vtable
/// pointer from the object before the library is reached -- thus reads
/// memory that is still there, and the method refuses the call.
fn retire(block: *mut c_void) {
    let Ok(claim) = block::claim(block) else { return };
    let retired = claim.retire();
    let evicted = {
        let mut ring = RETIRED.lock();
        let at = ring.1;
        ring.1 = (at + 1) % RETIRED_OBJECTS;
        ring.0[at].replace(retired)
    };
    if let Some(oldest) = evicted {
        oldest.release();
    }
}

/// The block of the object whose interface pointer is `this` (whether or
/// not it is alive).
pub(crate) fn block_of(this: *mut c_void) -> *mut c_void {
    (this as usize).wrapping_sub(INTERFACE_OFFSET) as *mut c_void
}

/// The interface pointer of the object whose block starts at `block`.
pub(crate) fn interface_in(block: usize) -> usize {
    block.wrapping_add(INTERFACE_OFFSET)
}

/// An object of the library, placed at the start of its block: a
/// reference count, the interface pointer C holds (16 bytes in), and its
/// state `S` behind the object's lock.
#[repr(C)]
pub(crate) struct Object<S> {
    refs: AtomicU32,
    _reserved: [u8; 12],
    lp_vtbl: *const c_void,
    state: Mutex<S>,
}

/// Where the interface pointer lies in the block: past the start, so that
/// the pointer C holds is never a block start.
const INTERFACE_OFFSET: usize = 16;

impl<S> Object<S> {
    const LAYOUT: () = {
        assert!(offset_of!(Object<S>, lp_vtbl) == INTERFACE_OFFSET);
        // Blocks are aligned like malloc's: 16 bytes.
        assert!(core::mem::align_of::<Object<S>>() <= 16);
    };

    /// A new object of `class` with one reference, whose interface uses
    /// `vtbl`; returns the interface pointer. Its block is allocated past
    /// any spy.
    pub(crate) fn create(class: Class, vtbl: *const c_void, state: S) -> Result<*mut c_void, HRESULT> {
        let () = Self::LAYOUT;
        let block = block::alloc(size_of::<Object<S>>(), block::kind_flags(class.kind)).cast::<Object<S>>();
        if block.is_null() {
            return Err(E_OUTOFMEMORY);
        }
        let object = Object { refs: AtomicU32::new(1), _reserved: [0; 12], lp_vtbl: vtbl, state: Mutex::new(state) };
        // SAFETY: `block` is a fresh block of size_of::<Object<S>>() bytes,
        // aligned like malloc's (16 bytes, enough: see LAYOUT).
        unsafe { block.write(object) };
        Ok(block.cast::<u8>().wrapping_add(INTERFACE_OFFSET).cast())
    }

    /// The object whose interface pointer is `this`, if `this` is one of a
    /// live object of `class`: the tracking table is asked before anything
    /// is read through the pointer.
    ///
    /// The reference is valid while the caller holds a reference to the
    /// object, as COM requires of anyone calling its methods.
    pub(crate) fn from_interface<'a>(this: *mut c_void, class: Class) -> Option<&'a Object<S>> {
        let start = (this as usize).checked_sub(INTERFACE_OFFSET)? as *const c_void;
        let info = block::info(start)?;
        if class_of(info.flags) != Some(class) || info.size != size_of::<Object<S>>() {
            return None;
        }
        // SAFETY: the table says `start` is a live block made by `create`
        // for this class (its kind and size say so), holding an Object<S>.
        Some(unsafe { &*start.cast::<Object<S>>() })
    }

    /// The interface pointer of this object.
    pub(crate) fn interface(&self) -> *mut c_void {
        core::ptr::addr_of!(self.lp_vtbl).cast_mut().cast()
    }

    /// The object's state, locked.
    pub(crate) fn state(&self) -> parking_lot::MutexGuard<'_, S> {
        self.state.lock()
    }

    /// `AddRef`: the new count (saturating: a count that would overflow
    /// stays where it is, so the object is never freed early).
    pub(crate) fn add_ref(&self) -> u32 {
        let mut now = self.refs.load(Ordering::Relaxed);
        loop {
            let Some(next) = now.checked_add(1) else { return now };
            match self.refs.compare_exchange_weak(now, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(seen) => now = seen,
            }
        }
    }

    /// `Release`: the new count; at 0 the object is destroyed and its block
    /// freed (its state holds no foreign object, so nothing foreign runs).
    pub(crate) fn release(&self) -> u32 {
        let mut before = self.refs.load(Ordering::Relaxed);
        loop {
            if before == 0 {
                return 0;
            }
            match self.refs.compare_exchange_weak(before, before - 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => break,
                Err(seen) => before = seen,
            }
        }
        if before != 1 {
            return before - 1;
        }
        let block = (self as *const Object<S>).cast_mut();
        // SAFETY: the last reference is gone: nobody may use the object any
        // more (COM's rule), so its state is dropped in place; its prefix and
        // interface pointer stay as they are (see `retire`). `self` is not
        // used after this.
        unsafe { core::ptr::drop_in_place(core::ptr::addr_of_mut!((*block).state)) };
        retire(block.cast());
        0
    }
}
