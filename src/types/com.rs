//! COM interfaces as C sees them: a struct whose only member is `lpVtbl`, and
//! a vtable struct of `extern "system"` function pointers in Windows' method
//! order. In C++ the header declares the same interfaces as classes with pure
//! virtual methods instead, which `build.rs` derives from these vtables; both
//! have the same layout. The doc comment of every vtable names its base
//! interface, which `build.rs` reads.
//!
//! These three interfaces are Windows' own: the header defines them only
//! where no `<windows.h>` and no compatibility layer (which sets Windows'
//! `__IUnknown_INTERFACE_DEFINED__` guard and its siblings) has.
//!
//! Function pointers are `Option`s because C may hand us a vtable with NULL
//! slots: Rust must check, never assume.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, HRESULT, REFIID, SIZE_T, ULONG};
use core::ffi::{c_int, c_void};

/// The methods every COM interface starts with.
///
/// Base interface: none.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_iunknown_defined)))]
#[repr(C)]
pub struct IUnknownVtbl {
    pub QueryInterface:
        Option<unsafe extern "system" fn(This: *mut IUnknown, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT>,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut IUnknown) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut IUnknown) -> ULONG>,
}

/// The base COM interface.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_iunknown_defined)))]
#[repr(C)]
pub struct IUnknown {
    pub lpVtbl: *const IUnknownVtbl,
}

/// The methods of `IMalloc`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_imalloc_defined)))]
#[repr(C)]
pub struct IMallocVtbl {
    pub QueryInterface:
        Option<unsafe extern "system" fn(This: *mut IMalloc, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT>,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut IMalloc) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut IMalloc) -> ULONG>,
    pub Alloc: Option<unsafe extern "system" fn(This: *mut IMalloc, cb: SIZE_T) -> *mut c_void>,
    pub Realloc: Option<unsafe extern "system" fn(This: *mut IMalloc, pv: *mut c_void, cb: SIZE_T) -> *mut c_void>,
    pub Free: Option<unsafe extern "system" fn(This: *mut IMalloc, pv: *mut c_void)>,
    pub GetSize: Option<unsafe extern "system" fn(This: *mut IMalloc, pv: *mut c_void) -> SIZE_T>,
    pub DidAlloc: Option<unsafe extern "system" fn(This: *mut IMalloc, pv: *mut c_void) -> c_int>,
    pub HeapMinimize: Option<unsafe extern "system" fn(This: *mut IMalloc)>,
}

/// The task allocator interface that `CoGetMalloc` hands out.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_imalloc_defined)))]
#[repr(C)]
pub struct IMalloc {
    pub lpVtbl: *const IMallocVtbl,
}

/// The methods of `IMallocSpy`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_imallocspy_defined)))]
#[repr(C)]
pub struct IMallocSpyVtbl {
    pub QueryInterface:
        Option<unsafe extern "system" fn(This: *mut IMallocSpy, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT>,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut IMallocSpy) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut IMallocSpy) -> ULONG>,
    pub PreAlloc: Option<unsafe extern "system" fn(This: *mut IMallocSpy, cbRequest: SIZE_T) -> SIZE_T>,
    pub PostAlloc: Option<unsafe extern "system" fn(This: *mut IMallocSpy, pActual: *mut c_void) -> *mut c_void>,
    pub PreFree:
        Option<unsafe extern "system" fn(This: *mut IMallocSpy, pRequest: *mut c_void, fSpyed: BOOL) -> *mut c_void>,
    pub PostFree: Option<unsafe extern "system" fn(This: *mut IMallocSpy, fSpyed: BOOL)>,
    pub PreRealloc: Option<
        unsafe extern "system" fn(
            This: *mut IMallocSpy,
            pRequest: *mut c_void,
            cbRequest: SIZE_T,
            ppNewRequest: *mut *mut c_void,
            fSpyed: BOOL,
        ) -> SIZE_T,
    >,
    pub PostRealloc:
        Option<unsafe extern "system" fn(This: *mut IMallocSpy, pActual: *mut c_void, fSpyed: BOOL) -> *mut c_void>,
    pub PreGetSize:
        Option<unsafe extern "system" fn(This: *mut IMallocSpy, pRequest: *mut c_void, fSpyed: BOOL) -> *mut c_void>,
    pub PostGetSize: Option<unsafe extern "system" fn(This: *mut IMallocSpy, cbActual: SIZE_T, fSpyed: BOOL) -> SIZE_T>,
    pub PreDidAlloc:
        Option<unsafe extern "system" fn(This: *mut IMallocSpy, pRequest: *mut c_void, fSpyed: BOOL) -> *mut c_void>,
    pub PostDidAlloc: Option<
        unsafe extern "system" fn(This: *mut IMallocSpy, pRequest: *mut c_void, fSpyed: BOOL, fActual: c_int) -> c_int,
    >,
    pub PreHeapMinimize: Option<unsafe extern "system" fn(This: *mut IMallocSpy)>,
    pub PostHeapMinimize: Option<unsafe extern "system" fn(This: *mut IMallocSpy)>,
}

/// An allocation spy, registered with `CoRegisterMallocSpy`.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_imallocspy_defined)))]
#[repr(C)]
pub struct IMallocSpy {
    pub lpVtbl: *const IMallocSpyVtbl,
}
