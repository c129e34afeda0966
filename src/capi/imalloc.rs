//! The process-wide task allocator object that `CoGetMalloc` hands out.
//!
//! As on Windows there is exactly one, statically allocated: `AddRef` and
//! `Release` return constants and it is never destroyed, so a caller that
//! forgets to release it leaks nothing. Its methods and the `CoTaskMem*`
//! functions share one code path (through `spy`, then the block layer).

use super::alloc::{free_as, realloc_as};
use super::{contain, contain_or, contain_traced, require_non_null, write_out};
use crate::spy;
use crate::types::base::{
    DWORD, E_INVALIDARG, E_NOINTERFACE, E_POINTER, HRESULT, IID_IMALLOC_VALUE, IID_IUNKNOWN_VALUE, MEMCTX_TASK, REFIID,
    SIZE_T, S_OK, ULONG,
};
use crate::types::com::{IMalloc, IMallocVtbl};
use core::ffi::{c_int, c_void};

/// What `AddRef`/`Release` report: the object is immortal.
const IMMORTAL_REFCOUNT: ULONG = 1;

unsafe extern "system" fn query_interface(this: *mut IMalloc, riid: REFIID, out: *mut *mut c_void) -> HRESULT {
    contain(|| {
        require_non_null!(out, E_POINTER);
        // SAFETY: a non-NULL `riid` points to a GUID per COM's contract.
        let wanted = if riid.is_null() { None } else { Some(unsafe { *riid }) };
        let known = matches!(wanted, Some(id) if id == IID_IUNKNOWN_VALUE || id == IID_IMALLOC_VALUE);
        // SAFETY: `out` is non-NULL and writable per COM's contract.
        unsafe { write_out(out, if known { this.cast() } else { core::ptr::null_mut() }) };
        if known {
            S_OK
        } else if riid.is_null() {
            E_INVALIDARG
        } else {
            E_NOINTERFACE
        }
    })
}

unsafe extern "system" fn add_ref(_this: *mut IMalloc) -> ULONG {
    IMMORTAL_REFCOUNT
}

unsafe extern "system" fn release(_this: *mut IMalloc) -> ULONG {
    IMMORTAL_REFCOUNT
}

unsafe extern "system" fn alloc(_this: *mut IMalloc, cb: SIZE_T) -> *mut c_void {
    contain_traced(
        alloc as *const (),
        #[inline(always)]
        move || spy::alloc(cb),
    )
}

unsafe extern "system" fn realloc(_this: *mut IMalloc, pv: *mut c_void, cb: SIZE_T) -> *mut c_void {
    contain_traced(
        realloc as *const (),
        #[inline(always)]
        move || realloc_as(pv, cb, "IMalloc::Realloc"),
    )
}

unsafe extern "system" fn free(_this: *mut IMalloc, pv: *mut c_void) {
    contain_traced(
        free as *const (),
        #[inline(always)]
        move || free_as(pv, "IMalloc::Free"),
    )
}

/// The size last requested for a live block (not libc's usable size: callers
/// use it to know how many bytes are meaningful), or `(SIZE_T)-1`.
unsafe extern "system" fn get_size(_this: *mut IMalloc, pv: *mut c_void) -> SIZE_T {
    contain_or(SIZE_T::MAX, || spy::get_size(pv))
}

unsafe extern "system" fn did_alloc(_this: *mut IMalloc, pv: *mut c_void) -> c_int {
    contain_or(0, || spy::did_alloc(pv))
}

unsafe extern "system" fn heap_minimize(_this: *mut IMalloc) {
    contain(spy::heap_minimize)
}

static VTBL: IMallocVtbl = IMallocVtbl {
    QueryInterface: Some(query_interface),
    AddRef: Some(add_ref),
    Release: Some(release),
    Alloc: Some(alloc),
    Realloc: Some(realloc),
    Free: Some(free),
    GetSize: Some(get_size),
    DidAlloc: Some(did_alloc),
    HeapMinimize: Some(heap_minimize),
};

/// The one task allocator. It is only ever read, and callers get a `*mut`
/// to it only because COM's signatures say so; no method writes through it.
struct TaskAllocator(IMalloc);
// SAFETY: the object is immutable and its vtable is static.
unsafe impl Sync for TaskAllocator {}

static TASK_ALLOCATOR: TaskAllocator = TaskAllocator(IMalloc { lpVtbl: &VTBL });

/// The task allocator as a COM pointer.
fn task_allocator() -> *mut IMalloc {
    &TASK_ALLOCATOR.0 as *const IMalloc as *mut IMalloc
}

/// Gets the process-wide task allocator.
///
/// `dwMemContext` must be `MEMCTX_TASK` (1): then `*ppMalloc` receives the
/// allocator and the result is `S_OK`. Any other context gives
/// `E_INVALIDARG` and `*ppMalloc = NULL`; a NULL `ppMalloc` gives
/// `E_INVALIDARG`. The object's `Alloc`, `Realloc` and `Free` are
/// `CoTaskMemAlloc`, `CoTaskMemRealloc` and `CoTaskMemFree`; `GetSize`
/// returns the size last requested for a live block, `(SIZE_T)-1` otherwise;
/// `DidAlloc` returns 1 for a live block, 0 for any other non-NULL pointer,
/// -1 for NULL. `AddRef`/`Release` may be called any number of times: the
/// object lives as long as the process. No `CoInitialize` is needed.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub unsafe extern "system" fn CoGetMalloc(dwMemContext: DWORD, ppMalloc: *mut *mut IMalloc) -> HRESULT {
    contain(|| {
        require_non_null!(ppMalloc, E_INVALIDARG);
        let (result, object) =
            if dwMemContext == MEMCTX_TASK { (S_OK, task_allocator()) } else { (E_INVALIDARG, core::ptr::null_mut()) };
        // SAFETY: non-NULL and writable per this function's contract.
        unsafe { write_out(ppMalloc, object) };
        result
    })
}
