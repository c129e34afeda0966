//! The `Alloc*` and `Free*` functions of Windows' `NapUtil.h`.
//!
//! Conventions shared by every function here (each doc comment repeats what
//! a C caller needs):
//!
//! - Every block an `Alloc*` function creates is a separate task-memory
//!   block, as `CoTaskMemAlloc` returns it, so any member may also be freed
//!   on its own with `CoTaskMemFree`.
//! - `Alloc*` return `S_OK`, `E_INVALIDARG` or `E_OUTOFMEMORY`. On failure
//!   nothing stays allocated and the out-pointer is not written; on success
//!   it is written without its old value being read or freed.
//! - `Free*` accept NULL, free the embedded pointers first and the
//!   top-level block last, and skip NULL embedded pointers.
//! - The library reads only memory it knows: a pointer handed to a `Free*`
//!   function that is not a live task-memory block (already freed, never
//!   allocated here, a stack or static address, a pointer into a block) is
//!   neither read nor freed, only reported as misuse, and what it points to
//!   is left alone. A live block too small for the structure it should hold
//!   is freed without being read. Arrays are read no further than their
//!   block reaches, even if a count says more.

#![allow(non_snake_case)]

use crate::alloc::{alloc_block, alloc_zeroed_block, block_size, free_block};
use crate::com::INapEnforcementClientConnection;
use crate::ffi::{guard, guard_void};
use crate::nap_types::{
    maxConnectionCountPerEnforcer, maxDwordCountPerSoHAttribute, maxStringLength, tagSoHAttributeType,
    Connections, CountedString, FixupInfo, IsolationInfo, IsolationInfoEx, NapComponentRegistrationInfo, NetworkSoH,
    PrivateData, ResultCodes, SoH, SoHAttribute, SoHAttributeType, SoHAttributeValue, SystemHealthAgentState,
    WINAPI_HRESULT, WINAPI_VOID,
};
use crate::win::{E_INVALIDARG, E_OUTOFMEMORY, HRESULT, S_OK, UINT16, WCHAR};
use core::ffi::c_void;
use core::mem::size_of;
use core::ptr;

/// Allocates a `Connections` structure with room for `connectionsCount`
/// connection pointers.
///
/// On success `*connections` receives a new structure whose `count` is
/// `connectionsCount` and whose `connections` member is a zero-filled array
/// of `connectionsCount` `INapEnforcementClientConnection *` (NULL when
/// `connectionsCount` is 0). The structure and the array are separate
/// task-memory blocks; free both with `FreeConnections`, which also releases
/// the connections stored in the array.
///
/// Returns `S_OK`; `E_INVALIDARG` if `connections` is NULL or
/// `connectionsCount` exceeds `maxConnectionCountPerEnforcer`;
/// `E_OUTOFMEMORY` if memory runs out. On failure nothing is allocated and
/// `*connections` is not written.
#[no_mangle]
pub unsafe extern "system" fn AllocConnections(
    connections: *mut *mut Connections,
    connectionsCount: UINT16,
) -> WINAPI_HRESULT {
    guard(E_OUTOFMEMORY, || {
        if connections.is_null() || u32::from(connectionsCount) > maxConnectionCountPerEnforcer {
            return E_INVALIDARG;
        }
        let array = match alloc_zeroed_array::<*mut INapEnforcementClientConnection>(connectionsCount) {
            Ok(array) => array,
            Err(hr) => return hr,
        };
        let made = Connections { count: connectionsCount, connections: array };
        match new_block(made) {
            Ok(block) => {
                // SAFETY: `connections` is non-NULL and the caller promises
                // it points to writable storage for one pointer.
                unsafe { connections.write(block) };
                S_OK
            }
            Err(hr) => {
                free_block(array.cast(), "AllocConnections");
                hr
            }
        }
    })
}

/// Frees a `Connections` structure and releases its connections.
///
/// Calls `Release` on every non-NULL `connections[i]` for `i < count` (a
/// caller that stores a connection there must have added a reference for
/// it), then frees the `connections` array and the structure. NULL is a
/// no-op, and so is a NULL `connections` array. Connections whose interface
/// has a NULL vtable or a NULL `Release` slot are skipped.
#[no_mangle]
pub unsafe extern "system" fn FreeConnections(connections: *mut Connections) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeConnections";
        let Some(made) = read_live(connections, CALLER) else { return };
        for connection in readable(made.connections, made.count, CALLER) {
            release_connection(connection);
        }
        free_block(made.connections.cast(), CALLER);
        free_block(connections.cast(), CALLER);
    })
}

