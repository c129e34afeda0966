//! The types and constants of Windows' `NapTypes.h`, `NapProtocol.h`,
//! `NapEnforcementClient.h` and `NapError.h`, with Windows' names, field
//! order and Windows x64 layout.
//!
//! # How Rust names become header names
//!
//! cbindgen writes the header from these definitions. Two things cannot be
//! spelled directly in Rust, so they follow one convention: **a Rust type
//! alias that is excluded from the header (`[export] exclude`) and renamed
//! to its C spelling (`[export.rename]`)**. cbindgen prints the renamed
//! spelling wherever the alias is used and never emits the alias itself.
//!
//! 1. **Enums.** A C enum value the library does not know must not be
//!    undefined behaviour in Rust, so no field or parameter has a Rust enum
//!    type. Each enum comes in two parts:
//!    - `tagX`, a `#[repr(C)]` Rust enum named after Windows' tag, which
//!      exists only so the header gets the real C enum; it is renamed to `X`
//!      and emitted as `typedef enum X { ... } X;`. Rust code only reads its
//!      discriminants (`tagX::name as X`) or converts with `tagX::from_raw`,
//!      which answers `None` for values it does not know.
//!    - `X`, a `u32` alias (C enums are 32 bits on every supported ABI) used
//!      for every field and parameter. It is excluded, so the header shows
//!      the enum's name there.
//! 2. **`WINAPI`.** The calling convention must sit between the return type
//!    and the name (`HRESULT WINAPI Foo(...)`), where cbindgen has no hook.
//!    Exported functions therefore return [`WINAPI_HRESULT`] or
//!    [`WINAPI_VOID`], which are `HRESULT` and `()` in Rust and are renamed
//!    to `HRESULT WINAPI` and `void WINAPI` in the header. (cbindgen only
//!    reads `extern "C"` functions; `build.rs` lets it read the crate's
//!    `extern "system"` ones.)
//!
//! Every alias of this kind is listed in `cbindgen.toml`; a new one must be
//! added there in both `exclude` and `rename`.
//!
//! Struct and union tags: the header declares each type as
//! `typedef struct X { ... } X;`, so `X` and `struct X` both work. Windows'
//! tag names (`struct tagSoH`) are not provided, except for the four structs
//! nested in `SoHAttributeValue`, whose only names on Windows are their tags.

#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

use super::base::{BOOL, BYTE, CLSID, DWORD, FILETIME, GUID, HRESULT, REFIID, UINT16, UINT32, UINT8, ULONG, WCHAR};
use core::ffi::c_void;

/// Return type of an exported function that returns an `HRESULT`; the
/// header spells it `HRESULT WINAPI` (see the module documentation).
pub type WINAPI_HRESULT = HRESULT;

