//! The SoH wire format between NAP structures and bytes (exported by
//! `capi::soh`; the byte level is [`wire`]).
//!
//! # Decoding
//!
//! The input is copied and checked completely (every length, every count,
//! every value's length against its type, the NAP limits) before any task
//! memory is allocated, so bad input allocates nothing. Then the NAP
//! structures are built in the shape `FreeSoH` frees: the `SoH`, its
//! `attributes` array, each attribute's `SoHAttributeValue` and the array or
//! octets that value points to are separate task-memory blocks, allocated
//! through a registered spy as `CoTaskMemAlloc` allocates. Each attribute's
//! `size` is the length of its value on the wire. An attribute whose type
//! is not a `SoHAttributeType` keeps its value as a block of `size` raw
//! bytes (NULL when empty), which `FreeSoH` frees as it is. If memory runs
//! out, everything built so far is freed again.
//!
//! What decoding allocates is bounded by the input: at most 8 bytes of task
//! memory per input byte plus 64 (an attribute takes at least 4 input
//! bytes and at most 32 bytes of structures beyond the bytes it copies).
//!
//! # Encoding
//!
//! The caller's structures are read as the C contract describes them (they
//! may live anywhere: the stack, task memory, static storage), checked, and
//! written into a buffer that cannot grow past the format's limit. For the
//! `SoHAttributeType` values the value is written from the union member the
//! type selects and `size` is not read; for any other type `size` bytes at
//! `value` are written as they are. Anything that has no encoding (a count
//! over its limit, a NULL pointer that should hold data, a value or message
//! over the size limits, a section that does not start with its system
//! health id) is refused with `E_INVALIDARG`. Only then is the output
//! `NetworkSoH` allocated.

pub(crate) mod objects;
mod wire;

use crate::nap::{self, Freeing};
use crate::spy;
use crate::types::base::{BYTE, E_INVALIDARG, E_OUTOFMEMORY, HRESULT, UINT16};
use crate::types::nap::{
    maxDwordCountPerSoHAttribute, maxIpv4CountPerSoHAttribute, maxIpv6CountPerSoHAttribute, maxNetworkSoHSize,
    maxSoHAttributeCount, maxSoHAttributeSize, tagIpv4Addresses, tagIpv6Addresses, tagOctetString, tagSoHAttributeType,
    tagVendorSpecific, Ipv4Address, Ipv6Address, NetworkSoH, ResultCodes, SoH, SoHAttribute, SoHAttributeValue,
    NAP_E_INVALID_PACKET,
};
use crate::types::soh::NaputilSoHMessage;
use core::ffi::c_void;
use core::mem::size_of;
use core::ptr::{self, addr_of, addr_of_mut};
use wire::{Tlv, Unencodable, Writer};

pub(crate) use wire::Framing;

fn invalid(_: wire::Invalid) -> HRESULT {
    NAP_E_INVALID_PACKET
}

fn unencodable(_: Unencodable) -> HRESULT {
    E_INVALIDARG
}

// ---------------------------------------------------------------------------
// Building task-memory results
// ---------------------------------------------------------------------------

/// The task-memory blocks of one result being built: freed again (through
/// the spy, newest first) unless the result is handed out with
/// [`Blocks::keep`].
#[derive(Default)]
struct Blocks(Vec<*mut c_void>);

impl Blocks {
    /// A zero-filled block of `size` bytes.
    fn zeroed(&mut self, size: usize) -> Result<*mut c_void, HRESULT> {
        let p = spy::alloc_with_room(size);
        if p.is_null() {
            return Err(E_OUTOFMEMORY);
        }
        self.0.push(p);
        // SAFETY: `alloc_with_room` checked that `p` has `size` bytes of room.
        unsafe { ptr::write_bytes(p.cast::<u8>(), 0, size) };
        Ok(p)
    }

    /// A zero-filled array of `count` `T`s; NULL when `count` is 0.
    fn array<T>(&mut self, count: usize) -> Result<*mut T, HRESULT> {
        if count == 0 {
            return Ok(ptr::null_mut());
        }
        Ok(self.zeroed(count * size_of::<T>())?.cast())
    }

    /// A copy of `bytes`; NULL when `bytes` is empty.
    fn copy(&mut self, bytes: &[u8]) -> Result<*mut BYTE, HRESULT> {
        let p = self.array::<BYTE>(bytes.len())?;
        if !p.is_null() {
            // SAFETY: `p` is a fresh block of `bytes.len()` bytes.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
        }
        Ok(p)
    }