/// Allocates a `CountedString` holding a copy of the NUL-terminated UTF-16
/// string `string`.
///
/// On success `*countedString` receives a new structure whose `length` is
/// the number of code units before the terminating 0 and whose `string` is a
/// separate task-memory block holding a copy of `string` including its
/// terminator. Free both with `FreeCountedString`, or copy the structure,
/// free only the structure with `CoTaskMemFree` and later free its `string`
/// with `CoTaskMemFree` on its own.
///
/// Returns `S_OK`; `E_INVALIDARG` if either argument is NULL or `string` is
/// longer than `maxStringLength` code units (at most `maxStringLength + 1`
/// code units are read); `E_OUTOFMEMORY` if memory runs out. On failure
/// nothing is allocated and `*countedString` is not written.
#[no_mangle]
pub unsafe extern "system" fn AllocCountedString(
    countedString: *mut *mut CountedString,
    string: *const WCHAR,
) -> WINAPI_HRESULT {
    guard(E_OUTOFMEMORY, || {
        if countedString.is_null() || string.is_null() {
            return E_INVALIDARG;
        }
        let limit = maxStringLength as usize;
        // SAFETY: `string` is non-NULL and the caller promises it is
        // NUL-terminated; the scan stops at the terminator or after
        // `limit + 1` code units, whichever comes first.
        let Some(length) = (0..=limit).find(|&i| unsafe { string.add(i).read() } == 0) else {
            return E_INVALIDARG;
        };
        let copy = alloc_block((length + 1) * size_of::<WCHAR>()).cast::<WCHAR>();
        if copy.is_null() {
            return E_OUTOFMEMORY;
        }
        // SAFETY: `string` has `length + 1` readable code units (scanned
        // above) and `copy` is a fresh block of that many.
        unsafe { ptr::copy_nonoverlapping(string, copy, length + 1) };
        // `length <= maxStringLength`, which fits in UINT16.
        let made = CountedString { length: length as UINT16, string: copy };
        match new_block(made) {
            Ok(block) => {
                // SAFETY: `countedString` is non-NULL and the caller
                // promises it points to writable storage for one pointer.
                unsafe { countedString.write(block) };
                S_OK
            }
            Err(hr) => {
                free_block(copy.cast(), "AllocCountedString");
                hr
            }
        }
    })
}

/// Frees a `CountedString`: its `string` member, then the structure.
///
/// NULL is a no-op, and so is a NULL `string` member.
#[no_mangle]
pub unsafe extern "system" fn FreeCountedString(countedString: *mut CountedString) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeCountedString";
        let Some(made) = read_live(countedString, CALLER) else { return };
        free_block(made.string.cast(), CALLER);
        free_block(countedString.cast(), CALLER);
    })
}

/// Allocates a `FixupInfo` with room for `countResultCodes` result codes.
///
/// On success `*fixupInfo` receives a new zero-filled structure whose
/// `resultCodes.count` is `countResultCodes` and whose `resultCodes.results`
/// is a separate zero-filled task-memory block of `countResultCodes`
/// HRESULTs (NULL when `countResultCodes` is 0). Free both with
/// `FreeFixupInfo`.
///
/// Returns `S_OK`; `E_INVALIDARG` if `fixupInfo` is NULL or
/// `countResultCodes` exceeds `maxDwordCountPerSoHAttribute`;
/// `E_OUTOFMEMORY` if memory runs out. On failure nothing is allocated and
/// `*fixupInfo` is not written.
#[no_mangle]
pub unsafe extern "system" fn AllocFixupInfo(fixupInfo: *mut *mut FixupInfo, countResultCodes: UINT16) -> WINAPI_HRESULT {
    guard(E_OUTOFMEMORY, || {
        if fixupInfo.is_null() || u32::from(countResultCodes) > maxDwordCountPerSoHAttribute {
            return E_INVALIDARG;
        }
        let results = match alloc_zeroed_array::<HRESULT>(countResultCodes) {
            Ok(results) => results,
            Err(hr) => return hr,
        };
        let made = FixupInfo {
            state: 0,
            percentage: 0,
            resultCodes: ResultCodes { count: countResultCodes, results },
            fixupMsgId: 0,
        };
        match new_block(made) {
            Ok(block) => {
                // SAFETY: `fixupInfo` is non-NULL and the caller promises it
                // points to writable storage for one pointer.
                unsafe { fixupInfo.write(block) };
                S_OK
            }
            Err(hr) => {
                free_block(results.cast(), "AllocFixupInfo");
                hr
            }
        }
    })
}

