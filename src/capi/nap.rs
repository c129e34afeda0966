//! The `Alloc*` and `Free*` functions of Windows' `NapUtil.h` (the structure
//! walking is `crate::nap`'s).
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
//! - Every block is allocated and freed through the same path as
//!   `CoTaskMemAlloc` and `CoTaskMemFree`, so a registered `IMallocSpy` sees
//!   these functions' allocations and frees, as it sees qutil's on Windows.
//! - The library reads only memory it knows: a pointer handed to a `Free*`
//!   function that is not a live task-memory block (already freed, never
//!   allocated here, a stack or static address, a pointer into a block) is
//!   neither read nor freed, only reported as misuse, and what it points to
//!   is left alone. A live block too small for the structure it should hold
//!   is freed without being read. Arrays are read no further than their
//!   block reaches, even if a count says more.
//! - Each distinct block is freed once, however many members point to it,
//!   and nothing is read after foreign code (a spy, a misuse handler, a
//!   connection's `Release`) has run or a block has been freed: see
//!   `crate::nap`.

use super::{contain_traced, require_non_null, write_out};
use crate::nap;
use crate::types::base::{E_INVALIDARG, HRESULT, S_OK, UINT16, WCHAR};
use crate::types::nap::{
    maxConnectionCountPerEnforcer, maxDwordCountPerSoHAttribute, maxStringLength, Connections, CountedString,
    FixupInfo, IsolationInfo, IsolationInfoEx, NapComponentRegistrationInfo, NetworkSoH, PrivateData, SoH,
    SoHAttributeType, SoHAttributeValue, SystemHealthAgentState, WINAPI_HRESULT, WINAPI_VOID,
};
use core::ptr;

/// Writes a new structure to the caller's out-pointer and answers `S_OK`.
///
/// # Safety
/// As [`write_out`].
unsafe fn written<T>(out: *mut *mut T, made: *mut T) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    unsafe { write_out(out, made) };
    S_OK
}

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
    contain_traced(
        AllocConnections as *const (),
        #[inline(always)]
        move || {
            require_non_null!(connections, E_INVALIDARG);
            if u32::from(connectionsCount) > maxConnectionCountPerEnforcer {
                return E_INVALIDARG;
            }
            match nap::alloc_connections(connectionsCount) {
                // SAFETY: non-NULL; the caller promises storage for one pointer.
                Ok(made) => unsafe { written(connections, made) },
                Err(hr) => hr,
            }
        },
    )
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
    contain_traced(
        FreeConnections as *const (),
        #[inline(always)]
        move || nap::free_connections(connections),
    )
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
    contain_traced(
        AllocCountedString as *const (),
        #[inline(always)]
        move || {
            require_non_null!(countedString, E_INVALIDARG);
            require_non_null!(string, E_INVALIDARG);
            let limit = maxStringLength as usize;
            // SAFETY: `string` is non-NULL and the caller promises it is
            // NUL-terminated; the scan stops at the terminator or after
            // `limit + 1` code units, whichever comes first.
            let Some(length) = (0..=limit).find(|&i| unsafe { string.add(i).read() } == 0) else {
                return E_INVALIDARG;
            };
            // SAFETY: the scan above read `length + 1` code units.
            match unsafe { nap::alloc_counted_string(string, length) } {
                // SAFETY: non-NULL; the caller promises storage for one pointer.
                Ok(made) => unsafe { written(countedString, made) },
                Err(hr) => hr,
            }
        },
    )
}

