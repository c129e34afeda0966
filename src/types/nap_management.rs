//! The COM interfaces of Windows' `NapManagement.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, HRESULT, REFIID, ULONG};
use super::nap::{
    CountedString, EnforcementEntityCount, EnforcementEntityId, IsolationInfo, IsolationInfoEx,
    NapComponentRegistrationInfo, SystemHealthEntityCount, SystemHealthEntityId,
};
use core::ffi::c_void;

/// The methods of `INapClientManagement`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapClientManagementVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapClientManagement) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapClientManagement) -> ULONG>,
    pub GetNapClientInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            isNapEnabled: *mut BOOL,
            clientName: *mut *mut CountedString,
            clientDescription: *mut *mut CountedString,
            protocolVersion: *mut *mut CountedString,
        ) -> HRESULT,
    >,
    pub GetSystemIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            isolationInfo: *mut *mut IsolationInfo,
            unknownConnections: *mut BOOL,
        ) -> HRESULT,
    >,
    pub RegisterSystemHealthAgent: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            agent: *const NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub UnregisterSystemHealthAgent:
        Option<unsafe extern "system" fn(This: *mut INapClientManagement, id: SystemHealthEntityId) -> HRESULT>,
    pub RegisterEnforcementClient: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            enforcer: *const NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub UnregisterEnforcementClient:
        Option<unsafe extern "system" fn(This: *mut INapClientManagement, id: EnforcementEntityId) -> HRESULT>,
    pub GetRegisteredSystemHealthAgents: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            count: *mut SystemHealthEntityCount,
            agents: *mut *mut NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub GetRegisteredEnforcementClients: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement,
            count: *mut EnforcementEntityCount,
            enforcers: *mut *mut NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
}

/// Client-side NAP management: registration of agents and enforcement clients and the
/// machine's isolation state. Windows provides the object (`CLSID_NapClientManagement`);
/// this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapClientManagement {
    pub lpVtbl: *const INapClientManagementVtbl,
}

/// The methods of `INapClientManagement2`, in Windows' order.
///
/// Base interface: `INapClientManagement`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapClientManagement2Vtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapClientManagement2) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapClientManagement2) -> ULONG>,
    pub GetNapClientInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            isNapEnabled: *mut BOOL,
            clientName: *mut *mut CountedString,
            clientDescription: *mut *mut CountedString,
            protocolVersion: *mut *mut CountedString,
        ) -> HRESULT,
    >,
    pub GetSystemIsolationInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            isolationInfo: *mut *mut IsolationInfo,
            unknownConnections: *mut BOOL,
        ) -> HRESULT,
    >,
    pub RegisterSystemHealthAgent: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            agent: *const NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub UnregisterSystemHealthAgent:
        Option<unsafe extern "system" fn(This: *mut INapClientManagement2, id: SystemHealthEntityId) -> HRESULT>,
    pub RegisterEnforcementClient: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            enforcer: *const NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub UnregisterEnforcementClient:
        Option<unsafe extern "system" fn(This: *mut INapClientManagement2, id: EnforcementEntityId) -> HRESULT>,
    pub GetRegisteredSystemHealthAgents: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            count: *mut SystemHealthEntityCount,
            agents: *mut *mut NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub GetRegisteredEnforcementClients: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            count: *mut EnforcementEntityCount,
            enforcers: *mut *mut NapComponentRegistrationInfo,
        ) -> HRESULT,
    >,
    pub GetSystemIsolationInfoEx: Option<
        unsafe extern "system" fn(
            This: *mut INapClientManagement2,
            isolationInfo: *mut *mut IsolationInfoEx,
            unknownConnections: *mut BOOL,
        ) -> HRESULT,
    >,
}

/// `INapClientManagement` with the extended isolation state.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapClientManagement2 {
    pub lpVtbl: *const INapClientManagement2Vtbl,
}