/// Frees a `FixupInfo`: its `resultCodes.results` array, then the structure.
///
/// NULL is a no-op, and so is a NULL `results` member.
#[no_mangle]
pub unsafe extern "system" fn FreeFixupInfo(fixupInfo: *mut FixupInfo) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeFixupInfo";
        let Some(made) = read_live(fixupInfo, CALLER) else { return };
        free_block(made.resultCodes.results.cast(), CALLER);
        free_block(fixupInfo.cast(), CALLER);
    })
}

/// Frees an `IsolationInfo`: its `failureUrl.string`, then the structure.
///
/// NULL is a no-op, and so is a NULL `failureUrl.string`.
#[no_mangle]
pub unsafe extern "system" fn FreeIsolationInfo(isolationInfo: *mut IsolationInfo) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeIsolationInfo";
        let Some(made) = read_live(isolationInfo, CALLER) else { return };
        free_block(made.failureUrl.string.cast(), CALLER);
        free_block(isolationInfo.cast(), CALLER);
    })
}

/// Frees an `IsolationInfoEx`: its `failureUrl.string`, then the structure.
///
/// NULL is a no-op, and so is a NULL `failureUrl.string`.
#[no_mangle]
pub unsafe extern "system" fn FreeIsolationInfoEx(isolationInfo: *mut IsolationInfoEx) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeIsolationInfoEx";
        let Some(made) = read_live(isolationInfo, CALLER) else { return };
        free_block(made.failureUrl.string.cast(), CALLER);
        free_block(isolationInfo.cast(), CALLER);
    })
}

/// Frees a `SoH`: every attribute's value, the `attributes` array, then the
/// structure.
///
/// For each of the first `count` attributes, `value` is taken to point to a
/// `SoHAttributeValue` (as `INapSoHConstructor` and real NAP code build
/// them) and is freed the way `FreeSoHAttributeValue(type, value)` frees
/// it: first the array or data its member for `type` points to, then
/// `value` itself. For a `type` outside `SoHAttributeType`, and for a
/// `value` block smaller than `sizeof(SoHAttributeValue)`, only `value` is
/// freed. NULL is a no-op; NULL `attributes`, `value` and embedded pointers
/// are skipped.
#[no_mangle]
pub unsafe extern "system" fn FreeSoH(soh: *mut SoH) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeSoH";
        let Some(made) = read_live(soh, CALLER) else { return };
        for attribute in readable::<SoHAttribute>(made.attributes, made.count, CALLER) {
            free_attribute_value(u32::from(attribute.r#type), attribute.value.cast(), CALLER);
        }
        free_block(made.attributes.cast(), CALLER);
        free_block(soh.cast(), CALLER);
    })
}

/// Frees a `NetworkSoH`: its `data`, then the structure.
///
/// NULL is a no-op, and so is a NULL `data` member.
#[no_mangle]
pub unsafe extern "system" fn FreeNetworkSoH(networkSoh: *mut NetworkSoH) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeNetworkSoH";
        let Some(made) = read_live(networkSoh, CALLER) else { return };
        free_block(made.data.cast(), CALLER);
        free_block(networkSoh.cast(), CALLER);
    })
}

/// Frees a `PrivateData`: its `data`, then the structure.
///
/// NULL is a no-op, and so is a NULL `data` member.
#[no_mangle]
pub unsafe extern "system" fn FreePrivateData(privateData: *mut PrivateData) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreePrivateData";
        let Some(made) = read_live(privateData, CALLER) else { return };
        free_block(made.data.cast(), CALLER);
        free_block(privateData.cast(), CALLER);
    })
}

