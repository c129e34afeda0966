//! The SoH wire format: `naputil_soh_encode`, `naputil_soh_decode`,
//! `naputil_soh_message_encode`, `naputil_soh_message_decode` and
//! `naputil_soh_message_free` (the codec is `crate::soh`'s).

use super::{contain, require_non_null, write_out};
use crate::soh::{self, Framing};
use crate::types::base::{E_INVALIDARG, HRESULT, S_OK};
use crate::types::nap::{NetworkSoH, SoH, NAP_E_INVALID_PACKET};
use crate::types::soh::NaputilSoHMessage;

/// A copy of the caller's bytes: `E_INVALIDARG` for a NULL `data` with a
/// non-zero `size`, `NAP_E_INVALID_PACKET` for more than `limit` bytes
/// (which nothing valid is).
///
/// # Safety
/// `bytes` is non-NULL and points to a `NetworkSoH` whose `data` holds
/// `size` readable bytes.
unsafe fn input(bytes: *const NetworkSoH, limit: usize) -> Result<Vec<u8>, HRESULT> {
    // SAFETY: guaranteed by the caller (read unaligned: any storage will do).
    let given = unsafe { bytes.read_unaligned() };
    let size = usize::from(given.size);
    if size == 0 {
        return Ok(Vec::new());
    }
    if given.data.is_null() {
        return Err(E_INVALIDARG);
    }
    if size > limit {
        return Err(NAP_E_INVALID_PACKET);
    }
    // SAFETY: guaranteed by the caller.
    Ok(unsafe { core::slice::from_raw_parts(given.data, size) }.to_vec())
}

/// Writes a result to the caller's out-pointer and answers `S_OK`.
///
/// # Safety
/// As [`write_out`].
unsafe fn written<T>(out: *mut *mut T, made: Result<*mut T, HRESULT>) -> HRESULT {
    match made {
        // SAFETY: guaranteed by the caller.
        Ok(made) => unsafe {
            write_out(out, made);
            S_OK
        },
        Err(hr) => hr,
    }
}

/// Encodes the attributes of one statement of health as bytes: each
/// attribute as type (2 bytes), length (2 bytes) and value, big-endian, in
/// array order (the format of an SoH's attributes inside an SoH message,
/// [MS-SOH]).
///
/// Values are encoded by `SoHAttributeType`: `SystemHealthId` as 4 bytes;
/// `Ipv4FixupServers`, `Ipv6FixupServers` as 4 or 16 bytes per address, in
/// the order given; `ComplianceResultCodes`, `ErrorCodes` as 4 bytes per
/// HRESULT; `TimeOfLastUpdate`, `SoHGenerationTime` as one 64-bit count
/// (`dwHighDateTime` first); `ClientId`, `SoftwareVersion`, `ProductName`,
/// `HealthClassStatus` as their octets; `VendorSpecific` as 4 bytes of
/// vendor id then its octets; `HealthClass`, `FailureCategory`,
/// `ExtendedIsolationState` as 1 byte. For these types `value` points to a
/// `SoHAttributeValue`, only the member the type selects is read, and
/// `size` is not read (the encoding's own length is written). An attribute
/// of any other type is written as the `size` bytes at `value` (which may
/// be NULL when `size` is 0).
///
/// `soh` and everything it points to may be in any memory (stack, static,
/// task memory); nothing of it is modified or freed. On success `*bytes`
/// receives a new `NetworkSoH` whose `data` (NULL when there are no
/// attributes) is a separate task-memory block; free both with
/// `FreeNetworkSoH`.
///
/// Returns `S_OK`; `E_INVALIDARG` if `soh` or `bytes` is NULL, or `soh`
/// cannot be encoded: more than `maxSoHAttributeCount` attributes, a NULL
/// `attributes` array with a non-zero `count`, a NULL `value` for one of
/// the types above, a count over its limit (`maxIpv4CountPerSoHAttribute`,
/// `maxIpv6CountPerSoHAttribute`, `maxDwordCountPerSoHAttribute`), a NULL
/// array or data pointer with a non-zero count or size, a value longer
/// than `maxSoHAttributeSize` bytes, or more than `maxNetworkSoHSize` bytes
/// in all; `E_OUTOFMEMORY` if memory runs out. On failure nothing is
/// allocated and `*bytes` is not written.
#[no_mangle]
pub unsafe extern "C" fn naputil_soh_encode(soh: *const SoH, bytes: *mut *mut NetworkSoH) -> HRESULT {
    contain(|| {
        require_non_null!(soh, E_INVALIDARG);
        require_non_null!(bytes, E_INVALIDARG);
        // SAFETY: non-NULL; the caller promises a readable SoH, and storage
        // for one pointer at `bytes`.
        unsafe { written(bytes, soh::encode_soh(soh)) }
    })
}

