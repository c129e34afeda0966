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
    /// Starts a packet (a request when `isRequest` is TRUE, else a
    /// response) whose first attribute is `sohAttributeTypeSystemHealthId`
    /// = `id`. Called once per packet; a second call starts over, dropping
    /// the attributes appended before. `S_OK`.
    pub Initialize: Option<
        unsafe extern "system" fn(This: *mut INapSoHConstructor, id: SystemHealthEntityId, isRequest: BOOL) -> HRESULT,
    >,
    /// Appends an attribute of type `type` holding a deep copy of `*value`
    /// (the caller may reuse or free `value` at once). `E_POINTER` for a
    /// NULL `value`; `NAP_E_NOT_INITIALIZED` before `Initialize`;
    /// `E_INVALIDARG`, with nothing appended, for
    /// `sohAttributeTypeSystemHealthId` (which `Initialize` adds) or a
    /// `type` that is not a `SoHAttributeType`, for a value that has no
    /// encoding (a count over its limit, octets over `maxSoHAttributeSize`,
    /// NULL data behind a non-zero count), when the packet would exceed
    /// `maxSoHAttributeCount` attributes or `maxNetworkSoHSize` bytes, and
    /// for a second `sohAttributeTypeIpv4FixupServers` or
    /// `sohAttributeTypeIpv6FixupServers` in a response. Vendor-specific
    /// data is not interpreted: encrypt or sign private data there, never
    /// in the attributes NAP itself reads.
    pub AppendAttribute: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHConstructor,
            r#type: SoHAttributeType,
            value: *const SoHAttributeValue,
        ) -> HRESULT,
    >,
    /// Sets `*soh` to a new SoH holding the packet's attributes so far
    /// (task memory: free it with `FreeSoH`); each attribute's `size` is
    /// its value's length on the wire. The object keeps its packet:
    /// `AppendAttribute` and `GetSoH` may go on. `E_POINTER` for a NULL
    /// `soh`, `NAP_E_NOT_INITIALIZED` before `Initialize`, `E_OUTOFMEMORY`;
    /// `*soh` is written only on success.
    pub GetSoH: Option<unsafe extern "system" fn(This: *mut INapSoHConstructor, soh: *mut *mut SoH) -> HRESULT>,
    /// Checks a SoH, whoever built it: `S_OK` when it has 1 to
    /// `maxSoHAttributeCount` attributes, the first being
    /// `sohAttributeTypeSystemHealthId`, every value encodable (an
    /// attribute whose type is not a `SoHAttributeType` is `size` raw bytes
    /// at `value`), the whole at most `maxNetworkSoHSize` bytes on the wire,
    /// and, for a response (`isRequest` FALSE), at most one
    /// `sohAttributeTypeIpv4FixupServers` and one
    /// `sohAttributeTypeIpv6FixupServers`; `NAP_E_INVALID_PACKET`
    /// otherwise; `E_POINTER` for a NULL `soh`. Independent of the object's
    /// packet.
    pub Validate:
        Option<unsafe extern "system" fn(This: *mut INapSoHConstructor, soh: *const SoH, isRequest: BOOL) -> HRESULT>,
}

/// Builds a statement of health (SoH) attribute by attribute: what a system health
/// agent's request and a validator's response are made with. Create one with
/// `CoCreateInstance(CLSID_NapSoHConstructor, ...)`; see the methods in its vtable.
///
/// The library's objects are reference counted (freed when `Release` reaches 0),
/// may be used from several threads at once, and are listed by the leak report
/// while alive. A method called through a pointer to an object already released
/// answers `E_POINTER` (`AddRef` and `Release` answer 0) and reports the misuse;
/// `CoTaskMemFree` of an object is refused and reported.
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
    /// Takes in a deep copy of `*soh` (the caller may free it at once) and
    /// sets `*id` to its system health id. `NAP_E_INVALID_PACKET` for a SoH
    /// that `INapSoHConstructor::Validate` would refuse (the object keeps
    /// what it had); `E_POINTER` for a NULL `soh` or `id`. Called once per
    /// packet; a second call replaces the packet.
    pub Initialize: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHProcessor,
            soh: *const SoH,
            isRequest: BOOL,
            id: *mut SystemHealthEntityId,
        ) -> HRESULT,
    >,
    /// Sets `*attributeLocation` to the first position at or after
    /// `fromLocation` (positions count from 0, the system health id being
    /// at 0) holding an attribute of type `type`, and answers `S_OK`;
    /// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)` when there is none
    /// (also when `fromLocation` is at or past the end), leaving
    /// `*attributeLocation` alone. `E_POINTER` for a NULL
    /// `attributeLocation`, `NAP_E_NOT_INITIALIZED` before `Initialize`.
    pub FindNextAttribute: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHProcessor,
            fromLocation: UINT16,
            r#type: SoHAttributeType,
            attributeLocation: *mut UINT16,
        ) -> HRESULT,
    >,
    /// Sets `*type` and `*value` to the type and a new copy of the value
    /// of the attribute at `attributeLocation` (task memory: free it with
    /// `FreeSoHAttributeValue(*type, *value)`). For an attribute whose type
    /// is not a `SoHAttributeType`, `*value` is a block of its raw bytes
    /// (NULL when there are none). `E_INVALIDARG` for a position past the
    /// end, `E_POINTER` for a NULL `type` or `value`,
    /// `NAP_E_NOT_INITIALIZED` before `Initialize`, `E_OUTOFMEMORY`; the
    /// out-pointers are written only on success.
    pub GetAttribute: Option<
        unsafe extern "system" fn(
            This: *mut INapSoHProcessor,
            attributeLocation: UINT16,
            r#type: *mut SoHAttributeType,
            value: *mut *mut SoHAttributeValue,
        ) -> HRESULT,
    >,
    /// Sets `*attributeCount` to the number of attributes, the system
    /// health id included. `E_POINTER` for a NULL `attributeCount`,
    /// `NAP_E_NOT_INITIALIZED` before `Initialize`.
    pub GetNumberOfAttributes:
        Option<unsafe extern "system" fn(This: *mut INapSoHProcessor, attributeCount: *mut UINT16) -> HRESULT>,
}

/// Reads the attributes of a statement of health (SoH): what a validator reads a
/// request with and a system health agent a response. Create one with
/// `CoCreateInstance(CLSID_NapSoHProcessor, ...)`; see the methods in its vtable.
/// Objects behave as `INapSoHConstructor`'s do (reference counting, threads,
/// leak report, calls after the last `Release`).
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSoHProcessor {
    pub lpVtbl: *const INapSoHProcessorVtbl,
}