/// Frees a `SoHAttributeValue` whose member in use is chosen by `type`.
///
/// First frees what that member points to, then `value`:
///
/// | `type` | member | freed first |
/// |---|---|---|
/// | `sohAttributeTypeIpv4FixupServers` | `v4AddressesVal` | `addresses` |
/// | `sohAttributeTypeIpv6FixupServers` | `v6AddressesVal` | `addresses` |
/// | `sohAttributeTypeComplianceResultCodes`, `sohAttributeTypeErrorCodes` | `codesVal` | `results` |
/// | `sohAttributeTypeClientId`, `sohAttributeTypeSoftwareVersion`, `sohAttributeTypeProductName`, `sohAttributeTypeHealthClassStatus` | `octetStringVal` | `data` |
/// | `sohAttributeTypeVendorSpecific` | `vendorSpecificVal` | `vendorSpecificData` |
/// | any other `SoHAttributeType` | (no pointer) | nothing |
///
/// A `type` that is not a `SoHAttributeType` value frees only `value`, as
/// does a `value` block smaller than `sizeof(SoHAttributeValue)`. NULL is a
/// no-op; a NULL embedded pointer is skipped.
#[no_mangle]
pub unsafe extern "system" fn FreeSoHAttributeValue(
    r#type: SoHAttributeType,
    value: *mut SoHAttributeValue,
) -> WINAPI_VOID {
    guard_void(|| free_attribute_value(r#type, value, "FreeSoHAttributeValue"))
}

/// Frees an array of `count` `NapComponentRegistrationInfo` structures, as
/// `INapClientManagement::GetRegisteredSystemHealthAgents` and its siblings
/// hand them out, and sets `*info` to NULL.
///
/// `*info` points to the first element. For each of the first `count`
/// elements the `string` members of `friendlyName`, `description`,
/// `version` and `vendorName` are freed, then the array. A NULL `info` or a
/// NULL `*info` is a no-op; NULL `string` members are skipped.
#[no_mangle]
pub unsafe extern "system" fn FreeNapComponentRegistrationInfoArray(
    count: UINT16,
    info: *mut *mut NapComponentRegistrationInfo,
) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeNapComponentRegistrationInfoArray";
        if info.is_null() {
            return;
        }
        // SAFETY: `info` is non-NULL and the caller promises it points to a
        // readable pointer.
        let array = unsafe { info.read() };
        if array.is_null() {
            return;
        }
        for element in readable(array, count, CALLER) {
            for string in [
                element.friendlyName.string,
                element.description.string,
                element.version.string,
                element.vendorName.string,
            ] {
                free_block(string.cast(), CALLER);
            }
        }
        free_block(array.cast(), CALLER);
        // SAFETY: as above; the caller promises `*info` is writable too.
        unsafe { info.write(ptr::null_mut()) };
    })
}

/// Frees a `SystemHealthAgentState`: its `shaResultCodes.results`, its
/// `fixupInfo.resultCodes.results`, then the structure.
///
/// NULL is a no-op, and so are NULL `results` members.
#[no_mangle]
pub unsafe extern "system" fn FreeSystemHealthAgentState(state: *mut SystemHealthAgentState) -> WINAPI_VOID {
    guard_void(|| {
        const CALLER: &str = "FreeSystemHealthAgentState";
        let Some(made) = read_live(state, CALLER) else { return };
        free_block(made.shaResultCodes.results.cast(), CALLER);
        free_block(made.fixupInfo.resultCodes.results.cast(), CALLER);
        free_block(state.cast(), CALLER);
    })
}

/// Allocates a zero-filled task-memory array of `count` `T`s; a NULL
/// pointer when `count` is 0.
fn alloc_zeroed_array<T>(count: UINT16) -> Result<*mut T, HRESULT> {
    if count == 0 {
        return Ok(ptr::null_mut());
    }
    let bytes = usize::from(count).checked_mul(size_of::<T>()).ok_or(E_OUTOFMEMORY)?;
    let array = alloc_zeroed_block(bytes).cast::<T>();
    if array.is_null() {
        Err(E_OUTOFMEMORY)
    } else {
        Ok(array)
    }
}

/// Moves `value` into a new task-memory block of exactly its size.
fn new_block<T>(value: T) -> Result<*mut T, HRESULT> {
    let block = alloc_zeroed_block(size_of::<T>()).cast::<T>();
    if block.is_null() {
        return Err(E_OUTOFMEMORY);
    }
    // SAFETY: `block` is a fresh, suitably aligned (16 bytes) block of
    // `size_of::<T>()` bytes.
    unsafe { block.write(value) };
    Ok(block)
}