/// Frees a `CountedString`: its `string` member, then the structure.
///
/// NULL is a no-op, and so is a NULL `string` member.
#[no_mangle]
pub unsafe extern "system" fn FreeCountedString(countedString: *mut CountedString) -> WINAPI_VOID {
    contain_traced(
        FreeCountedString as *const (),
        #[inline(always)]
        move || nap::free_with_members(countedString, "FreeCountedString", |made| [made.string.cast()]),
    )
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
pub unsafe extern "system" fn AllocFixupInfo(
    fixupInfo: *mut *mut FixupInfo,
    countResultCodes: UINT16,
) -> WINAPI_HRESULT {
    contain_traced(
        AllocFixupInfo as *const (),
        #[inline(always)]
        move || {
            require_non_null!(fixupInfo, E_INVALIDARG);
            if u32::from(countResultCodes) > maxDwordCountPerSoHAttribute {
                return E_INVALIDARG;
            }
            match nap::alloc_fixup_info(countResultCodes) {
                // SAFETY: non-NULL; the caller promises storage for one pointer.
                Ok(made) => unsafe { written(fixupInfo, made) },
                Err(hr) => hr,
            }
        },
    )
}

/// Frees a `FixupInfo`: its `resultCodes.results` array, then the structure.
///
/// NULL is a no-op, and so is a NULL `results` member.
#[no_mangle]
pub unsafe extern "system" fn FreeFixupInfo(fixupInfo: *mut FixupInfo) -> WINAPI_VOID {
    contain_traced(
        FreeFixupInfo as *const (),
        #[inline(always)]
        move || nap::free_with_members(fixupInfo, "FreeFixupInfo", |made| [made.resultCodes.results.cast()]),
    )
}

/// Frees an `IsolationInfo`: its `failureUrl.string`, then the structure.
///
/// NULL is a no-op, and so is a NULL `failureUrl.string`.
#[no_mangle]
pub unsafe extern "system" fn FreeIsolationInfo(isolationInfo: *mut IsolationInfo) -> WINAPI_VOID {
    contain_traced(
        FreeIsolationInfo as *const (),
        #[inline(always)]
        move || nap::free_with_members(isolationInfo, "FreeIsolationInfo", |made| [made.failureUrl.string.cast()]),
    )
}

/// Frees an `IsolationInfoEx`: its `failureUrl.string`, then the structure.
///
/// NULL is a no-op, and so is a NULL `failureUrl.string`.
#[no_mangle]
pub unsafe extern "system" fn FreeIsolationInfoEx(isolationInfo: *mut IsolationInfoEx) -> WINAPI_VOID {
    contain_traced(
        FreeIsolationInfoEx as *const (),
        #[inline(always)]
        move || nap::free_with_members(isolationInfo, "FreeIsolationInfoEx", |made| [made.failureUrl.string.cast()]),
    )
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
    contain_traced(
        FreeSoH as *const (),
        #[inline(always)]
        move || nap::free_soh(soh),
    )
}

/// Frees a `NetworkSoH`: its `data`, then the structure.
///
/// NULL is a no-op, and so is a NULL `data` member.
#[no_mangle]
pub unsafe extern "system" fn FreeNetworkSoH(networkSoh: *mut NetworkSoH) -> WINAPI_VOID {
    contain_traced(
        FreeNetworkSoH as *const (),
        #[inline(always)]
        move || nap::free_with_members(networkSoh, "FreeNetworkSoH", |made| [made.data.cast()]),
    )
}

/// Frees a `PrivateData`: its `data`, then the structure.
///
/// NULL is a no-op, and so is a NULL `data` member.
#[no_mangle]
pub unsafe extern "system" fn FreePrivateData(privateData: *mut PrivateData) -> WINAPI_VOID {
    contain_traced(
        FreePrivateData as *const (),
        #[inline(always)]
        move || nap::free_with_members(privateData, "FreePrivateData", |made| [made.data.cast()]),
    )
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
    contain_traced(
        FreeSoHAttributeValue as *const (),
        #[inline(always)]
        move || nap::free_attribute_value(r#type, value),
    )
}

/// Frees an array of `count` `NapComponentRegistrationInfo` structures, as
/// `INapClientManagement::GetRegisteredSystemHealthAgents` and its siblings
/// hand them out, and sets `*info` to NULL.
///
/// `*info` points to the first element. For each of the first `count`
/// elements the `string` members of `friendlyName`, `description`,
/// `version` and `vendorName` are freed, then the array. A NULL `info` or a
/// NULL `*info` is a no-op; NULL `string` members are skipped. An array that
/// is not a live task-memory block is neither read nor freed, only reported
/// as misuse, and `*info` is then left as it is.
#[no_mangle]
pub unsafe extern "system" fn FreeNapComponentRegistrationInfoArray(
    count: UINT16,
    info: *mut *mut NapComponentRegistrationInfo,
) -> WINAPI_VOID {
    contain_traced(
        FreeNapComponentRegistrationInfoArray as *const (),
        #[inline(always)]
        move || {
            if info.is_null() {
                return;
            }
            // SAFETY: `info` is non-NULL and the caller promises it points to a
            // readable pointer.
            let array = unsafe { info.read_unaligned() };
            // SAFETY: as above; the caller promises `*info` is writable too. It
            // is written while the array's memory is still valid, in case
            // `info` points into it.
            nap::free_registration_info_array(count, array, || unsafe { write_out(info, ptr::null_mut()) });
        },
    )
}

/// Frees a `SystemHealthAgentState`: its `shaResultCodes.results`, its
/// `fixupInfo.resultCodes.results`, then the structure.
///
/// NULL is a no-op, and so are NULL `results` members.
#[no_mangle]
pub unsafe extern "system" fn FreeSystemHealthAgentState(state: *mut SystemHealthAgentState) -> WINAPI_VOID {
    contain_traced(
        FreeSystemHealthAgentState as *const (),
        #[inline(always)]
        move || {
            nap::free_with_members(state, "FreeSystemHealthAgentState", |made| {
                [made.shaResultCodes.results.cast(), made.fixupInfo.resultCodes.results.cast()]
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::is_live;
    use crate::types::base::ULONG;
    use crate::types::nap::*;
    use core::ffi::c_void;
    use core::mem::size_of;
    use core::sync::atomic::{AtomicU32, Ordering};

    fn block_size(p: *mut c_void) -> Option<usize> {
        crate::heap::block::size(p)
    }

    fn free_block(p: *mut c_void, _caller: &str) {
        crate::capi::alloc::CoTaskMemFree(p)
    }

    /// A NUL-terminated UTF-16 copy of `s`.
    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain([0]).collect()
    }

    /// A NUL-terminated string of `n` code units.
    fn wide_of_length(n: usize) -> Vec<u16> {
        let mut units = vec![u16::from(b'x'); n];
        units.push(0);
        units
    }

    /// A live block of `size` bytes, for embedding in test structures.
    fn block(size: usize) -> *mut c_void {
        let p = crate::capi::alloc::CoTaskMemAlloc(size);
        assert!(!p.is_null());
        // SAFETY: a fresh block of `size` bytes.
        unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0, size) };
        assert!(!p.is_null());
        p
    }

    fn sentinel<T>() -> *mut T {
        0x5a5a_5a50 as *mut T
    }

    #[repr(C)]
    struct FakeConnection {
        interface: INapEnforcementClientConnection,
        releases: AtomicU32,
    }

    unsafe extern "system" fn fake_release(this: *mut INapEnforcementClientConnection) -> ULONG {
        // SAFETY: every interface handed to FreeConnections in these tests is
        // the first member of a FakeConnection.
        let fake = unsafe { &*this.cast::<FakeConnection>() };
        fake.releases.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn fake_vtable() -> &'static INapEnforcementClientConnectionVtbl {
        // SAFETY: every slot is an `Option` of a function pointer, for which
        // all-zero bytes are `None`.
        let mut vtable: INapEnforcementClientConnectionVtbl = unsafe { core::mem::zeroed() };
        vtable.Release = Some(fake_release);
        Box::leak(Box::new(vtable))
    }

    fn fake_connection() -> Box<FakeConnection> {
        Box::new(FakeConnection {
            interface: INapEnforcementClientConnection { lpVtbl: fake_vtable() },
            releases: AtomicU32::new(0),
        })
    }

    #[test]
    fn alloc_connections_checks_arguments_and_leaves_out_pointer_alone() {
        let mut out = sentinel::<Connections>();
        // SAFETY: valid out-pointer / NULL as the contract allows.
        unsafe {
            assert_eq!(AllocConnections(ptr::null_mut(), 1), E_INVALIDARG);
            assert_eq!(AllocConnections(&mut out, 21), E_INVALIDARG);
            assert_eq!(AllocConnections(&mut out, u16::MAX), E_INVALIDARG);
        }
        assert_eq!(out, sentinel());
    }

    #[test]
    fn alloc_connections_zero_has_null_array() {
        let mut out = ptr::null_mut();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { AllocConnections(&mut out, 0) }, S_OK);
        assert!(is_live(out.cast()));
        // SAFETY: `out` was just allocated as a Connections.
        let made = unsafe { out.read() };
        assert_eq!(made.count, 0);
        assert!(made.connections.is_null());
        // SAFETY: freeing what AllocConnections made.
        unsafe { FreeConnections(out) };
        assert!(!is_live(out.cast()));
    }

    #[test]
    fn alloc_connections_max_is_zeroed_separate_array() {
        let mut out = ptr::null_mut();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { AllocConnections(&mut out, 20) }, S_OK);
        // SAFETY: `out` was just allocated as a Connections.
        let made = unsafe { out.read() };
        assert_eq!(made.count, 20);
        assert_eq!(block_size(made.connections.cast()), Some(20 * size_of::<*mut c_void>()));
        // SAFETY: the array holds 20 pointers.
        assert!((0..20).all(|i| unsafe { made.connections.add(i).read() }.is_null()));
        // SAFETY: freeing what AllocConnections made.
        unsafe { FreeConnections(out) };
        assert!(!is_live(out.cast()));
        assert!(!is_live(made.connections.cast()));
    }

    #[test]
    fn free_connections_releases_each_stored_connection_once() {
        let first = fake_connection();
        let second = fake_connection();
        let mut out = ptr::null_mut();
        // SAFETY: valid out-pointer; then filling the array it made.
        unsafe {
            assert_eq!(AllocConnections(&mut out, 3), S_OK);
            let array = (*out).connections;
            array.write(ptr::addr_of!(first.interface).cast_mut());
            array.add(2).write(ptr::addr_of!(second.interface).cast_mut());
            FreeConnections(out);
        }
        assert_eq!(first.releases.load(Ordering::SeqCst), 1);
        assert_eq!(second.releases.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn free_connections_reads_no_further_than_the_array() {
        let connection = fake_connection();
        let mut out = ptr::null_mut();
        // SAFETY: valid out-pointer; the array has room for 2 pointers.
        unsafe {
            assert_eq!(AllocConnections(&mut out, 2), S_OK);
            let array = (*out).connections;
            array.add(1).write(ptr::addr_of!(connection.interface).cast_mut());
            (*out).count = 20;
            FreeConnections(out);
        }
        assert_eq!(connection.releases.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn free_connections_skips_null_vtables_and_slots() {
        let no_vtable = INapEnforcementClientConnection { lpVtbl: ptr::null() };
        // SAFETY: all-zero bytes are `None` for every slot.
        let empty: &'static INapEnforcementClientConnectionVtbl = Box::leak(Box::new(unsafe { core::mem::zeroed() }));
        let no_release = INapEnforcementClientConnection { lpVtbl: empty };
        let mut out = ptr::null_mut();
        // SAFETY: valid out-pointer; the array has room for 2 pointers.
        unsafe {
            assert_eq!(AllocConnections(&mut out, 2), S_OK);
            let array = (*out).connections;
            array.write(ptr::addr_of!(no_vtable).cast_mut());
            array.add(1).write(ptr::addr_of!(no_release).cast_mut());
            FreeConnections(out);
        }
        assert!(!is_live(out.cast()));
    }

    #[test]
    fn alloc_counted_string_copies_with_terminator() {
        let text = wide("quarantine");
        let mut out = ptr::null_mut();
        // SAFETY: valid arguments.
        assert_eq!(unsafe { AllocCountedString(&mut out, text.as_ptr()) }, S_OK);
        // SAFETY: `out` was just allocated as a CountedString.
        let made = unsafe { out.read() };
        assert_eq!(usize::from(made.length), text.len() - 1);
        assert_ne!(made.string, text.as_ptr().cast_mut());
        assert_eq!(block_size(made.string.cast()), Some(text.len() * 2));
        // SAFETY: the copy holds `text.len()` code units.
        assert_eq!(unsafe { core::slice::from_raw_parts(made.string, text.len()) }, &text[..]);
        // SAFETY: freeing what AllocCountedString made.
        unsafe { FreeCountedString(out) };
        assert!(!is_live(made.string.cast()));
        assert!(!is_live(out.cast()));
    }

    #[test]
    fn alloc_counted_string_string_outlives_the_struct() {
        let text = wide("");
        let mut out = ptr::null_mut();
        // SAFETY: valid arguments.
        assert_eq!(unsafe { AllocCountedString(&mut out, text.as_ptr()) }, S_OK);
        // SAFETY: `out` was just allocated as a CountedString.
        let made = unsafe { out.read() };
        assert_eq!(made.length, 0);
        free_block(out.cast(), "test");
        assert!(is_live(made.string.cast()));
        // SAFETY: the copy holds its terminator.
        assert_eq!(unsafe { made.string.read() }, 0);
        free_block(made.string.cast(), "test");
    }

    #[test]
    fn alloc_counted_string_length_limit() {
        let longest = wide_of_length(1024);
        let too_long = wide_of_length(1025);
        let mut out = ptr::null_mut();
        // SAFETY: valid arguments.
        assert_eq!(unsafe { AllocCountedString(&mut out, longest.as_ptr()) }, S_OK);
        // SAFETY: `out` was just allocated as a CountedString.
        assert_eq!(unsafe { (*out).length }, 1024);
        // SAFETY: freeing what AllocCountedString made.
        unsafe { FreeCountedString(out) };

        let mut untouched = sentinel::<CountedString>();
        // SAFETY: valid arguments, or NULL where the contract allows it.
        unsafe {
            assert_eq!(AllocCountedString(&mut untouched, too_long.as_ptr()), E_INVALIDARG);
            assert_eq!(AllocCountedString(&mut untouched, ptr::null()), E_INVALIDARG);
            assert_eq!(AllocCountedString(ptr::null_mut(), longest.as_ptr()), E_INVALIDARG);
        }
        assert_eq!(untouched, sentinel());
    }

    #[test]
    fn alloc_counted_string_reads_at_most_one_past_the_limit() {
        // No terminator at all: the scan must stop after 1025 code units,
        // which all lie inside this buffer.
        let unterminated = vec![u16::from(b'x'); 1025];
        let mut out = sentinel::<CountedString>();
        // SAFETY: `unterminated` has 1025 readable code units.
        assert_eq!(unsafe { AllocCountedString(&mut out, unterminated.as_ptr()) }, E_INVALIDARG);
        assert_eq!(out, sentinel());
    }

    #[test]
    fn alloc_fixup_info_bounds_and_zeroing() {
        let mut out = ptr::null_mut();
        // SAFETY: valid out-pointers.
        unsafe {
            assert_eq!(AllocFixupInfo(&mut out, 0), S_OK);
            let made = out.read();
            assert_eq!(made.resultCodes.count, 0);
            assert!(made.resultCodes.results.is_null());
            assert_eq!((made.state, made.percentage, made.fixupMsgId), (0, 0, 0));
            FreeFixupInfo(out);

            assert_eq!(AllocFixupInfo(&mut out, 1000), S_OK);
            let made = out.read();
            assert_eq!(made.resultCodes.count, 1000);
            assert_eq!(block_size(made.resultCodes.results.cast()), Some(4000));
            assert!((0..1000).all(|i| made.resultCodes.results.add(i).read() == 0));
            FreeFixupInfo(out);
            assert!(!is_live(made.resultCodes.results.cast()));
            assert!(!is_live(out.cast()));

            let mut untouched = sentinel::<FixupInfo>();
            assert_eq!(AllocFixupInfo(&mut untouched, 1001), E_INVALIDARG);
            assert_eq!(AllocFixupInfo(ptr::null_mut(), 1), E_INVALIDARG);
            assert_eq!(untouched, sentinel());
        }
    }

    #[test]
    fn free_functions_accept_null_and_null_members() {
        // SAFETY: NULL and zero-filled live structures are allowed.
        unsafe {
            FreeConnections(ptr::null_mut());
            FreeCountedString(ptr::null_mut());
            FreeFixupInfo(ptr::null_mut());
            FreeIsolationInfo(ptr::null_mut());
            FreeIsolationInfoEx(ptr::null_mut());
            FreeSoH(ptr::null_mut());
            FreeNetworkSoH(ptr::null_mut());
            FreePrivateData(ptr::null_mut());
            FreeSoHAttributeValue(7, ptr::null_mut());
            FreeSystemHealthAgentState(ptr::null_mut());
            FreeNapComponentRegistrationInfoArray(3, ptr::null_mut());
            let mut none: *mut NapComponentRegistrationInfo = ptr::null_mut();
            FreeNapComponentRegistrationInfoArray(3, &mut none);

            let zeroed = [
                block(size_of::<CountedString>()),
                block(size_of::<FixupInfo>()),
                block(size_of::<IsolationInfo>()),
                block(size_of::<IsolationInfoEx>()),
                block(size_of::<SoH>()),
                block(size_of::<NetworkSoH>()),
                block(size_of::<PrivateData>()),
                block(size_of::<SystemHealthAgentState>()),
                block(size_of::<Connections>()),
            ];
            FreeCountedString(zeroed[0].cast());
            FreeFixupInfo(zeroed[1].cast());
            FreeIsolationInfo(zeroed[2].cast());
            FreeIsolationInfoEx(zeroed[3].cast());
            FreeSoH(zeroed[4].cast());
            FreeNetworkSoH(zeroed[5].cast());
            FreePrivateData(zeroed[6].cast());
            FreeSystemHealthAgentState(zeroed[7].cast());
            FreeConnections(zeroed[8].cast());
            assert!(zeroed.iter().all(|p| !is_live(*p)));
        }
    }

    #[test]
    fn free_functions_free_every_member() {
        // SAFETY: each structure is a live block of its type whose members
        // are live blocks or NULL.
        unsafe {
            let url = block(8);
            let info = block(size_of::<IsolationInfo>()).cast::<IsolationInfo>();
            (*info).failureUrl.string = url.cast();
            FreeIsolationInfo(info);
            assert!(!is_live(url) && !is_live(info.cast()));

            let url = block(8);
            let info = block(size_of::<IsolationInfoEx>()).cast::<IsolationInfoEx>();
            (*info).failureUrl.string = url.cast();
            FreeIsolationInfoEx(info);
            assert!(!is_live(url) && !is_live(info.cast()));

            let data = block(12);
            let network = block(size_of::<NetworkSoH>()).cast::<NetworkSoH>();
            (*network).data = data.cast();
            FreeNetworkSoH(network);
            assert!(!is_live(data) && !is_live(network.cast()));

            let data = block(12);
            let private = block(size_of::<PrivateData>()).cast::<PrivateData>();
            (*private).data = data.cast();
            FreePrivateData(private);
            assert!(!is_live(data) && !is_live(private.cast()));

            let sha = block(8);
            let fixup = block(8);
            let state = block(size_of::<SystemHealthAgentState>()).cast::<SystemHealthAgentState>();
            (*state).shaResultCodes.results = sha.cast();
            (*state).fixupInfo.resultCodes.results = fixup.cast();
            FreeSystemHealthAgentState(state);
            assert!(!is_live(sha) && !is_live(fixup) && !is_live(state.cast()));
        }
    }

    #[test]
    fn free_leaves_non_live_structures_unread() {
        let string = block(4);
        let mut on_stack = CountedString { length: 1, string: string.cast() };
        // SAFETY: the library must neither read nor free a non-live pointer.
        unsafe { FreeCountedString(&mut on_stack) };
        assert!(is_live(string));
        free_block(string, "test");
    }

    /// A live `SoHAttributeValue` whose pointer-sized bytes at offset 8 hold
    /// `embedded` (where every pointer-bearing member keeps its pointer).
    fn attribute_value(embedded: *mut c_void) -> *mut SoHAttributeValue {
        let value = block(size_of::<SoHAttributeValue>()).cast::<SoHAttributeValue>();
        // SAFETY: `value` is a live block of the union's size.
        unsafe { value.write(SoHAttributeValue { octetStringVal: tagOctetString { size: 1, data: embedded.cast() } }) };
        value
    }

    #[test]
    fn free_soh_attribute_value_follows_the_type_table() {
        let with_pointer = [3_u32, 4, 6, 7, 9, 10, 11, 13, 15];
        let without_pointer = [2_u32, 5, 8, 12, 14, 16];
        for t in with_pointer {
            let embedded = block(16);
            let value = attribute_value(embedded);
            // SAFETY: `value` is a live SoHAttributeValue.
            unsafe { FreeSoHAttributeValue(t, value) };
            assert!(!is_live(embedded), "type {t} must free its embedded pointer");
            assert!(!is_live(value.cast()), "type {t} must free the value");
        }
        for t in without_pointer.into_iter().chain([0, 1, 17, 0xFFFF, u32::MAX]) {
            let bystander = block(16);
            let value = attribute_value(bystander);
            // SAFETY: `value` is a live SoHAttributeValue.
            unsafe { FreeSoHAttributeValue(t, value) };
            assert!(is_live(bystander), "type {t} must not free the bytes at offset 8");
            assert!(!is_live(value.cast()), "type {t} must free the value");
            free_block(bystander, "test");
        }
    }

    #[test]
    fn free_soh_attribute_value_members_match_their_types() {
        let addresses = block(2 * size_of::<Ipv4Address>());
        let codes = block(8);
        let vendor = block(5);
        // SAFETY: each value is a live SoHAttributeValue block.
        unsafe {
            let v4 = block(size_of::<SoHAttributeValue>()).cast::<SoHAttributeValue>();
            (*v4).v4AddressesVal = tagIpv4Addresses { count: 2, addresses: addresses.cast() };
            FreeSoHAttributeValue(3, v4);
            let results = block(size_of::<SoHAttributeValue>()).cast::<SoHAttributeValue>();
            (*results).codesVal = ResultCodes { count: 2, results: codes.cast() };
            FreeSoHAttributeValue(13, results);
            let vendor_value = block(size_of::<SoHAttributeValue>()).cast::<SoHAttributeValue>();
            (*vendor_value).vendorSpecificVal =
                tagVendorSpecific { vendorId: 311, size: 5, vendorSpecificData: vendor.cast() };
            FreeSoHAttributeValue(7, vendor_value);
        }
        assert!(!is_live(addresses) && !is_live(codes) && !is_live(vendor));
    }

    #[test]
    fn free_soh_attribute_value_does_not_read_small_blocks() {
        // A one-byte value, as a caller storing only `uint8Val` would make.
        let value = block(1).cast::<SoHAttributeValue>();
        // SAFETY: the library must not read past the one-byte block.
        unsafe { FreeSoHAttributeValue(6, value) };
        assert!(!is_live(value.cast()));
    }

    #[test]
    fn free_soh_frees_values_with_their_embedded_pointers() {
        let data = block(4);
        let bystander = block(4);
        let unknown_embedded = block(4);
        let values = [attribute_value(data), attribute_value(bystander), attribute_value(unknown_embedded)];
        let types = [6_u16, 8, 99];
        // SAFETY: building a SoH of live blocks, then freeing it.
        unsafe {
            let attributes = block(3 * size_of::<SoHAttribute>()).cast::<SoHAttribute>();
            for (i, (value, t)) in values.iter().zip(types).enumerate() {
                attributes.add(i).write(SoHAttribute { r#type: t, size: 16, value: value.cast() });
            }
            let soh = block(size_of::<SoH>()).cast::<SoH>();
            soh.write(SoH { count: 3, attributes });
            FreeSoH(soh);
            assert!(!is_live(soh.cast()) && !is_live(attributes.cast()));
        }
        assert!(values.iter().all(|v| !is_live(v.cast())));
        assert!(!is_live(data));
        assert!(is_live(bystander) && is_live(unknown_embedded));
        free_block(bystander, "test");
        free_block(unknown_embedded, "test");
    }

    #[test]
    fn free_soh_with_null_attributes_and_values() {
        // SAFETY: building a SoH of live blocks and NULLs, then freeing it.
        unsafe {
            let soh = block(size_of::<SoH>()).cast::<SoH>();
            soh.write(SoH { count: 5, attributes: ptr::null_mut() });
            FreeSoH(soh);
            assert!(!is_live(soh.cast()));

            let attributes = block(2 * size_of::<SoHAttribute>()).cast::<SoHAttribute>();
            let soh = block(size_of::<SoH>()).cast::<SoH>();
            soh.write(SoH { count: 2, attributes });
            FreeSoH(soh);
            assert!(!is_live(soh.cast()) && !is_live(attributes.cast()));
        }
    }

    #[test]
    fn free_registration_info_array_frees_strings_and_clears_pointer() {
        let strings: Vec<*mut c_void> = (0..8).map(|_| block(4)).collect();
        // SAFETY: building an array of two live entries, then freeing it.
        unsafe {
            let array = block(2 * size_of::<NapComponentRegistrationInfo>()).cast::<NapComponentRegistrationInfo>();
            for i in 0..2 {
                let entry = &mut *array.add(i);
                entry.friendlyName.string = strings[4 * i].cast();
                entry.description.string = strings[4 * i + 1].cast();
                entry.version.string = strings[4 * i + 2].cast();
                entry.vendorName.string = strings[4 * i + 3].cast();
            }
            let mut info = array;
            FreeNapComponentRegistrationInfoArray(2, &mut info);
            assert!(info.is_null());
            assert!(!is_live(array.cast()));
        }
        assert!(strings.iter().all(|s| !is_live(*s)));
    }

    #[test]
    fn free_registration_info_array_with_null_strings_and_zero_count() {
        // SAFETY: zero-filled live arrays are allowed.
        unsafe {
            let array = block(3 * size_of::<NapComponentRegistrationInfo>()).cast::<NapComponentRegistrationInfo>();
            let mut info = array;
            FreeNapComponentRegistrationInfoArray(3, &mut info);
            assert!(info.is_null() && !is_live(array.cast()));

            let array = block(size_of::<NapComponentRegistrationInfo>()).cast::<NapComponentRegistrationInfo>();
            let mut info = array;
            FreeNapComponentRegistrationInfoArray(0, &mut info);
            assert!(info.is_null() && !is_live(array.cast()));
        }
    }
}
