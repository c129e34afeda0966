//! The COM interfaces of Windows' `NapCommon.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, BYTE, HRESULT, HWND, REFIID, UINT16, UINT32, UINT8, ULONG};
use super::nap::{CountedString, MessageId};
use core::ffi::c_void;

/// The methods of `INapComponentConfig`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentConfigVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut INapComponentConfig, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapComponentConfig) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapComponentConfig) -> ULONG>,
    pub IsUISupported:
        Option<unsafe extern "system" fn(This: *mut INapComponentConfig, isSupported: *mut BOOL) -> HRESULT>,
    pub InvokeUI: Option<unsafe extern "system" fn(This: *mut INapComponentConfig, hwndParent: HWND) -> HRESULT>,
    pub GetConfig: Option<
        unsafe extern "system" fn(This: *mut INapComponentConfig, bCount: *mut UINT16, data: *mut *mut BYTE) -> HRESULT,
    >,
    pub SetConfig:
        Option<unsafe extern "system" fn(This: *mut INapComponentConfig, bCount: UINT16, data: *mut BYTE) -> HRESULT>,
}

/// Implemented by a NAP component that has configuration: a configuration UI and the
/// configuration as bytes.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentConfig {
    pub lpVtbl: *const INapComponentConfigVtbl,
}

/// The methods of `INapComponentInfo`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentInfoVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut INapComponentInfo, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapComponentInfo) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapComponentInfo) -> ULONG>,
    pub GetFriendlyName:
        Option<unsafe extern "system" fn(This: *mut INapComponentInfo, friendlyName: *mut MessageId) -> HRESULT>,
    pub GetDescription:
        Option<unsafe extern "system" fn(This: *mut INapComponentInfo, description: *mut MessageId) -> HRESULT>,
    pub GetVendorName:
        Option<unsafe extern "system" fn(This: *mut INapComponentInfo, vendorName: *mut MessageId) -> HRESULT>,
    pub GetVersion: Option<unsafe extern "system" fn(This: *mut INapComponentInfo, version: *mut MessageId) -> HRESULT>,
    pub GetIcon: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentInfo,
            dllFilePath: *mut *mut CountedString,
            iconResourceId: *mut UINT32,
        ) -> HRESULT,
    >,
    pub ConvertErrorCodeToMessageId: Option<
        unsafe extern "system" fn(This: *mut INapComponentInfo, errorCode: HRESULT, msgId: *mut MessageId) -> HRESULT,
    >,
    pub GetLocalizedString: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentInfo,
            msgId: MessageId,
            string: *mut *mut CountedString,
        ) -> HRESULT,
    >,
}

/// Implemented by a NAP component: its names, version, icon and messages, for
/// management tools.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentInfo {
    pub lpVtbl: *const INapComponentInfoVtbl,
}

/// The methods of `INapComponentConfig2`, in Windows' order.
///
/// Base interface: `INapComponentConfig`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentConfig2Vtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig2,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapComponentConfig2) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapComponentConfig2) -> ULONG>,
    pub IsUISupported:
        Option<unsafe extern "system" fn(This: *mut INapComponentConfig2, isSupported: *mut BOOL) -> HRESULT>,
    pub InvokeUI: Option<unsafe extern "system" fn(This: *mut INapComponentConfig2, hwndParent: HWND) -> HRESULT>,
    pub GetConfig: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig2,
            bCount: *mut UINT16,
            data: *mut *mut BYTE,
        ) -> HRESULT,
    >,
    pub SetConfig:
        Option<unsafe extern "system" fn(This: *mut INapComponentConfig2, bCount: UINT16, data: *mut BYTE) -> HRESULT>,
    pub IsRemoteConfigSupported: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig2,
            isSupported: *mut BOOL,
            remoteConfigType: *mut UINT8,
        ) -> HRESULT,
    >,
    pub InvokeUIForMachine: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig2,
            hwndParent: HWND,
            machineName: *mut CountedString,
        ) -> HRESULT,
    >,
    pub InvokeUIFromConfigBlob: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig2,
            hwndParent: HWND,
            inbCount: UINT16,
            inData: *mut BYTE,
            outbCount: *mut UINT16,
            outdata: *mut *mut BYTE,
            fConfigChanged: *mut BOOL,
        ) -> HRESULT,
    >,
}

/// `INapComponentConfig` with remote configuration (another machine, or a
/// configuration blob).
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentConfig2 {
    pub lpVtbl: *const INapComponentConfig2Vtbl,
}

/// The methods of `INapComponentConfig3`, in Windows' order.
///
/// Base interface: `INapComponentConfig2`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentConfig3Vtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapComponentConfig3) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapComponentConfig3) -> ULONG>,
    pub IsUISupported:
        Option<unsafe extern "system" fn(This: *mut INapComponentConfig3, isSupported: *mut BOOL) -> HRESULT>,
    pub InvokeUI: Option<unsafe extern "system" fn(This: *mut INapComponentConfig3, hwndParent: HWND) -> HRESULT>,
    pub GetConfig: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            bCount: *mut UINT16,
            data: *mut *mut BYTE,
        ) -> HRESULT,
    >,
    pub SetConfig:
        Option<unsafe extern "system" fn(This: *mut INapComponentConfig3, bCount: UINT16, data: *mut BYTE) -> HRESULT>,
    pub IsRemoteConfigSupported: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            isSupported: *mut BOOL,
            remoteConfigType: *mut UINT8,
        ) -> HRESULT,
    >,
    pub InvokeUIForMachine: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            hwndParent: HWND,
            machineName: *mut CountedString,
        ) -> HRESULT,
    >,
    pub InvokeUIFromConfigBlob: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            hwndParent: HWND,
            inbCount: UINT16,
            inData: *mut BYTE,
            outbCount: *mut UINT16,
            outdata: *mut *mut BYTE,
            fConfigChanged: *mut BOOL,
        ) -> HRESULT,
    >,
    pub NewConfig: Option<unsafe extern "system" fn(This: *mut INapComponentConfig3, configID: UINT32) -> HRESULT>,
    pub DeleteConfig: Option<unsafe extern "system" fn(This: *mut INapComponentConfig3, configID: UINT32) -> HRESULT>,
    pub DeleteAllConfig: Option<unsafe extern "system" fn(This: *mut INapComponentConfig3) -> HRESULT>,
    pub GetConfigFromID: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            configID: UINT32,
            count: *mut UINT16,
            outdata: *mut *mut BYTE,
        ) -> HRESULT,
    >,
    pub SetConfigToID: Option<
        unsafe extern "system" fn(
            This: *mut INapComponentConfig3,
            configID: UINT32,
            count: UINT16,
            data: *mut BYTE,
        ) -> HRESULT,
    >,
}

/// `INapComponentConfig2` with several configurations, each with an id.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapComponentConfig3 {
    pub lpVtbl: *const INapComponentConfig3Vtbl,
}
