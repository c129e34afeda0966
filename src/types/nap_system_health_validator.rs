//! The COM interfaces of Windows' `NapSystemHealthValidator.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types)]

use super::base::{BOOL, HRESULT, REFIID, UINT32, ULONG};
use super::nap::{CorrelationId, CountedString, PrivateData, SoHRequest, SoHResponse, StringCorrelationId};
use core::ffi::c_void;

/// The methods of `INapSystemHealthValidator`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthValidatorVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidator,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthValidator) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthValidator) -> ULONG>,
    pub Validate: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidator,
            request: *mut INapSystemHealthValidationRequest,
            hintTimeOutInMsec: UINT32,
            callback: *mut INapServerCallback,
        ) -> HRESULT,
    >,
}

/// Implemented by a system health validator (SHV): checks a client's SoH and answers
/// through the `INapServerCallback` it is given.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthValidator {
    pub lpVtbl: *const INapSystemHealthValidatorVtbl,
}

/// The methods of `AsyncINapSystemHealthValidator`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct AsyncINapSystemHealthValidatorVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthValidator,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthValidator) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthValidator) -> ULONG>,
    pub Begin_Validate: Option<
        unsafe extern "system" fn(
            This: *mut AsyncINapSystemHealthValidator,
            request: *mut INapSystemHealthValidationRequest,
            hintTimeOutInMsec: UINT32,
            callback: *mut INapServerCallback,
        ) -> HRESULT,
    >,
    pub Finish_Validate: Option<unsafe extern "system" fn(This: *mut AsyncINapSystemHealthValidator) -> HRESULT>,
}

/// The asynchronous form of `INapSystemHealthValidator`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct AsyncINapSystemHealthValidator {
    pub lpVtbl: *const AsyncINapSystemHealthValidatorVtbl,
}

/// The methods of `INapServerCallback`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapServerCallbackVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(This: *mut INapServerCallback, riid: REFIID, ppvObject: *mut *mut c_void) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapServerCallback) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapServerCallback) -> ULONG>,
    pub OnComplete: Option<
        unsafe extern "system" fn(
            This: *mut INapServerCallback,
            request: *mut INapSystemHealthValidationRequest,
            errorCode: HRESULT,
        ) -> HRESULT,
    >,
}

/// Handed to a validator with each request; the validator reports through it that the
/// validation has finished.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapServerCallback {
    pub lpVtbl: *const INapServerCallbackVtbl,
}

/// The methods of `INapSystemHealthValidationRequest`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthValidationRequestVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthValidationRequest) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthValidationRequest) -> ULONG>,
    pub GetCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            correlationId: *mut CorrelationId,
        ) -> HRESULT,
    >,
    pub GetStringCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            correlationId: *mut *mut StringCorrelationId,
        ) -> HRESULT,
    >,
    pub GetMachineName: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            machineName: *mut *mut CountedString,
        ) -> HRESULT,
    >,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            sohRequest: *mut *mut SoHRequest,
            napSystemGenerated: *mut BOOL,
        ) -> HRESULT,
    >,
    pub SetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            sohResponse: *const SoHResponse,
        ) -> HRESULT,
    >,
    pub GetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            sohResponse: *mut *mut SoHResponse,
        ) -> HRESULT,
    >,
    pub SetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            privateData: *const PrivateData,
        ) -> HRESULT,
    >,
    pub GetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest,
            privateData: *mut *mut PrivateData,
        ) -> HRESULT,
    >,
}

/// One validation as a system health validator sees it: the client's SoH request and
/// the SoH response it sets.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthValidationRequest {
    pub lpVtbl: *const INapSystemHealthValidationRequestVtbl,
}

/// The methods of `INapSystemHealthValidationRequest2`, in Windows' order.
///
/// Base interface: `INapSystemHealthValidationRequest`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthValidationRequest2Vtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapSystemHealthValidationRequest2) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapSystemHealthValidationRequest2) -> ULONG>,
    pub GetCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            correlationId: *mut CorrelationId,
        ) -> HRESULT,
    >,
    pub GetStringCorrelationId: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            correlationId: *mut *mut StringCorrelationId,
        ) -> HRESULT,
    >,
    pub GetMachineName: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            machineName: *mut *mut CountedString,
        ) -> HRESULT,
    >,
    pub GetSoHRequest: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            sohRequest: *mut *mut SoHRequest,
            napSystemGenerated: *mut BOOL,
        ) -> HRESULT,
    >,
    pub SetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            sohResponse: *const SoHResponse,
        ) -> HRESULT,
    >,
    pub GetSoHResponse: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            sohResponse: *mut *mut SoHResponse,
        ) -> HRESULT,
    >,
    pub SetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            privateData: *const PrivateData,
        ) -> HRESULT,
    >,
    pub GetPrivateData: Option<
        unsafe extern "system" fn(
            This: *mut INapSystemHealthValidationRequest2,
            privateData: *mut *mut PrivateData,
        ) -> HRESULT,
    >,
    pub GetConfigID: Option<
        unsafe extern "system" fn(This: *mut INapSystemHealthValidationRequest2, configID: *mut UINT32) -> HRESULT,
    >,
}

/// `INapSystemHealthValidationRequest` with the id of the configuration to validate
/// against.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapSystemHealthValidationRequest2 {
    pub lpVtbl: *const INapSystemHealthValidationRequest2Vtbl,
}