/// Return type of an exported function that returns nothing; the header
/// spells it `void WINAPI` (see the module documentation).
pub type WINAPI_VOID = ();

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/// `SystemHealthAgentState`/`SoH` flag: the SoH was freshly requested.
pub const freshSoHRequest: u32 = 1;
/// Flag marking a fix-up performed by a system health agent.
pub const shaFixup: u32 = 1;
/// `FixupInfo.percentage` value meaning "progress not reported".
pub const percentageNotSupported: u32 = 101;
/// Most attributes one `SoH` may carry.
pub const maxSoHAttributeCount: u32 = 100;
/// Largest size in bytes of one SoH attribute.
pub const maxSoHAttributeSize: u32 = 4000;
/// Smallest size in bytes of a `NetworkSoH`.
pub const minNetworkSoHSize: u32 = 12;
/// Largest size in bytes of a `NetworkSoH`.
pub const maxNetworkSoHSize: u32 = 4000;
/// Most DWORD-sized values (e.g. result codes) in one SoH attribute
/// (`maxSoHAttributeSize / sizeof(DWORD)`).
pub const maxDwordCountPerSoHAttribute: u32 = maxSoHAttributeSize / 4;
/// Most IPv4 addresses in one SoH attribute.
pub const maxIpv4CountPerSoHAttribute: u32 = maxSoHAttributeSize / 4;
/// Most IPv6 addresses in one SoH attribute.
pub const maxIpv6CountPerSoHAttribute: u32 = maxSoHAttributeSize / 16;
/// Longest `CountedString`, in UTF-16 code units, terminator excluded.
pub const maxStringLength: u32 = 1024;
/// Bytes of the longest `CountedString` including its terminator.
pub const maxStringLengthInBytes: u32 = (maxStringLength + 1) * 2;
/// Most system health entities (agents or validators) on one machine.
pub const maxSystemHealthEntityCount: u32 = 20;
/// Most enforcement clients on one machine.
pub const maxEnforcerCount: u32 = 20;
/// Largest `PrivateData`, in bytes.
pub const maxPrivateDataSize: u32 = 200;
/// Most connections one enforcement client may report in `Connections`.
pub const maxConnectionCountPerEnforcer: u32 = 20;
/// Most SoHs the NAP agent caches.
pub const maxCachedSoHCount: u32 = maxSystemHealthEntityCount * maxEnforcerCount * maxConnectionCountPerEnforcer;
/// Number of entries in `FailureCategoryMapping.mappingCompliance`.
pub const failureCategoryCount: usize = 5;
/// `NapComponentRegistrationInfo.componentType`: enforcement client that
/// sends SoHs.
pub const ComponentTypeEnforcementClientSoH: u32 = 1;
/// `NapComponentRegistrationInfo.componentType`: enforcement client that
/// uses a remote protocol.
pub const ComponentTypeEnforcementClientRp: u32 = 2;
/// Default maximum size in bytes of a SoH exchanged over a connection.
pub const defaultProtocolMaxSize: u32 = 4000;
/// Smallest value `INapEnforcementClientConnection::SetMaxSize` accepts.
pub const minProtocolMaxSize: u32 = 300;
/// Largest value `INapEnforcementClientConnection::SetMaxSize` accepts.
pub const maxProtocolMaxSize: u32 = 0xffff;

// ---------------------------------------------------------------------------
// NapError.h: HRESULT codes of facility 0x27 (FACILITY_NAP)
// ---------------------------------------------------------------------------

/// `0x80270001`: the packet is not valid.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_INVALID_PACKET: HRESULT = 0x8027_0001_u32 as HRESULT;
/// `0x80270002`: a SoH was expected but is missing.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_MISSING_SOH: HRESULT = 0x8027_0002_u32 as HRESULT;
/// `0x80270003`: the entity id conflicts with one already registered.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_CONFLICTING_ID: HRESULT = 0x8027_0003_u32 as HRESULT;
/// `0x80270004`: no cached SoH is available.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_NO_CACHED_SOH: HRESULT = 0x8027_0004_u32 as HRESULT;
/// `0x80270005`: the entity is still bound to the NAP system.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_STILL_BOUND: HRESULT = 0x8027_0005_u32 as HRESULT;
/// `0x80270006`: the entity is not registered.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_NOT_REGISTERED: HRESULT = 0x8027_0006_u32 as HRESULT;
/// `0x80270007`: the entity has not been initialized.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_NOT_INITIALIZED: HRESULT = 0x8027_0007_u32 as HRESULT;
/// `0x80270008`: the correlation id in a SoH response does not match the request.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_MISMATCHED_ID: HRESULT = 0x8027_0008_u32 as HRESULT;
/// `0x80270009`: no request is pending.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_NOT_PENDING: HRESULT = 0x8027_0009_u32 as HRESULT;
/// `0x8027000A`: the id was not found.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_ID_NOT_FOUND: HRESULT = 0x8027_000A_u32 as HRESULT;
/// `0x8027000B`: the maximum size is too small to hold the SoH.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_MAXSIZE_TOO_SMALL: HRESULT = 0x8027_000B_u32 as HRESULT;
/// `0x8027000C`: the NAP agent service is not running.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_SERVICE_NOT_RUNNING: HRESULT = 0x8027_000C_u32 as HRESULT;
/// `0x0027000D`: success: the certificate is already present.
#[cfg(not(naputil_header_win32))]
pub const NAP_S_CERT_ALREADY_PRESENT: HRESULT = 0x0027_000D_u32 as HRESULT;
/// `0x8027000E`: the entity is disabled.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_ENTITY_DISABLED: HRESULT = 0x8027_000E_u32 as HRESULT;
/// `0x8027000F`: group policy prevents the netsh command.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_NETSH_GROUPPOLICY_ERROR: HRESULT = 0x8027_000F_u32 as HRESULT;
/// `0x80270010`: the call was made too often.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_TOO_MANY_CALLS: HRESULT = 0x8027_0010_u32 as HRESULT;
/// `0x80270011`: the validator configuration already exists.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_SHV_CONFIG_EXISTED: HRESULT = 0x8027_0011_u32 as HRESULT;
/// `0x80270012`: the validator configuration was not found.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_SHV_CONFIG_NOT_FOUND: HRESULT = 0x8027_0012_u32 as HRESULT;
/// `0x80270013`: the validator did not answer in time.
#[cfg(not(naputil_header_win32))]
pub const NAP_E_SHV_TIMEOUT: HRESULT = 0x8027_0013_u32 as HRESULT;

