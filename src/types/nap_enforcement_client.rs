//! The COM interfaces of Windows' `NapEnforcementClient.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, HRESULT, REFIID, UINT8, ULONG};
use super::nap::{
    ConnectionId, Connections, CorrelationId, EnforcementEntityId, INapEnforcementClientConnection, IsolationInfo,
    IsolationInfoEx, NetworkSoHRequest, NetworkSoHResponse, PrivateData, ProtocolMaxSize, StringCorrelationId,
    SystemHealthEntityCount, SystemHealthEntityId,
};
use core::ffi::c_void;

/// The methods of `INapEnforcementClientBinding`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientBindingVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientBinding,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientBinding) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientBinding) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientBinding,
            id: EnforcementEntityId,
            callback: *mut INapEnforcementClientCallback,
        ) -> HRESULT,
    >,
    pub Uninitialize: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientBinding) -> HRESULT>,
    pub CreateConnection: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientBinding,
            connection: *mut *mut INapEnforcementClientConnection,
        ) -> HRESULT,
    >,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientBinding,
            connection: *mut INapEnforcementClientConnection,
            retriggerHint: *mut BOOL,
        ) -> HRESULT,
    >,
    pub ProcessSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientBinding,
            connection: *mut INapEnforcementClientConnection,
        ) -> HRESULT,
    >,
    pub NotifyConnectionStateDown: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientBinding,
            downCxn: *mut INapEnforcementClientConnection,
        ) -> HRESULT,
    >,
    pub NotifySoHChangeFailure: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientBinding) -> HRESULT>,
}

/// The NAP agent's side of an enforcement client's registration. Windows' NAP agent
/// provides the object (`CLSID_NapEnforcementClientBinding`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientBinding {
    pub lpVtbl: *const INapEnforcementClientBindingVtbl,
}

/// The methods of `INapEnforcementClientCallback`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientCallbackVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientCallback,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientCallback) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientCallback) -> ULONG>,
    pub NotifySoHChange: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientCallback) -> HRESULT>,
    pub GetConnections: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientCallback,
            connections: *mut *mut Connections,
        ) -> HRESULT,
    >,
}

/// Implemented by an enforcement client: the NAP agent asks it for its connections and
/// tells it when the SoHs it should send have changed.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientCallback {
    pub lpVtbl: *const INapEnforcementClientCallbackVtbl,
}

/// The methods of `INapEnforcementClientConnection2`, in Windows' order.
///
/// Base interface: `INapEnforcementClientConnection`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientConnection2Vtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2, id: EnforcementEntityId) -> HRESULT,
    >,
    pub SetMaxSize: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2, maxSize: ProtocolMaxSize) -> HRESULT,
    >,
    pub GetMaxSize: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            maxSize: *mut ProtocolMaxSize,
        ) -> HRESULT,
    >,
    pub SetFlags:
        Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2, flags: UINT8) -> HRESULT>,
    pub GetFlags:
        Option<unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2, flags: *mut UINT8) -> HRESULT>,
    pub SetConnectionId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            connectionId: *const ConnectionId,
        ) -> HRESULT,
    >,
    pub GetConnectionId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            connectionId: *mut *mut ConnectionId,
        ) -> HRESULT,
    >,
    pub GetCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            correlationId: *mut CorrelationId,
        ) -> HRESULT,
    >,
    pub GetStringCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            correlationId: *mut *mut StringCorrelationId,
        ) -> HRESULT,
    >,
    pub SetCorrelationId: Option<
        unsafe extern "system" fn(This: *mut INapEnforcementClientConnection2, correlationId: CorrelationId) -> HRESULT,
    >,
    pub SetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            sohRequest: *const NetworkSoHRequest,
        ) -> HRESULT,
    >,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            sohRequest: *mut *mut NetworkSoHRequest,
        ) -> HRESULT,
    >,
    pub SetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            sohResponse: *const NetworkSoHResponse,
        ) -> HRESULT,
    >,
    pub GetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            sohResponse: *mut *mut NetworkSoHResponse,
        ) -> HRESULT,
    >,
    pub SetIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            isolationInfo: *const IsolationInfo,
        ) -> HRESULT,
    >,
    pub GetIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            isolationInfo: *mut *mut IsolationInfo,
        ) -> HRESULT,
    >,
    pub SetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            privateData: *const PrivateData,
        ) -> HRESULT,
    >,
    pub GetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            privateData: *mut *mut PrivateData,
        ) -> HRESULT,
    >,
    pub SetEnforcerPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            privateData: *const PrivateData,
        ) -> HRESULT,
    >,
    pub GetEnforcerPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            privateData: *mut *mut PrivateData,
        ) -> HRESULT,
    >,
    pub SetIsolationInfoEx: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            isolationInfo: *const IsolationInfoEx,
        ) -> HRESULT,
    >,
    pub GetIsolationInfoEx: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            isolationInfo: *mut *mut IsolationInfoEx,
        ) -> HRESULT,
    >,
    pub GetInstalledShvs: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            count: *mut SystemHealthEntityCount,
            ids: *mut *mut SystemHealthEntityId,
        ) -> HRESULT,
    >,
    pub SetInstalledShvs: Option<
        unsafe extern "system" fn(
            This: *mut INapEnforcementClientConnection2,
            count: SystemHealthEntityCount,
            ids: *mut SystemHealthEntityId,
        ) -> HRESULT,
    >,
}

/// `INapEnforcementClientConnection` with the extended isolation state and the list
/// of installed validators.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientConnection2 {
    pub lpVtbl: *const INapEnforcementClientConnection2Vtbl,
}
