//! What the SoH constructor and processor objects hold and do (their COM
//! side is `crate::com` and `capi::objects`).
//!
//! Both keep their packet as the attribute list's wire encoding: type,
//! length and value of every attribute, the `SystemHealthId` first. So an
//! attribute is checked and deep-copied once, when it comes in (through
//! the same code that encodes a `SoH`), and what goes out (`GetSoH`,
//! `GetAttribute`) is built by the decoder, in exactly the shape `FreeSoH`
//! and `FreeSoHAttributeValue` free.
//!
//! The caller's structures are read, and task memory is allocated, outside
//! the object's lock: reading is not foreign code, but allocating may be (a
//! registered spy's `PreAlloc` runs and may call the same object). Under
//! the lock only the object's own bytes are copied or replaced.

use super::wire::{self, Tlv};
use super::{build_value, decode_soh, for_each_attribute, write_attribute, Blocks};
use crate::types::base::{E_INVALIDARG, HRESULT, UINT16};
use crate::types::com::E_FILE_NOT_FOUND;
use crate::types::nap::{
    maxNetworkSoHSize, maxSoHAttributeCount, tagSoHAttributeType, SoH, SoHAttribute, SoHAttributeValue,
    NAP_E_INVALID_PACKET, NAP_E_NOT_INITIALIZED,
};

const SYSTEM_HEALTH_ID: u16 = tagSoHAttributeType::sohAttributeTypeSystemHealthId as u16;
const IPV4_FIXUP_SERVERS: u16 = tagSoHAttributeType::sohAttributeTypeIpv4FixupServers as u16;
const IPV6_FIXUP_SERVERS: u16 = tagSoHAttributeType::sohAttributeTypeIpv6FixupServers as u16;

/// One packet: its attribute list as it goes on the wire.
#[derive(Clone, Debug)]
struct Packet {
    is_request: bool,
    /// The attribute list; valid by construction (the decoder accepts it).
    list: Vec<u8>,
}

impl Packet {
    /// The attributes, as the decoder reads them back.
    fn attributes(&self) -> Vec<Tlv<'_>> {
        // The list was written by the encoder, which writes nothing the
        // decoder refuses; an empty answer would be the safe one anyway.
        wire::decode_attribute_list(&self.list).unwrap_or_default()
    }

    /// Whether a response may take one more attribute of type `kind`: at
    /// most one IPv4 and one IPv6 fix-up server list.
    fn takes(&self, kind: u16) -> bool {
        self.is_request
            || !matches!(kind, IPV4_FIXUP_SERVERS | IPV6_FIXUP_SERVERS)
            || !self.attributes().iter().any(|a| a.kind == kind)
    }
}

/// The checks `Validate` and the processor's `Initialize` make of an
/// attribute list written by the encoder: at least one attribute, the
/// first a `SystemHealthId`, and a response's fix-up server lists once each.
fn check_list(list: Vec<u8>, is_request: bool) -> Result<Packet, HRESULT> {
    let tlvs = wire::decode_attribute_list(&list).map_err(|_| NAP_E_INVALID_PACKET)?;
    if tlvs.first().map(|t| t.kind) != Some(SYSTEM_HEALTH_ID) {
        return Err(NAP_E_INVALID_PACKET);
    }
    if !is_request {
        for kind in [IPV4_FIXUP_SERVERS, IPV6_FIXUP_SERVERS] {
            if tlvs.iter().filter(|t| t.kind == kind).count() > 1 {
                return Err(NAP_E_INVALID_PACKET);
            }
        }
    }
    drop(tlvs); // borrows `list`
    Ok(Packet { is_request, list })
}

/// The caller's SoH as a checked packet (`NAP_E_INVALID_PACKET` if it is
/// not a valid SoH).
///
/// # Safety
/// `soh` points to a SoH readable as the C contract of `Validate`
/// describes.
unsafe fn packet_from_soh(soh: *const SoH, is_request: bool) -> Result<Packet, HRESULT> {
    let mut w = wire::attribute_list_writer();
    // SAFETY: guaranteed by the caller.
    unsafe { for_each_attribute(soh, |_, attribute| write_attribute(&mut w, attribute)) }
        .map_err(|_| NAP_E_INVALID_PACKET)?;
    check_list(w.into_bytes(), is_request)
}

/// `INapSoHConstructor::Validate`.
///
/// # Safety
/// As [`packet_from_soh`].
pub(crate) unsafe fn validate(soh: *const SoH, is_request: bool) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    match unsafe { packet_from_soh(soh, is_request) } {
        Ok(_) => 0,
        Err(e) => e,
    }
}