/// Win32 error `ERROR_ALREADY_INITIALIZED`; `InitializeNapAgentNotifier`
/// returns `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)` for a type that
/// already has a subscriber.
#[cfg(not(naputil_header_win32))]
pub const ERROR_ALREADY_INITIALIZED: DWORD = 1247;

// ---------------------------------------------------------------------------
// Enums (see the module documentation: `tagX` for the header, `X` for use)
// ---------------------------------------------------------------------------

/// How much network access a client has.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagIsolationState {
    isolationStateNotRestricted = 1,
    isolationStateInProbation = 2,
    isolationStateRestrictedAccess = 3,
}
pub type IsolationState = u32;

/// Why a client's isolation state is what it is.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagExtendedIsolationState {
    extendedIsolationStateNoData = 0,
    extendedIsolationStateTransition = 1,
    extendedIsolationStateInfected = 2,
    extendedIsolationStateUnknown = 3,
}
pub type ExtendedIsolationState = u32;

/// NAP tracing detail.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagNapTracingLevel {
    tracingLevelUndefined = 0,
    tracingLevelBasic = 1,
    tracingLevelAdvanced = 2,
    tracingLevelDebug = 3,
}
pub type NapTracingLevel = u32;

/// Where a health check failed.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagFailureCategory {
    failureCategoryNone = 0,
    failureCategoryOther = 1,
    failureCategoryClientComponent = 2,
    failureCategoryClientCommunication = 3,
    failureCategoryServerComponent = 4,
    failureCategoryServerCommunication = 5,
}
pub type FailureCategory = u32;

/// Progress of a fix-up.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagFixupState {
    fixupStateSuccess = 0,
    fixupStateInProgress = 1,
    fixupStateCouldNotUpdate = 2,
}
pub type FixupState = u32;

/// Which NAP agent change `InitializeNapAgentNotifier` subscribes to.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagNapNotifyType {
    napNotifyTypeUnknown = 0,
    /// The NAP agent service started or stopped.
    napNotifyTypeServiceState = 1,
    /// The machine's quarantine (isolation) state changed.
    napNotifyTypeQuarState = 2,
}
pub type NapNotifyType = u32;

impl tagNapNotifyType {
    /// The enumerator with value `raw`, or `None` for a value Windows does
    /// not define.
    pub const fn from_raw(raw: NapNotifyType) -> Option<Self> {
        match raw {
            0 => Some(Self::napNotifyTypeUnknown),
            1 => Some(Self::napNotifyTypeServiceState),
            2 => Some(Self::napNotifyTypeQuarState),
            _ => None,
        }
    }
}

/// What a remote configuration refers to.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagRemoteConfigurationType {
    remoteConfigTypeMachine = 1,
    remoteConfigTypeConfigBlob = 2,
}
pub type RemoteConfigurationType = u32;

