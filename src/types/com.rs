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

use super::base::{BOOL, DWORD, HRESULT, REFIID, SIZE_T, ULONG};
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

/// The methods of `IClassFactory`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_iclassfactory_defined)))]
#[repr(C)]
pub struct IClassFactoryVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut IClassFactory, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut IClassFactory) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut IClassFactory) -> ULONG>,
    pub CreateInstance: Option<
        unsafe extern "system" fn(
            This: *mut IClassFactory,
            pUnkOuter: *mut IUnknown,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub LockServer: Option<unsafe extern "system" fn(This: *mut IClassFactory, fLock: BOOL) -> HRESULT>,
}

/// Creates the objects of one class: what `CoGetClassObject` hands out.
/// The library's class factories are static: `AddRef` and `Release` return
/// constants and never free anything.
#[cfg(not(any(naputil_header_cxx_interfaces, naputil_header_win32, naputil_header_iclassfactory_defined)))]
#[repr(C)]
pub struct IClassFactory {
    pub lpVtbl: *const IClassFactoryVtbl,
}

/// `CoCreateInstance` context: the class's code runs in this process (the
/// only kind of class the library has).
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_INPROC_SERVER: DWORD = 0x1;
/// `CoCreateInstance` context: an in-process handler.
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_INPROC_HANDLER: DWORD = 0x2;
/// `CoCreateInstance` context: a server in another process on this machine.
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_LOCAL_SERVER: DWORD = 0x4;
/// `CoCreateInstance` context: a server on another machine.
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_REMOTE_SERVER: DWORD = 0x10;
/// `CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER`.
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_INPROC: DWORD = 0x3;
/// `CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER`.
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_SERVER: DWORD = 0x15;
/// Every context: `CLSCTX_INPROC | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER`.
#[cfg(not(naputil_header_win32))]
pub const CLSCTX_ALL: DWORD = 0x17;

/// `CoInitializeEx`: the thread joins the process's multithreaded apartment.
#[cfg(not(naputil_header_win32))]
pub const COINIT_MULTITHREADED: DWORD = 0x0;
/// `CoInitializeEx`: the thread has an apartment of its own (what
/// `CoInitialize` asks for).
#[cfg(not(naputil_header_win32))]
pub const COINIT_APARTMENTTHREADED: DWORD = 0x2;
/// `CoInitializeEx`: no DDE for OLE 1 (accepted, no effect).
#[cfg(not(naputil_header_win32))]
pub const COINIT_DISABLE_OLE1DDE: DWORD = 0x4;
/// `CoInitializeEx`: favour speed over memory (accepted, no effect).
#[cfg(not(naputil_header_win32))]
pub const COINIT_SPEED_OVER_MEMORY: DWORD = 0x8;

/// `0x8000FFFF`: a call came at a time the object did not expect it.
#[cfg(not(naputil_header_win32))]
pub const E_UNEXPECTED: HRESULT = 0x8000_FFFF_u32 as HRESULT;
/// `0x80040110`: the class cannot be aggregated (`pUnkOuter` must be NULL).
#[cfg(not(naputil_header_win32))]
pub const CLASS_E_NOAGGREGATION: HRESULT = 0x8004_0110_u32 as HRESULT;
/// `0x80040111`: the class factory does not make objects of that class.
#[cfg(not(naputil_header_win32))]
pub const CLASS_E_CLASSNOTAVAILABLE: HRESULT = 0x8004_0111_u32 as HRESULT;
/// `0x80040154`: no class with that CLSID is registered for the context.
#[cfg(not(naputil_header_win32))]
pub const REGDB_E_CLASSNOTREG: HRESULT = 0x8004_0154_u32 as HRESULT;
/// `0x800401F0`: `CoInitialize(Ex)` has not been called on this thread
/// (and no thread is in the multithreaded apartment).
#[cfg(not(naputil_header_win32))]
pub const CO_E_NOTINITIALIZED: HRESULT = 0x8004_01F0_u32 as HRESULT;
/// `0x80010106`: the thread is already initialised with the other
/// concurrency model.
#[cfg(not(naputil_header_win32))]
pub const RPC_E_CHANGED_MODE: HRESULT = 0x8001_0106_u32 as HRESULT;
/// Win32 error `ERROR_FILE_NOT_FOUND`;
/// `INapSoHProcessor::FindNextAttribute` returns
/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)` when no attribute matches.
#[cfg(not(naputil_header_win32))]
pub const ERROR_FILE_NOT_FOUND: DWORD = 2;

/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`, `0x80070002`.
pub(crate) const E_FILE_NOT_FOUND: HRESULT = 0x8007_0002_u32 as HRESULT;
