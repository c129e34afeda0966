//! The COM interfaces of Windows' `NapCertRelyingParty.h`, as C sees them (see `com.rs`).
//!
//! Plain layouts: a struct whose only member is `lpVtbl`, and a vtable of
//! `extern "system"` function pointers in Windows' method order. In C++ the header
//! declares the same interfaces as classes, generated from these vtables.

#![allow(non_snake_case, non_camel_case_types, non_upper_case_globals)]

use super::base::{BOOL, CONST_BSTR, HRESULT, REFIID, UINT32, ULONG, VARIANT};
use super::nap::{EnforcementEntityCount, EnforcementEntityId};
use core::ffi::c_void;

/// The certificate property id (`CERT_FIRST_USER_PROP_ID`) under which NAP
/// stores a health certificate's AFW zone.
pub const NapAfwZonePropId: UINT32 = 0x8000;
/// The certificate property id under which NAP stores a health certificate's
/// AFW protection level (`CERT_FIRST_USER_PROP_ID + 1`).
pub const NapAfwProtectionLevelPropId: UINT32 = 0x8001;

/// The methods of `INapCertRelyingParty`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapCertRelyingPartyVtbl {
    pub QueryInterface: Option<
        unsafe extern "system" fn(
            This: *mut INapCertRelyingParty,
            riid: REFIID,
            ppvObject: *mut *mut c_void,
        ) -> HRESULT,
    >,
    pub AddRef: Option<unsafe extern "system" fn(This: *mut INapCertRelyingParty) -> ULONG>,
    pub Release: Option<unsafe extern "system" fn(This: *mut INapCertRelyingParty) -> ULONG>,
    pub SubscribeCertByGroup: Option<
        unsafe extern "system" fn(
            This: *mut INapCertRelyingParty,
            id: EnforcementEntityId,
            subscriberName: CONST_BSTR,
            reserved: *const VARIANT,
            certExists: *mut BOOL,
        ) -> HRESULT,
    >,
    pub UnSubscribeCertByGroup: Option<
        unsafe extern "system" fn(
            This: *mut INapCertRelyingParty,
            id: EnforcementEntityId,
            reserved: *const VARIANT,
        ) -> HRESULT,
    >,
    pub GetSubscribedRelyingParties: Option<
        unsafe extern "system" fn(
            This: *mut INapCertRelyingParty,
            count: *mut EnforcementEntityCount,
            relyingParties: *mut *mut EnforcementEntityId,
        ) -> HRESULT,
    >,
}

/// Subscription of an enforcement client to health certificates. Windows provides the
/// object (`CLSID_NapCertRelyingParty`); this library does not.
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapCertRelyingParty {
    pub lpVtbl: *const INapCertRelyingPartyVtbl,
}