/// The type of an SoH attribute; selects the `SoHAttributeValue` member
/// (see `FreeSoHAttributeValue`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagSoHAttributeType {
    /// `idVal`.
    sohAttributeTypeSystemHealthId = 2,
    /// `v4AddressesVal`.
    sohAttributeTypeIpv4FixupServers = 3,
    /// `codesVal`.
    sohAttributeTypeComplianceResultCodes = 4,
    /// `dateTimeVal`.
    sohAttributeTypeTimeOfLastUpdate = 5,
    /// `octetStringVal`.
    sohAttributeTypeClientId = 6,
    /// `vendorSpecificVal`.
    sohAttributeTypeVendorSpecific = 7,
    /// `uint8Val`.
    sohAttributeTypeHealthClass = 8,
    /// `octetStringVal`.
    sohAttributeTypeSoftwareVersion = 9,
    /// `octetStringVal`.
    sohAttributeTypeProductName = 10,
    /// `octetStringVal`.
    sohAttributeTypeHealthClassStatus = 11,
    /// `dateTimeVal`.
    sohAttributeTypeSoHGenerationTime = 12,
    /// `codesVal`.
    sohAttributeTypeErrorCodes = 13,
    /// `uint8Val`.
    sohAttributeTypeFailureCategory = 14,
    /// `v6AddressesVal`.
    sohAttributeTypeIpv6FixupServers = 15,
    /// `uint8Val`.
    sohAttributeTypeExtendedIsolationState = 16,
}
pub type SoHAttributeType = u32;

impl tagSoHAttributeType {
    /// The enumerator with value `raw`, or `None` for a value Windows does
    /// not define.
    pub const fn from_raw(raw: SoHAttributeType) -> Option<Self> {
        use tagSoHAttributeType::*;
        Some(match raw {
            2 => sohAttributeTypeSystemHealthId,
            3 => sohAttributeTypeIpv4FixupServers,
            4 => sohAttributeTypeComplianceResultCodes,
            5 => sohAttributeTypeTimeOfLastUpdate,
            6 => sohAttributeTypeClientId,
            7 => sohAttributeTypeVendorSpecific,
            8 => sohAttributeTypeHealthClass,
            9 => sohAttributeTypeSoftwareVersion,
            10 => sohAttributeTypeProductName,
            11 => sohAttributeTypeHealthClassStatus,
            12 => sohAttributeTypeSoHGenerationTime,
            13 => sohAttributeTypeErrorCodes,
            14 => sohAttributeTypeFailureCategory,
            15 => sohAttributeTypeIpv6FixupServers,
            16 => sohAttributeTypeExtendedIsolationState,
            _ => return None,
        })
    }
}

/// Health class carried by a `sohAttributeTypeHealthClass` attribute.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tagHealthClassValue {
    healthClassFirewall = 0,
    healthClassPatchLevel = 1,
    healthClassAntiVirus = 2,
    healthClassCriticalUpdate = 3,
    healthClassReserved = 128,
}
pub type HealthClassValue = u32;

// ---------------------------------------------------------------------------
// Simple aliases
// ---------------------------------------------------------------------------

/// When a probation period ends.
pub type ProbationTime = FILETIME;
/// Id of a message in a component's message resources.
pub type MessageId = UINT32;
/// Id of a NAP component (agent, validator or enforcer).
pub type NapComponentId = UINT32;
/// Id of a system health agent or validator.
pub type SystemHealthEntityId = NapComponentId;
/// Id of an enforcement client or server.
pub type EnforcementEntityId = NapComponentId;
/// Number of system health entities.
pub type SystemHealthEntityCount = UINT16;
/// Number of enforcement entities.
pub type EnforcementEntityCount = UINT16;
/// Id of a connection.
pub type ConnectionId = GUID;
/// A percentage 0..100, or `percentageNotSupported`.
pub type Percentage = UINT8;
/// Maximum SoH size of a connection (`minProtocolMaxSize`..`maxProtocolMaxSize`).
pub type ProtocolMaxSize = UINT32;

// ---------------------------------------------------------------------------
// Structs
// ---------------------------------------------------------------------------

/// A UTF-16 string with its length.
///
/// `length` counts code units before the terminating 0 (at most
/// `maxStringLength`). When the library allocates one, `string` is a
/// separate task-memory block (free it with `CoTaskMemFree`, or the whole
/// struct with `FreeCountedString`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CountedString {
    pub length: UINT16,
    pub string: *mut WCHAR,
}

/// A correlation id in string form.
pub type StringCorrelationId = CountedString;

/// A client's network access state. Free with `FreeIsolationInfo`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IsolationInfo {
    pub isolationState: IsolationState,
    pub probEndTime: ProbationTime,
    /// Where the user can learn how to regain access; may be empty.
    pub failureUrl: CountedString,
}

