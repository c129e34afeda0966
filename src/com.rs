//! COM interfaces as C sees them: a struct whose only member is `lpVtbl`, and
//! a vtable struct of `extern "system"` function pointers in Windows' method
//! order. In C++ the header declares the same interfaces as classes with pure
//! virtual methods instead (see `cbindgen.toml`); both have the same layout.
//!
//! Function pointers are `Option`s because C may hand us a vtable with NULL
//! slots: Rust must check, never assume.

#![allow(non_snake_case, non_camel_case_types)]

use crate::nap_types::{
    ConnectionId, CorrelationId, EnforcementEntityId, IsolationInfo, NetworkSoHRequest, NetworkSoHResponse,
    PrivateData, ProtocolMaxSize, StringCorrelationId,
};
use crate::win::{BOOL, GUID, HRESULT, IID, IID_IMALLOCSPY_VALUE, REFIID, SIZE_T, UINT8, ULONG};
use core::ffi::{c_int, c_void};

/// The methods every COM interface starts with.
#[cfg(not(any(naputil_header_cplusplus, naputil_header_win32)))]
#[repr(C)]
pub struct IUnknownVtbl {
    pub QueryInterface:
        Option<unsafe extern "system" fn(This: *mut IUnknown, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT>,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut IUnknown) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut IUnknown) -> ULONG>,
}

/// The base COM interface.
#[cfg(not(any(naputil_header_cplusplus, naputil_header_win32)))]
#[repr(C)]
pub struct IUnknown {
    pub lpVtbl: *const IUnknownVtbl,
}

/// The methods of `IMalloc`, in Windows' order.
#[cfg(not(any(naputil_header_cplusplus, naputil_header_win32)))]
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
#[cfg(not(any(naputil_header_cplusplus, naputil_header_win32)))]
#[repr(C)]
pub struct IMalloc {
    pub lpVtbl: *const IMallocVtbl,
}

/// The methods of `IMallocSpy`, in Windows' order.
#[cfg(not(any(naputil_header_cplusplus, naputil_header_win32)))]
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
#[cfg(not(any(naputil_header_cplusplus, naputil_header_win32)))]
#[repr(C)]
pub struct IMallocSpy {
    pub lpVtbl: *const IMallocSpyVtbl,
}

/// The methods of `INapEnforcementClientConnection`, in Windows' order.
#[cfg(not(naputil_header_cplusplus))]
#[repr(C)]
pub struct INapEnforcementClientConnectionVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection, id: EnforcementEntityId) -> HRESULT,
    >,
    pub SetMaxSize: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection, maxSize: ProtocolMaxSize) -> HRESULT,
    >,
    pub GetMaxSize: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection, maxSize: *mut ProtocolMaxSize) -> HRESULT,
    >,
    pub SetFlags:
        Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection, flags: UINT8) -> HRESULT>,
    pub GetFlags:
        Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection, flags: *mut UINT8) -> HRESULT>,
    pub SetConnectionId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            connectionId: *const ConnectionId,
        ) -> HRESULT,
    >,
    pub GetConnectionId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            connectionId: *mut *mut ConnectionId,
        ) -> HRESULT,
    >,
    pub GetCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            correlationId: *mut CorrelationId,
        ) -> HRESULT,
    >,
    pub GetStringCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            correlationId: *mut *mut StringCorrelationId,
        ) -> HRESULT,
    >,
    pub SetCorrelationId: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection, correlationId: CorrelationId) -> HRESULT,
    >,
    pub SetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            sohRequest: *const NetworkSoHRequest,
        ) -> HRESULT,
    >,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            sohRequest: *mut *mut NetworkSoHRequest,
        ) -> HRESULT,
    >,
    pub SetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            sohResponse: *const NetworkSoHResponse,
        ) -> HRESULT,
    >,
    pub GetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            sohResponse: *mut *mut NetworkSoHResponse,
        ) -> HRESULT,
    >,
    pub SetIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            isolationInfo: *const IsolationInfo,
        ) -> HRESULT,
    >,
    pub GetIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            isolationInfo: *mut *mut IsolationInfo,
        ) -> HRESULT,
    >,
    pub SetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            privateData: *const PrivateData,
        ) -> HRESULT,
    >,
    pub GetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            privateData: *mut *mut PrivateData,
        ) -> HRESULT,
    >,
    pub SetEnforcerPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            privateData: *const PrivateData,
        ) -> HRESULT,
    >,
    pub GetEnforcerPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection,
            privateData: *mut *mut PrivateData,
        ) -> HRESULT,
    >,
}

/// One network connection of an enforcement client, as the NAP agent sees
/// it. `FreeConnections` calls only its `Release` method.
#[cfg(not(naputil_header_cplusplus))]
#[repr(C)]
pub struct INapEnforcementClientConnection {
    pub lpVtbl: *const INapEnforcementClientConnectionVtbl,
}

/// `IID_IMallocSpy`, the interface id `CoRegisterMallocSpy` asks a spy for:
/// {0000001D-0000-0000-C000-000000000046}.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IMallocSpy: IID = IID_IMALLOCSPY_VALUE;

/// `IID_INapEnforcementClientConnection`:
/// {FB3A3505-DDB1-468A-B307-F328A57419D8}.
#[no_mangle]
pub static IID_INapEnforcementClientConnection: IID =
    GUID { Data1: 0xFB3A_3505, Data2: 0xDDB1, Data3: 0x468A, Data4: [0xB3, 0x07, 0xF3, 0x28, 0xA5, 0x74, 0x19, 0xD8] };
