//! The COM interfaces of Windows' `NapServerManagement.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{CLSID, HRESULT, REFIID, ULONG};
use super::nap::{
    CountedString, FailureCategoryMapping, NapComponentRegistrationInfo, SystemHealthEntityCount, SystemHealthEntityId,
};
use core::ffi::c_void;

/// The methods of `INapServerManagement`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapServerManagementVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapServerManagement,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapServerManagement) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapServerManagement) -> ULONG>,
    pub RegisterSystemHealthValidator: Option<
        unsafe extern "system" fn(
            This: *mut INapServerManagement,
            validator: *const NapComponentRegistrationInfo,
            validatorClsid: *const CLSID,
        ) -> HRESULT,
    >,
    pub UnregisterSystemHealthValidator:
        Option<unsafe extern "system" fn(This: *mut INapServerManagement, id: SystemHealthEntityId) -> HRESULT>,
    pub SetFailureCategoryMappings: Option<
        unsafe extern "system" fn(
            This: *mut INapServerManagement,
            id: SystemHealthEntityId,
            mapping: FailureCategoryMapping,
        ) -> HRESULT,
    >,
}

/// Server-side registration of validators. Windows provides the object
/// (`CLSID_NapServerManagement`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapServerManagement {
    pub lpVtbl: *const INapServerManagementVtbl,
}

/// The methods of `INapServerInfo`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapServerInfoVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut INapServerInfo, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapServerInfo) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapServerInfo) -> ULONG>,
    pub GetNapServerInfo: Option<
        unsafe extern "system" fn(
            This: *mut INapServerInfo,
            serverName: *mut *mut CountedString,
            serverDescription: *mut *mut CountedString,
            protocolVersion: *mut *mut CountedString,
        ) -> HRESULT,
    >,
    pub GetRegisteredSystemHealthValidators: Option<
        unsafe extern "system" fn(
            This: *mut INapServerInfo,
            count: *mut SystemHealthEntityCount,
            validators: *mut *mut NapComponentRegistrationInfo,
            validatorClsids: *mut *mut CLSID,
        ) -> HRESULT,
    >,
    pub GetFailureCategoryMappings: Option<
        unsafe extern "system" fn(
            This: *mut INapServerInfo,
            id: SystemHealthEntityId,
            mapping: *mut FailureCategoryMapping,
        ) -> HRESULT,
    >,
}

/// Server-side queries about the registered validators. Windows provides the object
/// (`CLSID_NapServerInfo`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapServerInfo {
    pub lpVtbl: *const INapServerInfoVtbl,
}