/// Decodes the attributes of one statement of health from bytes in the
/// format `naputil_soh_encode` writes.
///
/// The input is checked completely before anything is allocated: every
/// attribute's length against the bytes that remain, every value's length
/// against its type (4 bytes for `SystemHealthId`, whole addresses or
/// HRESULTs, 8 bytes for times, at least 4 for `VendorSpecific`, 1 for the
/// one-byte types), at most `maxSoHAttributeSize` bytes per value, at most
/// `maxSoHAttributeCount` attributes and at most `maxNetworkSoHSize` bytes
/// in all. Nothing outside `bytes->data[0 .. bytes->size)` is read. Zero
/// bytes decode to a SoH with no attributes.
///
/// On success `*soh` receives a new `SoH` in the shape `FreeSoH` frees:
/// the structure, its `attributes` array (NULL when empty), each
/// attribute's `value` and the array or octets a value points to are
/// separate task-memory blocks. Each attribute's `type` is the wire type
/// and its `size` the length of its value on the wire. For a
/// `SoHAttributeType` `value` points to a `SoHAttributeValue` whose member
/// for that type is filled in (and whose embedded pointer is NULL for an
/// empty array or octet string); for any other type `value` holds the
/// `size` raw bytes (NULL when `size` is 0). Free it all with `FreeSoH`.
///
/// Returns `S_OK`; `NAP_E_INVALID_PACKET` if the bytes are not a valid
/// attribute list; `E_INVALIDARG` if `bytes` or `soh` is NULL, or
/// `bytes->data` is NULL with a non-zero `bytes->size`; `E_OUTOFMEMORY` if
/// memory runs out. On failure nothing is allocated and `*soh` is not
/// written.
#[no_mangle]
pub unsafe extern "C" fn naputil_soh_decode(bytes: *const NetworkSoH, soh: *mut *mut SoH) -> HRESULT {
    contain(|| {
        require_non_null!(bytes, E_INVALIDARG);
        require_non_null!(soh, E_INVALIDARG);
        // SAFETY: non-NULL; the caller promises `size` readable bytes at
        // `data`.
        let input = match unsafe { input(bytes, soh::MAX_ATTRIBUTE_LIST_INPUT) } {
            Ok(input) => input,
            Err(hr) => return hr,
        };
        // SAFETY: non-NULL; the caller promises storage for one pointer.
        unsafe { written(soh, soh::decode_soh(&input)) }
    })
}

/// Encodes a complete SoH or SoH response message as bytes in `framing`.
///
/// The message is the SoH header (outer type 7, length, Microsoft vendor
/// id 311, inner type, length); when `message->has_mode_sub_header` is
/// non-zero, inner type 2 and the mode sub-header (type 7, length 30,
/// vendor id 311, `correlation_id` in 24 bytes, `intent`, content type 0);
/// otherwise inner type 1; then each section's attributes in order,
/// encoded as `naputil_soh_encode` encodes them. `framing` is
/// `NAPUTIL_SOH_FRAMING_MESSAGE` (the message alone, as a `NetworkSoH`
/// holds it), `NAPUTIL_SOH_FRAMING_PEAP_SOH` or
/// `NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE` (the message inside the PEAP
/// Microsoft vendor-specific TLV with an SoH or SoH Response TLV; 12 bytes
/// more).
///
/// Each section must start with its `sohAttributeTypeSystemHealthId`
/// attribute and hold no other, since that attribute is what separates the
/// sections on the wire. `message` and everything it points to may be in
/// any memory; nothing of it is modified or freed. On success `*bytes`
/// receives a new `NetworkSoH` whose `data` is a separate task-memory
/// block; free both with `FreeNetworkSoH`.
///
/// Returns `S_OK`; `E_INVALIDARG` if `message` or `bytes` is NULL,
/// `framing` is not one of the three values, or the message cannot be
/// encoded: `correlation_id` or `intent` not zero without the mode
/// sub-header, a NULL `sections` array with a non-zero `count`, a NULL
/// section, a section with no attributes, one that does not start with its
/// system health id or that holds a second one, anything
/// `naputil_soh_encode` refuses in a section, or more than
/// `maxNetworkSoHSize` bytes from the SoH header on; `E_OUTOFMEMORY` if
/// memory runs out. On failure nothing is allocated and `*bytes` is not
/// written.
#[no_mangle]
pub unsafe extern "C" fn naputil_soh_message_encode(
    message: *const NaputilSoHMessage,
    framing: u32,
    bytes: *mut *mut NetworkSoH,
) -> HRESULT {
    contain(|| {
        require_non_null!(message, E_INVALIDARG);
        require_non_null!(bytes, E_INVALIDARG);
        let Some(framing) = Framing::from_raw(framing) else { return E_INVALIDARG };
        // SAFETY: non-NULL; the caller promises a readable message, and
        // storage for one pointer at `bytes`.
        unsafe { written(bytes, soh::encode_message(message, framing)) }
    })
}