    /// Hands the result out: nothing is freed.
    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for Blocks {
    fn drop(&mut self) {
        for &p in self.0.iter().rev() {
            spy::free(p, |_| {});
        }
    }
}

/// A new `SoHAttributeValue` block, zero-filled, then handed to `fill`.
fn value_block(blocks: &mut Blocks, fill: impl FnOnce(*mut SoHAttributeValue)) -> Result<*mut BYTE, HRESULT> {
    let value = blocks.zeroed(size_of::<SoHAttributeValue>())?.cast::<SoHAttributeValue>();
    fill(value);
    Ok(value.cast())
}

/// Writes `v` to `*p`, which may be unaligned (a spy may offset the
/// pointers it hands out).
///
/// # Safety
/// `p` points into a block this module allocated, with room for a `T`.
unsafe fn put<T>(p: *mut T, v: T) {
    // SAFETY: guaranteed by the caller.
    unsafe { p.write_unaligned(v) }
}

/// The value block of one attribute read from the wire.
fn build_value(blocks: &mut Blocks, tlv: &Tlv<'_>) -> Result<*mut BYTE, HRESULT> {
    use tagSoHAttributeType::*;
    let bytes = tlv.value;
    // Counts and sizes below fit in UINT16: values are at most
    // maxSoHAttributeSize bytes (checked by the wire layer).
    let Some(kind) = tagSoHAttributeType::from_raw(u32::from(tlv.kind)) else { return blocks.copy(bytes) };
    // SAFETY (every `put` below): `v` is a fresh SoHAttributeValue block, and
    // each field written belongs to the member that `kind` selects.
    match kind {
        sohAttributeTypeSystemHealthId => {
            let id = wire::be32(bytes);
            value_block(blocks, |v| unsafe { put(addr_of_mut!((*v).idVal), id) })
        }
        sohAttributeTypeIpv4FixupServers => {
            let addresses = blocks.copy(bytes)?.cast::<Ipv4Address>();
            let count = (bytes.len() / size_of::<Ipv4Address>()) as UINT16;
            value_block(blocks, |v| unsafe {
                put(addr_of_mut!((*v).v4AddressesVal.count), count);
                put(addr_of_mut!((*v).v4AddressesVal.addresses), addresses);
            })
        }
        sohAttributeTypeIpv6FixupServers => {
            let addresses = blocks.copy(bytes)?.cast::<Ipv6Address>();
            let count = (bytes.len() / size_of::<Ipv6Address>()) as UINT16;
            value_block(blocks, |v| unsafe {
                put(addr_of_mut!((*v).v6AddressesVal.count), count);
                put(addr_of_mut!((*v).v6AddressesVal.addresses), addresses);
            })
        }
        sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes => {
            let codes: Vec<HRESULT> = bytes.chunks_exact(4).map(|c| wire::be32(c) as HRESULT).collect();
            let results = blocks.array::<HRESULT>(codes.len())?;
            for (i, &code) in codes.iter().enumerate() {
                // SAFETY: `results` has room for `codes.len()` HRESULTs.
                unsafe { put(results.add(i), code) };
            }
            let count = codes.len() as UINT16;
            value_block(blocks, |v| unsafe {
                put(addr_of_mut!((*v).codesVal.count), count);
                put(addr_of_mut!((*v).codesVal.results), results);
            })
        }
        sohAttributeTypeTimeOfLastUpdate | sohAttributeTypeSoHGenerationTime => {
            let time = wire::filetime_from_wire(bytes);
            value_block(blocks, |v| unsafe { put(addr_of_mut!((*v).dateTimeVal), time) })
        }
        sohAttributeTypeClientId
        | sohAttributeTypeSoftwareVersion
        | sohAttributeTypeProductName
        | sohAttributeTypeHealthClassStatus => {
            let data = blocks.copy(bytes)?;
            let size = bytes.len() as UINT16;
            value_block(blocks, |v| unsafe {
                put(addr_of_mut!((*v).octetStringVal.size), size);
                put(addr_of_mut!((*v).octetStringVal.data), data);
            })
        }
        sohAttributeTypeVendorSpecific => {
            let vendor_id = wire::be32(bytes);
            let data = blocks.copy(&bytes[4..])?;
            let size = (bytes.len() - 4) as UINT16;
            value_block(blocks, |v| unsafe {
                put(addr_of_mut!((*v).vendorSpecificVal.vendorId), vendor_id);
                put(addr_of_mut!((*v).vendorSpecificVal.size), size);
                put(addr_of_mut!((*v).vendorSpecificVal.vendorSpecificData), data);
            })
        }
        sohAttributeTypeHealthClass | sohAttributeTypeFailureCategory | sohAttributeTypeExtendedIsolationState => {
            let byte = bytes[0];
            value_block(blocks, |v| unsafe { put(addr_of_mut!((*v).uint8Val), byte) })
        }
    }
}

/// A new `SoH` holding `tlvs` (at most `maxSoHAttributeCount` of them).
fn build_soh(blocks: &mut Blocks, tlvs: &[Tlv<'_>]) -> Result<*mut SoH, HRESULT> {
    let attributes = blocks.array::<SoHAttribute>(tlvs.len())?;
    for (i, tlv) in tlvs.iter().enumerate() {
        let value = build_value(blocks, tlv)?;
        // SAFETY: `attributes` has room for `tlvs.len()` entries.
        unsafe {
            let attribute = attributes.add(i);
            put(addr_of_mut!((*attribute).r#type), tlv.kind);
            put(addr_of_mut!((*attribute).size), tlv.value.len() as UINT16);
            put(addr_of_mut!((*attribute).value), value);
        }
    }
    let soh = blocks.zeroed(size_of::<SoH>())?.cast::<SoH>();
    // SAFETY: `soh` is a fresh block with room for a SoH.
    unsafe {
        put(addr_of_mut!((*soh).count), tlvs.len() as UINT16);
        put(addr_of_mut!((*soh).attributes), attributes);
    }
    Ok(soh)
}

/// A new `NetworkSoH` holding a copy of `bytes` (at most a UINT16's worth:
/// the writers' limits are below it).
fn build_network_soh(bytes: &[u8]) -> Result<*mut NetworkSoH, HRESULT> {
    let size = UINT16::try_from(bytes.len()).map_err(|_| E_INVALIDARG)?;
    let mut blocks = Blocks::default();
    let data = blocks.copy(bytes)?;
    let made = blocks.zeroed(size_of::<NetworkSoH>())?.cast::<NetworkSoH>();
    // SAFETY: `made` is a fresh block with room for a NetworkSoH.
    unsafe {
        put(addr_of_mut!((*made).size), size);
        put(addr_of_mut!((*made).data), data);
    }
    blocks.keep();
    Ok(made)
}

// ---------------------------------------------------------------------------
// Reading the caller's structures
// ---------------------------------------------------------------------------

/// Reads a `T` the caller promises is at `p` (at any alignment).
///
/// # Safety
/// `p` points to a readable `T`.
unsafe fn read<T>(p: *const T) -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { p.read_unaligned() }
}

/// The `count` elements of the caller's array `array`, as bytes.
///
/// # Safety
/// When `count` is not 0 and `array` is not NULL, `array` points to
/// `count` readable `T`s.
unsafe fn caller_elements<'a, T>(array: *const T, count: usize) -> Result<&'a [u8], Unencodable> {
    if count == 0 {
        return Ok(&[]);
    }
    if array.is_null() {
        return Err(Unencodable);
    }
    // SAFETY: guaranteed by the caller; the elements are plain bytes.
    Ok(unsafe { core::slice::from_raw_parts(array.cast::<u8>(), count * size_of::<T>()) })
}

/// Refuses a count over `limit` before anything is read behind it.
fn at_most(count: UINT16, limit: u32) -> Result<usize, Unencodable> {
    if u32::from(count) <= limit {
        Ok(usize::from(count))
    } else {
        Err(Unencodable)
    }
}

/// Writes the caller's attribute `attribute`.
///
/// # Safety
/// `attribute.value` (and what it points to) is readable as the C contract
/// of the exported encoders describes.
unsafe fn write_attribute(w: &mut Writer, attribute: &SoHAttribute) -> Result<(), Unencodable> {
    use tagSoHAttributeType::*;
    let kind = attribute.r#type;
    let Some(known) = tagSoHAttributeType::from_raw(u32::from(kind)) else {
        let size = at_most(attribute.size, maxSoHAttributeSize)?;
        // SAFETY: an unknown type's value is `size` readable bytes.
        let raw = unsafe { caller_elements(attribute.value, size) }?;
        return w.attribute(kind, |w| w.bytes(raw));
    };
    let v = attribute.value.cast::<SoHAttributeValue>().cast_const();
    if v.is_null() {
        return Err(Unencodable);
    }
    // SAFETY (every `read` below): `v` points to the caller's
    // SoHAttributeValue; only the member `known` selects is read, and only
    // as far as that member reaches; its array is read only after its count
    // is checked against the limit for the type.
    w.attribute(kind, |w| unsafe {
        match known {
            sohAttributeTypeSystemHealthId => w.u32(read(addr_of!((*v).idVal))),
            sohAttributeTypeIpv4FixupServers => {
                let list: tagIpv4Addresses = read(addr_of!((*v).v4AddressesVal));
                let count = at_most(list.count, maxIpv4CountPerSoHAttribute)?;
                w.bytes(caller_elements(list.addresses, count)?)
            }
            sohAttributeTypeIpv6FixupServers => {
                let list: tagIpv6Addresses = read(addr_of!((*v).v6AddressesVal));
                let count = at_most(list.count, maxIpv6CountPerSoHAttribute)?;
                w.bytes(caller_elements(list.addresses, count)?)
            }
            sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes => {
                let codes: ResultCodes = read(addr_of!((*v).codesVal));
                let count = at_most(codes.count, maxDwordCountPerSoHAttribute)?;
                for code in caller_elements(codes.results, count)?.chunks_exact(4) {
                    w.u32(HRESULT::from_ne_bytes([code[0], code[1], code[2], code[3]]) as u32)?;
                }
                Ok(())
            }
            sohAttributeTypeTimeOfLastUpdate | sohAttributeTypeSoHGenerationTime => {
                w.bytes(&wire::filetime_to_wire(read(addr_of!((*v).dateTimeVal))))
            }
            sohAttributeTypeClientId
            | sohAttributeTypeSoftwareVersion
            | sohAttributeTypeProductName
            | sohAttributeTypeHealthClassStatus => {
                let octets: tagOctetString = read(addr_of!((*v).octetStringVal));
                let size = at_most(octets.size, maxSoHAttributeSize)?;
                w.bytes(caller_elements(octets.data, size)?)
            }
            sohAttributeTypeVendorSpecific => {
                let vendor: tagVendorSpecific = read(addr_of!((*v).vendorSpecificVal));
                let size = at_most(vendor.size, maxSoHAttributeSize - 4)?;
                w.u32(vendor.vendorId)?;
                w.bytes(caller_elements(vendor.vendorSpecificData, size)?)
            }
            sohAttributeTypeHealthClass | sohAttributeTypeFailureCategory | sohAttributeTypeExtendedIsolationState => {
                w.u8(read(addr_of!((*v).uint8Val)))
            }
        }
    })
}

/// The caller's SoH: its attributes, checked against
/// `maxSoHAttributeCount`, handed one by one to `each` with its position.
///
/// # Safety
/// `soh` points to a readable SoH whose `attributes` holds `count` entries.
unsafe fn for_each_attribute(
    soh: *const SoH,
    mut each: impl FnMut(usize, &SoHAttribute) -> Result<(), Unencodable>,
) -> Result<usize, Unencodable> {
    // SAFETY: guaranteed by the caller.
    let made = unsafe { read(soh) };
    let count = at_most(made.count, maxSoHAttributeCount)?;
    if count > 0 && made.attributes.is_null() {
        return Err(Unencodable);
    }
    for i in 0..count {
        // SAFETY: guaranteed by the caller; `i < count`.
        let attribute = unsafe { read(made.attributes.add(i)) };
        each(i, &attribute)?;
    }
    Ok(count)
}

// ---------------------------------------------------------------------------
// The operations behind the exported functions
// ---------------------------------------------------------------------------

/// `naputil_soh_decode`: a new SoH holding the attribute list `bytes`.
pub(crate) fn decode_soh(bytes: &[u8]) -> Result<*mut SoH, HRESULT> {
    let tlvs = wire::decode_attribute_list(bytes).map_err(invalid)?;
    let mut blocks = Blocks::default();
    let soh = build_soh(&mut blocks, &tlvs)?;
    blocks.keep();
    Ok(soh)
}

/// `naputil_soh_encode`: the attribute list of `soh` as a new NetworkSoH.
///
/// # Safety
/// `soh` points to a SoH readable as the C contract describes.
pub(crate) unsafe fn encode_soh(soh: *const SoH) -> Result<*mut NetworkSoH, HRESULT> {
    let mut w = wire::attribute_list_writer();
    // SAFETY: guaranteed by the caller.
    unsafe { for_each_attribute(soh, |_, attribute| write_attribute(&mut w, attribute)) }.map_err(unencodable)?;
    build_network_soh(&w.into_bytes())
}

/// The longest input worth copying for `framing` (longer is invalid).
pub(crate) const fn max_message_input(framing: Framing) -> usize {
    wire::max_message_input(framing)
}

/// The longest attribute list input worth copying (longer is invalid).
pub(crate) const MAX_ATTRIBUTE_LIST_INPUT: usize = maxNetworkSoHSize as usize;

/// `naputil_soh_message_decode`: a new message holding `bytes`.
pub(crate) fn decode_message(bytes: &[u8], framing: Framing) -> Result<*mut NaputilSoHMessage, HRESULT> {
    let message = wire::decode_message(bytes, framing).map_err(invalid)?;
    let mut blocks = Blocks::default();
    let sections = blocks.array::<*mut SoH>(message.sections.len())?;
    for (i, tlvs) in message.sections.iter().enumerate() {
        let soh = build_soh(&mut blocks, tlvs)?;
        // SAFETY: `sections` has room for one pointer per section.
        unsafe { put(sections.add(i), soh) };
    }
    let made = blocks.zeroed(size_of::<NaputilSoHMessage>())?.cast::<NaputilSoHMessage>();
    // SAFETY: `made` is a fresh, zero-filled block with room for a message;
    // a message without a mode sub-header keeps the zero fields. A section
    // takes at least 8 of at most 4000 bytes, so the count fits in UINT16.
    unsafe {
        if let Some(mode) = message.mode {
            put(addr_of_mut!((*made).has_mode_sub_header), 1);
            put(addr_of_mut!((*made).correlation_id), wire::correlation_id_from_wire(&mode.correlation_id));
            put(addr_of_mut!((*made).intent), mode.intent);
        }
        put(addr_of_mut!((*made).count), message.sections.len() as UINT16);
        put(addr_of_mut!((*made).sections), sections);
    }
    blocks.keep();
    Ok(made)
}

/// `naputil_soh_message_encode`: `message` in `framing`, as a new
/// NetworkSoH.
///
/// # Safety
/// `message` points to a message readable as the C contract describes.
pub(crate) unsafe fn encode_message(
    message: *const NaputilSoHMessage,
    framing: Framing,
) -> Result<*mut NetworkSoH, HRESULT> {
    // SAFETY: guaranteed by the caller.
    let made = unsafe { read(message) };
    let mode = if made.has_mode_sub_header != 0 {
        Some(wire::ModeSubHeader {
            correlation_id: wire::correlation_id_to_wire(&made.correlation_id),
            intent: made.intent,
        })
    } else {
        // Without the sub-header these fields have nowhere to go.
        if made.intent != 0 || wire::correlation_id_to_wire(&made.correlation_id) != [0; 24] {
            return Err(E_INVALIDARG);
        }
        None
    };
    let count = usize::from(made.count);
    if count > 0 && made.sections.is_null() {
        return Err(E_INVALIDARG);
    }
    let bytes = wire::encode_message(framing, mode, |w| {
        for i in 0..count {
            // SAFETY: the caller's `sections` holds `count` pointers. The
            // writer's limit ends the loop after at most 500 sections
            // (every section takes 8 bytes or more).
            let section = unsafe { read(made.sections.add(i)) };
            if section.is_null() {
                return Err(Unencodable);
            }
            // SAFETY: each entry points to a SoH readable as the contract says.
            let written = unsafe {
                for_each_attribute(section, |position, attribute| {
                    // A section is delimited by its system health id.
                    if wire::opens_section(attribute.r#type) != (position == 0) {
                        return Err(Unencodable);
                    }
                    write_attribute(w, attribute)
                })
            }?;
            if written == 0 {
                return Err(Unencodable);
            }
        }
        Ok(())
    })
    .map_err(unencodable)?;
    build_network_soh(&bytes)
}

/// `naputil_soh_message_free`: every section as `FreeSoH` frees it, the
/// sections array, then the message (see `crate::nap` for how).
pub(crate) fn free_message(message: *mut NaputilSoHMessage) {
    let mut freeing = Freeing::new("naputil_soh_message_free");
    if let Some(made) = nap::snapshot(message) {
        for &section in nap::snapshot_array(made.sections, usize::from(made.count)).as_slice() {
            nap::add_soh(&mut freeing, section);
        }
        freeing.add(made.sections);
    }
    freeing.add(message);
    freeing.finish();
}

#[cfg(test)]
mod tests;