/// Copies the structure `p` points to, if `p` is a live task-memory block
/// big enough to hold one; the caller then frees its members and `p`.
///
/// Otherwise answers `None` after finishing the job for the caller without
/// reading `p`: NULL is left alone, a live block too small for a `T` is
/// freed, and any other pointer is reported as misuse on behalf of
/// `caller`.
fn read_live<T: Copy>(p: *mut T, caller: &'static str) -> Option<T> {
    if p.is_null() {
        return None;
    }
    match block_size(p.cast::<c_void>()) {
        // SAFETY: `p` is a live block of at least `size_of::<T>()` bytes,
        // aligned like malloc, and every `T` used here is plain data for
        // which any bit pattern is valid.
        Some(size) if size >= size_of::<T>() => Some(unsafe { p.read() }),
        _ => {
            free_block(p.cast(), caller);
            None
        }
    }
}

/// The first `count` elements of the array `array`, as far as the array's
/// task-memory block reaches. A NULL array gives nothing; an array that is
/// not a live block gives nothing and is reported as misuse on behalf of
/// `caller`.
fn readable<T: Copy>(array: *mut T, count: UINT16, caller: &'static str) -> impl Iterator<Item = T> {
    let available = if array.is_null() {
        0
    } else {
        match block_size(array.cast::<c_void>()) {
            Some(bytes) => usize::from(count).min(bytes / size_of::<T>()),
            None => {
                // Not a live block: this only reports it.
                free_block(array.cast(), caller);
                0
            }
        }
    };
    // SAFETY: `i < available` elements lie inside the live block `array`,
    // which is aligned like malloc; every `T` used here is plain data.
    (0..available).map(move |i| unsafe { array.add(i).read() })
}

/// Calls `Release` on `connection` if it and its `Release` slot are
/// non-NULL.
fn release_connection(connection: *mut INapEnforcementClientConnection) {
    if connection.is_null() {
        return;
    }
    // SAFETY: the caller of `FreeConnections` stored a referenced interface
    // pointer here, whose first member is its vtable pointer.
    let vtable = unsafe { (*connection).lpVtbl };
    if vtable.is_null() {
        return;
    }
    // SAFETY: a non-NULL vtable pointer of a COM interface points to its
    // vtable, whose third slot is `Release`.
    if let Some(release) = unsafe { (*vtable).Release } {
        // SAFETY: calling `Release` on the interface it belongs to.
        unsafe { release(connection) };
    }
}

/// `FreeSoHAttributeValue` on behalf of `caller`.
fn free_attribute_value(r#type: SoHAttributeType, value: *mut SoHAttributeValue, caller: &'static str) {
    use tagSoHAttributeType::*;
    if value.is_null() {
        return;
    }
    let Some(kind) = tagSoHAttributeType::from_raw(r#type) else {
        free_block(value.cast(), caller);
        return;
    };
    let holds_union = block_size(value.cast::<c_void>()).is_some_and(|size| size >= size_of::<SoHAttributeValue>());
    if holds_union {
        // SAFETY: `value` is a live block big enough for the union; its
        // members are plain data, so reading any of them is defined.
        let member = unsafe { value.read() };
        // SAFETY: reading the union member that `type` selects; any bit
        // pattern is a valid pointer value, and it is only freed, never
        // dereferenced.
        let embedded: *mut c_void = unsafe {
            match kind {
                sohAttributeTypeIpv4FixupServers => member.v4AddressesVal.addresses.cast(),
                sohAttributeTypeIpv6FixupServers => member.v6AddressesVal.addresses.cast(),
                sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes => member.codesVal.results.cast(),
                sohAttributeTypeClientId
                | sohAttributeTypeSoftwareVersion
                | sohAttributeTypeProductName
                | sohAttributeTypeHealthClassStatus => member.octetStringVal.data.cast(),
                sohAttributeTypeVendorSpecific => member.vendorSpecificVal.vendorSpecificData.cast(),
                sohAttributeTypeSystemHealthId
                | sohAttributeTypeTimeOfLastUpdate
                | sohAttributeTypeSoHGenerationTime
                | sohAttributeTypeHealthClass
                | sohAttributeTypeFailureCategory
                | sohAttributeTypeExtendedIsolationState => ptr::null_mut(),
            }
        };
        free_block(embedded, caller);
    }
    free_block(value.cast(), caller);
}
