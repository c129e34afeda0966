//! The COM interfaces of Windows' `NapProtocol.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, HRESULT, REFIID, UINT16, ULONG};
use super::nap::{SoH, SoHAttributeType, SoHAttributeValue, SystemHealthEntityId};
use core::ffi::c_void;

/// The methods of `INapSoHConstructor`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSoHConstructorVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut INapSoHConstructor, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSoHConstructor) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSoHConstructor) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(This: *mut INapSoHConstructor, id: SystemHealthEntityId, isRequest: BOOL) -> HRESULT,
    >,
    pub AppendAttribute: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHConstructor,
            r#type: SoHAttributeType,
            value: *const SoHAttributeValue,
        ) -> HRESULT,
    >,
    pub GetSoH: Option<unsafe extern "system" fn(This: *mut INapSoHConstructor, soh: *mut *mut SoH) -> HRESULT>,
    pub Validate:
        Option<unsafe extern "system" fn(This: *mut INapSoHConstructor, soh: *const SoH, isRequest: BOOL) -> HRESULT>,
}

/// Builds a statement of health (SoH) attribute by attribute. Windows provides the
/// object (`CLSID_NapSoHConstructor`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSoHConstructor {
    pub lpVtbl: *const INapSoHConstructorVtbl,
}

/// The methods of `INapSoHProcessor`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSoHProcessorVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut INapSoHProcessor, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSoHProcessor) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSoHProcessor) -> ULONG>,
    pub Initialize: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHProcessor,
            soh: *const SoH,
            isRequest: BOOL,
            id: *mut SystemHealthEntityId,
        ) -> HRESULT,
    >,
    pub FindNextAttribute: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHProcessor,
            fromLocation: UINT16,
            r#type: SoHAttributeType,
            attributeLocation: *mut UINT16,
        ) -> HRESULT,
    >,
    pub GetAttribute: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHProcessor,
            attributeLocation: UINT16,
            r#type: *mut SoHAttributeType,
            value: *mut *mut SoHAttributeValue,
        ) -> HRESULT,
    >,
    pub GetNumberOfAttributes:
        Option<unsafe extern "system" fn(This: *mut INapSoHProcessor, attributeCount: *mut UINT16) -> HRESULT>,
}

/// Reads the attributes of a statement of health (SoH). Windows provides the object
/// (`CLSID_NapSoHProcessor`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSoHProcessor {
    pub lpVtbl: *const INapSoHProcessorVtbl,
}
