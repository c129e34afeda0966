//! The COM interfaces of Windows' `NapSystemHealthAgent.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, HRESULT, REFIID, UINT8, ULONG};
use super::nap::{
    CorrelationId, FixupInfo, IsolationInfo, IsolationInfoEx, SoHRequest, SoHResponse, StringCorrelationId,
    SystemHealthEntityId,
};
use core::ffi::c_void;

/// The methods of `INapSystemHealthAgentBinding`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentBindingVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding,
            id: SystemHealthEntityId,
            callback: *mut INapSystemHealthAgentCallback,
        ) -> HRESULT,
    >,
    pub Uninitialize: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding) -> HRESULT>,
    pub NotifySoHChange: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding) -> HRESULT>,
    pub GetSystemIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding,
            isolationInfo: *mut *mut IsolationInfo,
            unknownConnections: *mut BOOL,
        ) -> HRESULT,
    >,
    pub FlushCache: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding) -> HRESULT>,
}

/// The NAP agent's side of a system health agent's registration. Windows' NAP agent
/// provides the object (`CLSID_NapSystemHealthAgentBinding`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentBinding {
    pub lpVtbl: *const INapSystemHealthAgentBindingVtbl,
}

/// The methods of `INapSystemHealthAgentBinding2`, in Windows' order.
///
/// Base interface: `INapSystemHealthAgentBinding`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentBinding2Vtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding2,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding2) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding2) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding2,
            id: SystemHealthEntityId,
            callback: *mut INapSystemHealthAgentCallback,
        ) -> HRESULT,
    >,
    pub Uninitialize: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding2) -> HRESULT>,
    pub NotifySoHChange: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding2) -> HRESULT>,
    pub GetSystemIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding2,
            isolationInfo: *mut *mut IsolationInfo,
            unknownConnections: *mut BOOL,
        ) -> HRESULT,
    >,
    pub FlushCache: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentBinding2) -> HRESULT>,
    pub GetSystemIsolationInfoEx: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentBinding2,
            isolationInfo: *mut *mut IsolationInfoEx,
            unknownConnections: *mut BOOL,
        ) -> HRESULT,
    >,
}

/// `INapSystemHealthAgentBinding` with the extended isolation state.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentBinding2 {
    pub lpVtbl: *const INapSystemHealthAgentBinding2Vtbl,
}

/// The methods of `INapSystemHealthAgentCallback`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentCallbackVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentCallback,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentCallback) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentCallback) -> ULONG>,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentCallback,
            request: *mut INapSystemHealthAgentRequest,
        ) -> HRESULT,
    >,
    pub ProcessSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentCallback,
            request: *mut INapSystemHealthAgentRequest,
        ) -> HRESULT,
    >,
    pub NotifySystemIsolationStateChange:
        Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentCallback) -> HRESULT>,
    pub GetFixupInfo: Option<
        unsafe extern "system" fn(This: *mut INapSystemHealthAgentCallback, info: *mut *mut FixupInfo) -> HRESULT,
    >,
    pub CompareSoHRequests: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentCallback,
            lhs: *const SoHRequest,
            rhs: *const SoHRequest,
            isEqual: *mut BOOL,
        ) -> HRESULT,
    >,
    pub NotifyOrphanedSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentCallback,
            correlationId: *const CorrelationId,
        ) -> HRESULT,
    >,
}

/// Implemented by a system health agent (SHA): the NAP agent asks it for its SoH,
/// hands it the response and asks how a fix-up is going.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentCallback {
    pub lpVtbl: *const INapSystemHealthAgentCallbackVtbl,
}

/// The methods of `AsyncINapSystemHealthAgentCallback`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct AsyncINapSystemHealthAgentCallbackVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthAgentCallback,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> ULONG>,
    pub Begin_GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthAgentCallback,
            request: *mut INapSystemHealthAgentRequest,
        ) -> HRESULT,
    >,
    pub Finish_GetSoHRequest:
        Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> HRESULT>,
    pub Begin_ProcessSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthAgentCallback,
            request: *mut INapSystemHealthAgentRequest,
        ) -> HRESULT,
    >,
    pub Finish_ProcessSoHResponse:
        Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> HRESULT>,
    pub Begin_NotifySystemIsolationStateChange:
        Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> HRESULT>,
    pub Finish_NotifySystemIsolationStateChange:
        Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> HRESULT>,
    pub Begin_GetFixupInfo: Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> HRESULT>,
    pub Finish_GetFixupInfo: Option<
        unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback, info: *mut *mut FixupInfo) -> HRESULT,
    >,
    pub Begin_CompareSoHRequests: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthAgentCallback,
            lhs: *const SoHRequest,
            rhs: *const SoHRequest,
        ) -> HRESULT,
    >,
    pub Finish_CompareSoHRequests:
        Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback, isEqual: *mut BOOL) -> HRESULT>,
    pub Begin_NotifyOrphanedSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthAgentCallback,
            correlationId: *const CorrelationId,
        ) -> HRESULT,
    >,
    pub Finish_NotifyOrphanedSoHRequest:
        Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthAgentCallback) -> HRESULT>,
}

/// The asynchronous form of `INapSystemHealthAgentCallback`: each method split into
/// a `Begin_` and a `Finish_` call.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct AsyncINapSystemHealthAgentCallback {
    pub lpVtbl: *const AsyncINapSystemHealthAgentCallbackVtbl,
}

/// The methods of `INapSystemHealthAgentRequest`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentRequestVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentRequest,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentRequest) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthAgentRequest) -> ULONG>,
    pub GetCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentRequest,
            correlationId: *mut CorrelationId,
        ) -> HRESULT,
    >,
    pub GetStringCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentRequest,
            correlationId: *mut *mut StringCorrelationId,
        ) -> HRESULT,
    >,
    pub SetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentRequest,
            sohRequest: *const SoHRequest,
            cacheSohForLaterUse: BOOL,
        ) -> HRESULT,
    >,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(This: *mut INapSystemHealthAgentRequest, sohRequest: *mut *mut SoHRequest) -> HRESULT,
    >,
    pub GetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthAgentRequest,
            sohResponse: *mut *mut SoHResponse,
            flags: *mut UINT8,
        ) -> HRESULT,
    >,
    pub GetCacheSoHFlag: Option<
        unsafe extern "system" fn(This: *mut INapSystemHealthAgentRequest, cacheSohForLaterUse: *mut BOOL) -> HRESULT,
    >,
}

/// One SoH exchange as a system health agent sees it: the request it fills in and the
/// response it reads.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthAgentRequest {
    pub lpVtbl: *const INapSystemHealthAgentRequestVtbl,
}