/// The wire bytes (type, length, value) of the caller's attribute value,
/// for `AppendAttribute`, read and encoded before the object's lock is
/// taken: `E_INVALIDARG` for a type that is not a
/// `SoHAttributeType`, for `SystemHealthId` (which `Initialize` writes),
/// and for a value that has no encoding.
///
/// # Safety
/// `value` points to a `SoHAttributeValue` readable as the C contract of
/// `AppendAttribute` describes.
pub(crate) unsafe fn appended(kind: u32, value: *const SoHAttributeValue) -> Result<(u16, Vec<u8>), HRESULT> {
    let known = tagSoHAttributeType::from_raw(kind).ok_or(E_INVALIDARG)?;
    if known == tagSoHAttributeType::sohAttributeTypeSystemHealthId {
        return Err(E_INVALIDARG);
    }
    let kind = known as u16;
    let attribute = SoHAttribute { r#type: kind, size: 0, value: value.cast_mut().cast() };
    let mut w = wire::attribute_list_writer();
    // SAFETY: guaranteed by the caller.
    unsafe { write_attribute(&mut w, &attribute) }.map_err(|_| E_INVALIDARG)?;
    Ok((kind, w.into_bytes()))
}

/// A list holding only the `SystemHealthId` attribute `id`.
fn id_list(id: u32) -> Vec<u8> {
    let mut w = wire::attribute_list_writer();
    // Four bytes of value in a writer with room for 4000: cannot fail.
    let _ = w.attribute(SYSTEM_HEALTH_ID, |w| w.u32(id));
    w.into_bytes()
}

/// An `INapSoHConstructor`'s state: the packet being built, once
/// `Initialize` has started one.
#[derive(Default, Debug)]
pub(crate) struct Constructor {
    packet: Option<Packet>,
}

impl Constructor {
    /// `Initialize`: starts a packet (dropping one started before).
    pub(crate) fn initialize(&mut self, id: u32, is_request: bool) {
        self.packet = Some(Packet { is_request, list: id_list(id) });
    }

    /// `AppendAttribute`, given the attribute's wire bytes from
    /// [`appended`]. Nothing changes on failure.
    pub(crate) fn append(&mut self, encoded: &(u16, Vec<u8>)) -> HRESULT {
        let Some(packet) = self.packet.as_mut() else { return NAP_E_NOT_INITIALIZED };
        let (kind, bytes) = encoded;
        let full = packet.attributes().len() >= maxSoHAttributeCount as usize
            || packet.list.len() + bytes.len() > maxNetworkSoHSize as usize;
        if full || !packet.takes(*kind) {
            return E_INVALIDARG;
        }
        packet.list.extend_from_slice(bytes);
        0
    }

    /// A copy of the attribute list for `GetSoH` (built outside the lock
    /// with [`soh_from_list`]).
    pub(crate) fn list(&self) -> Result<Vec<u8>, HRESULT> {
        self.packet.as_ref().map(|p| p.list.clone()).ok_or(NAP_E_NOT_INITIALIZED)
    }
}

/// A new SoH (task memory, `FreeSoH`) holding the attribute list `list`.
pub(crate) fn soh_from_list(list: &[u8]) -> Result<*mut SoH, HRESULT> {
    decode_soh(list)
}

/// An `INapSoHProcessor`'s state: the packet `Initialize` took in.
#[derive(Default, Debug)]
pub(crate) struct Processor {
    packet: Option<Packet>,
}

/// A checked copy of a caller's SoH, made before the processor's lock is
/// taken, with its system health id.
pub(crate) struct Incoming {
    packet: Packet,
    pub(crate) id: u32,
}

/// Reads and checks the SoH the processor's `Initialize` was given.
///
/// # Safety
/// As [`packet_from_soh`].
pub(crate) unsafe fn incoming(soh: *const SoH, is_request: bool) -> Result<Incoming, HRESULT> {
    // SAFETY: guaranteed by the caller.
    let packet = unsafe { packet_from_soh(soh, is_request) }?;
    let id = packet.attributes().first().map_or(0, |t| wire::be32(t.value));
    Ok(Incoming { packet, id })
}

impl Processor {
    /// `Initialize`: takes the checked packet (replacing one taken before).
    pub(crate) fn initialize(&mut self, incoming: Incoming) {
        self.packet = Some(incoming.packet);
    }

    fn packet(&self) -> Result<&Packet, HRESULT> {
        self.packet.as_ref().ok_or(NAP_E_NOT_INITIALIZED)
    }

    /// `GetNumberOfAttributes`.
    pub(crate) fn count(&self) -> Result<UINT16, HRESULT> {
        // At most maxSoHAttributeCount attributes: fits in UINT16.
        self.packet().map(|p| p.attributes().len() as UINT16)
    }

    /// `FindNextAttribute`: the first position at or after `from` holding
    /// an attribute of type `kind`.
    pub(crate) fn find(&self, from: UINT16, kind: u32) -> Result<UINT16, HRESULT> {
        let packet = self.packet()?;
        let found = packet
            .attributes()
            .iter()
            .enumerate()
            .skip(usize::from(from))
            .find(|(_, t)| u32::from(t.kind) == kind)
            .map(|(i, _)| i as UINT16);
        found.ok_or(E_FILE_NOT_FOUND)
    }

    /// `GetAttribute`: a copy of the type and value bytes at `location`
    /// (built into task memory outside the lock with [`value_from`]).
    pub(crate) fn attribute(&self, location: UINT16) -> Result<(u16, Vec<u8>), HRESULT> {
        let packet = self.packet()?;
        let tlvs = packet.attributes();
        let tlv = tlvs.get(usize::from(location)).ok_or(E_INVALIDARG)?;
        Ok((tlv.kind, tlv.value.to_vec()))
    }
}

/// A new `SoHAttributeValue` (task memory, `FreeSoHAttributeValue`) for an
/// attribute of type `kind` whose wire value is `value`; for a type that is
/// not a `SoHAttributeType`, a block holding the raw bytes (NULL when
/// there are none).
pub(crate) fn value_from(kind: u16, value: &[u8]) -> Result<*mut SoHAttributeValue, HRESULT> {
    let mut blocks = Blocks::default();
    let made = build_value(&mut blocks, &Tlv { kind, value })?;
    blocks.keep();
    Ok(made.cast::<SoHAttributeValue>())
}