/// `IsolationInfo` with the extended state. Free with `FreeIsolationInfoEx`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IsolationInfoEx {
    pub isolationState: IsolationState,
    pub extendedIsolationState: ExtendedIsolationState,
    pub probEndTime: ProbationTime,
    pub failureUrl: CountedString,
}

/// For each `FailureCategory` after `failureCategoryNone`, whether a failure
/// of that category counts as compliant.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FailureCategoryMapping {
    pub mappingCompliance: [BOOL; failureCategoryCount],
}

/// Identifies one SoH exchange: the connection and when it happened.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CorrelationId {
    pub connId: GUID,
    pub timeStamp: FILETIME,
}

/// A counted array of HRESULTs.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ResultCodes {
    /// Number of entries in `results` (at most `maxDwordCountPerSoHAttribute`).
    pub count: UINT16,
    pub results: *mut HRESULT,
}

/// An IPv4 address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Ipv4Address {
    pub addr: [BYTE; 4],
}

/// An IPv6 address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Ipv6Address {
    pub addr: [BYTE; 16],
}

/// State of a fix-up. Allocate with `AllocFixupInfo`, free with
/// `FreeFixupInfo`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FixupInfo {
    pub state: FixupState,
    pub percentage: Percentage,
    pub resultCodes: ResultCodes,
    pub fixupMsgId: MessageId,
}

/// What one system health agent reports. Free with
/// `FreeSystemHealthAgentState`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SystemHealthAgentState {
    pub id: SystemHealthEntityId,
    pub shaResultCodes: ResultCodes,
    pub failureCategory: FailureCategory,
    pub fixupInfo: FixupInfo,
}

/// One attribute of a statement of health.
///
/// `type` is a `SoHAttributeType` value, `size` the size of the value in
/// bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SoHAttribute {
    pub r#type: UINT16,
    pub size: UINT16,
    pub value: *mut BYTE,
}

/// A statement of health: a counted array of attributes. Free with `FreeSoH`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SoH {
    /// Number of entries in `attributes` (at most `maxSoHAttributeCount`).
    pub count: UINT16,
    pub attributes: *mut SoHAttribute,
}

/// A SoH request.
pub type SoHRequest = SoH;
/// A SoH response.
pub type SoHResponse = SoH;

/// A statement of health in wire format. Free with `FreeNetworkSoH`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NetworkSoH {
    /// Bytes in `data` (`minNetworkSoHSize`..`maxNetworkSoHSize`).
    pub size: UINT16,
    pub data: *mut BYTE,
}

/// A network SoH request.
pub type NetworkSoHRequest = NetworkSoH;
/// A network SoH response.
pub type NetworkSoHResponse = NetworkSoH;

/// Opaque data an enforcer attaches to a connection. Free with
/// `FreePrivateData`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PrivateData {
    /// Bytes in `data` (at most `maxPrivateDataSize`).
    pub size: UINT16,
    pub data: *mut BYTE,
}

/// How a NAP component is registered. Arrays of these are freed with
/// `FreeNapComponentRegistrationInfoArray`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NapComponentRegistrationInfo {
    pub id: NapComponentId,
    pub friendlyName: CountedString,
    pub description: CountedString,
    pub version: CountedString,
    pub vendorName: CountedString,
    pub infoClsid: CLSID,
    pub configClsid: CLSID,
    pub registrationDate: FILETIME,
    /// `ComponentTypeEnforcementClientSoH` or `ComponentTypeEnforcementClientRp`.
    pub componentType: UINT32,
}

/// The connections of an enforcement client. Allocate with
/// `AllocConnections`, free with `FreeConnections` (which releases each
/// non-NULL connection).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Connections {
    pub count: UINT16,
    pub connections: *mut *mut INapEnforcementClientConnection,
}

// ---------------------------------------------------------------------------
// SoHAttributeValue and the structs nested in it
// ---------------------------------------------------------------------------

/// `SoHAttributeValue.v4AddressesVal`: a counted array of IPv4 addresses.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tagIpv4Addresses {
    pub count: UINT16,
    pub addresses: *mut Ipv4Address,
}