/// Decodes a complete SoH or SoH response message from bytes in `framing`
/// (the format `naputil_soh_message_encode` writes).
///
/// The input is checked completely before anything is allocated: the
/// framing's and the SoH header's types, vendor ids and lengths (each must
/// count exactly the bytes that follow it: the message fills the buffer),
/// `minNetworkSoHSize`..`maxNetworkSoHSize` bytes from the SoH header on,
/// inner type 1 or 2, for 2 the mode sub-header's type, length 30, vendor
/// id and content type 0, then the attributes as `naputil_soh_decode`
/// checks them. The first attribute must be a
/// `sohAttributeTypeSystemHealthId`; each one opens a new section, of at
/// most `maxSoHAttributeCount` attributes. Nothing outside
/// `bytes->data[0 .. bytes->size)` is read.
///
/// On success `*message` receives a new `NaputilSoHMessage`: the
/// structure, its `sections` array (NULL when there are none) and each
/// section, a `SoH` in the shape `naputil_soh_decode` describes, are
/// separate task-memory blocks. Free it all with
/// `naputil_soh_message_free`; a section may be taken out first (set its
/// entry to NULL) and freed later with `FreeSoH`.
///
/// Returns `S_OK`; `NAP_E_INVALID_PACKET` if the bytes are not a valid
/// message in `framing`; `E_INVALIDARG` if `bytes` or `message` is NULL,
/// `bytes->data` is NULL with a non-zero `bytes->size`, or `framing` is
/// not one of the `NAPUTIL_SOH_FRAMING_*` values; `E_OUTOFMEMORY` if memory
/// runs out. On failure nothing is allocated and `*message` is not
/// written.
#[no_mangle]
pub unsafe extern "C" fn naputil_soh_message_decode(
    bytes: *const NetworkSoH,
    framing: u32,
    message: *mut *mut NaputilSoHMessage,
) -> HRESULT {
    contain(|| {
        require_non_null!(bytes, E_INVALIDARG);
        require_non_null!(message, E_INVALIDARG);
        let Some(framing) = Framing::from_raw(framing) else { return E_INVALIDARG };
        // SAFETY: non-NULL; the caller promises `size` readable bytes at
        // `data`.
        let input = match unsafe { input(bytes, soh::max_message_input(framing)) } {
            Ok(input) => input,
            Err(hr) => return hr,
        };
        // SAFETY: non-NULL; the caller promises storage for one pointer.
        unsafe { written(message, soh::decode_message(&input, framing)) }
    })
}

/// Frees a `NaputilSoHMessage`: each non-NULL entry of `sections` (for
/// `i < count`) as `FreeSoH` frees it, then the `sections` array, then the
/// structure.
///
/// NULL is a no-op, and so are NULL entries and a NULL `sections` array. As
/// with every `Free*` function, a pointer that is not a live task-memory
/// block is neither read nor freed, only reported as misuse.
#[no_mangle]
pub unsafe extern "C" fn naputil_soh_message_free(message: *mut NaputilSoHMessage) {
    contain(|| soh::free_message(message))
}