/// `SoHAttributeValue.v6AddressesVal`: a counted array of IPv6 addresses.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tagIpv6Addresses {
    pub count: UINT16,
    pub addresses: *mut Ipv6Address,
}

/// `SoHAttributeValue.vendorSpecificVal`: data of one vendor.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tagVendorSpecific {
    pub vendorId: UINT32,
    pub size: UINT16,
    pub vendorSpecificData: *mut BYTE,
}

/// `SoHAttributeValue.octetStringVal`: counted bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tagOctetString {
    pub size: UINT16,
    pub data: *mut BYTE,
}

/// The value of one SoH attribute; the member in use is chosen by the
/// attribute's `SoHAttributeType`. Free with `FreeSoHAttributeValue`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union SoHAttributeValue {
    pub idVal: SystemHealthEntityId,
    pub v4AddressesVal: tagIpv4Addresses,
    pub v6AddressesVal: tagIpv6Addresses,
    pub codesVal: ResultCodes,
    pub dateTimeVal: FILETIME,
    pub vendorSpecificVal: tagVendorSpecific,
    pub uint8Val: UINT8,
    pub octetStringVal: tagOctetString,
}

#[cfg(all(test, target_pointer_width = "64"))]
mod layout {
    //! Sizes and offsets as mingw-w64 reports them for x86_64 Windows.
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn structs_have_windows_x64_layout() {
        assert_eq!(size_of::<CountedString>(), 16);
        assert_eq!(size_of::<IsolationInfo>(), 32);
        assert_eq!(offset_of!(IsolationInfo, probEndTime), 4);
        assert_eq!(offset_of!(IsolationInfo, failureUrl), 16);
        assert_eq!(size_of::<IsolationInfoEx>(), 32);
        assert_eq!(offset_of!(IsolationInfoEx, probEndTime), 8);
        assert_eq!(offset_of!(IsolationInfoEx, failureUrl), 16);
        assert_eq!(size_of::<FailureCategoryMapping>(), 20);
        assert_eq!(size_of::<CorrelationId>(), 24);
        assert_eq!(size_of::<ResultCodes>(), 16);
        assert_eq!(size_of::<FixupInfo>(), 32);
        assert_eq!(offset_of!(FixupInfo, percentage), 4);
        assert_eq!(offset_of!(FixupInfo, resultCodes), 8);
        assert_eq!(offset_of!(FixupInfo, fixupMsgId), 24);
        assert_eq!(size_of::<SystemHealthAgentState>(), 64);
        assert_eq!(offset_of!(SystemHealthAgentState, failureCategory), 24);
        assert_eq!(offset_of!(SystemHealthAgentState, fixupInfo), 32);
        assert_eq!(size_of::<SoHAttribute>(), 16);
        assert_eq!(offset_of!(SoHAttribute, value), 8);
        assert_eq!(size_of::<SoH>(), 16);
        assert_eq!(size_of::<NetworkSoH>(), 16);
        assert_eq!(size_of::<PrivateData>(), 16);
        assert_eq!(size_of::<NapComponentRegistrationInfo>(), 120);
        assert_eq!(offset_of!(NapComponentRegistrationInfo, infoClsid), 72);
        assert_eq!(offset_of!(NapComponentRegistrationInfo, registrationDate), 104);
        assert_eq!(size_of::<Connections>(), 16);
        assert_eq!(size_of::<SoHAttributeValue>(), 16);
        assert_eq!(offset_of!(tagVendorSpecific, size), 4);
        assert_eq!(offset_of!(tagVendorSpecific, vendorSpecificData), 8);
    }
}

// ---------------------------------------------------------------------------
// COM interfaces of NapEnforcementClient.h
// ---------------------------------------------------------------------------

/// The methods of `INapEnforcementClientConnection`, in Windows' order.
///
/// Base interface: `IUnknown`.
#[cfg(not(naputil_header_cxx_interfaces))]
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
#[cfg(not(naputil_header_cxx_interfaces))]
#[repr(C)]
pub struct INapEnforcementClientConnection {
    pub lpVtbl: *const INapEnforcementClientConnectionVtbl,
}

/// `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)`.
pub(crate) const E_ALREADY_INITIALIZED: HRESULT = (0x8007_0000_u32 | 1247) as HRESULT;
