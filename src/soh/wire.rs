//! The SoH wire format at the byte level, with no NAP structures and no
//! task memory: attribute lists and complete SoH messages read from a byte
//! slice (borrowing it) and written into a bounded buffer.
//!
//! Everything is big-endian (network byte order), as [MS-SOH] and the TNC
//! SoH binding specify and as FreeRADIUS's `rlm_soh`, strongSwan's
//! `eap_ms_soh` and hostap's `tncc.c` read and write it.
//!
//! # An attribute
//!
//! Type (2 bytes), length (2 bytes), value (length bytes). The type is the
//! whole 16-bit field: a value of `SoHAttributeType` (2..16) has the value
//! encoding below, any other type (including one with the TLV "mandatory"
//! or "reserved" bit set) is carried as opaque bytes.
//!
//! | type | value |
//! |---|---|
//! | SystemHealthId (2) | 4 bytes: the id |
//! | Ipv4FixupServers (3) | 4 bytes per address, at most `maxIpv4CountPerSoHAttribute` |
//! | ComplianceResultCodes (4), ErrorCodes (13) | 4 bytes per HRESULT, at most `maxDwordCountPerSoHAttribute` |
//! | TimeOfLastUpdate (5), SoHGenerationTime (12) | 8 bytes: the FILETIME as one 64-bit count |
//! | ClientId (6), SoftwareVersion (9), ProductName (10), HealthClassStatus (11) | the octets |
//! | VendorSpecific (7) | 4 bytes of vendor id, then the vendor's octets |
//! | HealthClass (8), FailureCategory (14), ExtendedIsolationState (16) | 1 byte |
//! | Ipv6FixupServers (15) | 16 bytes per address, at most `maxIpv6CountPerSoHAttribute` |
//!
//! No value is longer than `maxSoHAttributeSize`; an attribute list holds
//! at most `maxSoHAttributeCount` attributes in at most `maxNetworkSoHSize`
//! bytes.
//!
//! # A message
//!
//! ```text
//! [PEAP framings only]  7 | length | 311 | SoH TLV type (1 or 3) | length
//! SoH header            7 | length | 311 | inner type (1, or 2 with a mode sub-header) | length
//! [mode sub-header]     7 | 30 | 311 | correlation id (24) | intent (1) | content type (1) = 0
//! attributes            one section per system health entity, each opened
//!                       by its SystemHealthId attribute
//! ```
//!
//! Each length counts the bytes after its own field, to the end of the
//! input: a message fills its buffer exactly. From the SoH header on, a
//! message is `minNetworkSoHSize`..`maxNetworkSoHSize` bytes.

use crate::types::base::{FILETIME, GUID};
use crate::types::nap::{
    maxDwordCountPerSoHAttribute, maxIpv4CountPerSoHAttribute, maxIpv6CountPerSoHAttribute, maxNetworkSoHSize,
    maxSoHAttributeCount, maxSoHAttributeSize, minNetworkSoHSize, tagSoHAttributeType, CorrelationId,
};
use crate::types::soh::{
    NAPUTIL_SOH_FRAMING_MESSAGE, NAPUTIL_SOH_FRAMING_PEAP_SOH, NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE,
};

/// Bytes that are not a valid SoH (`NAP_E_INVALID_PACKET`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Invalid;

/// A value that has no encoding within the format and its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unencodable;

/// TLV type of a vendor-specific TLV, at every level of the format.
const VENDOR_SPECIFIC: u16 = 7;
/// The IANA private enterprise number of Microsoft.
const MICROSOFT: u32 = 311;
/// Inner type of an SoH header without a mode sub-header.
const INNER_PLAIN: u16 = 1;
/// Inner type of an SoH header followed by a mode sub-header.
const INNER_WITH_MODE: u16 = 2;
/// Length field of the mode sub-header: vendor id, correlation id, intent
/// and content type.
const MODE_LENGTH: u16 = 4 + 24 + 1 + 1;
/// The only content type there is: attributes follow.
const CONTENT_TYPE_ATTRIBUTES: u8 = 0;
/// Type, length, vendor id, inner TLV type and inner length.
const PEAP_PREFIX: usize = 12;

const SYSTEM_HEALTH_ID: u16 = tagSoHAttributeType::sohAttributeTypeSystemHealthId as u16;

/// One attribute as it lies in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub(crate) kind: u16,
    pub(crate) value: &'a [u8],
}

/// How the message is wrapped (the `NAPUTIL_SOH_FRAMING_*` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    Message,
    PeapSoH,
    PeapSoHResponse,
}

impl Framing {
    /// The framing with C value `raw`, or `None` for a value not defined.
    pub(crate) const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            NAPUTIL_SOH_FRAMING_MESSAGE => Some(Framing::Message),
            NAPUTIL_SOH_FRAMING_PEAP_SOH => Some(Framing::PeapSoH),
            NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE => Some(Framing::PeapSoHResponse),
            _ => None,
        }
    }

    /// The vendor TLV type inside the PEAP vendor-specific TLV, if any.
    const fn peap_tlv_type(self) -> Option<u16> {
        match self {
            Framing::Message => None,
            Framing::PeapSoH => Some(1),
            Framing::PeapSoHResponse => Some(3),
        }
    }

    /// Bytes the framing adds in front of the SoH header.
    const fn prefix(self) -> usize {
        match self.peap_tlv_type() {
            Some(_) => PEAP_PREFIX,
            None => 0,
        }
    }
}

/// The fields of a mode sub-header that are not fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModeSubHeader {
    pub(crate) correlation_id: [u8; 24],
    pub(crate) intent: u8,
}

/// A message as it lies in the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Message<'a> {
    pub(crate) mode: Option<ModeSubHeader>,
    /// Each section's attributes, the first one its SystemHealthId.
    pub(crate) sections: Vec<Vec<Tlv<'a>>>,
}

/// The longest input a framing can hold: larger ones are invalid whatever
/// they contain.
pub(crate) const fn max_message_input(framing: Framing) -> usize {
    framing.prefix() + maxNetworkSoHSize as usize
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// The lengths a value of one attribute type may have.
enum Lengths {
    Exactly(usize),
    /// Whole `unit`s, at most `max` of them.
    Units {
        unit: usize,
        max: u32,
    },
    AtLeast(usize),
    Any,
}

fn lengths(kind: u16) -> Lengths {
    use tagSoHAttributeType::*;
    match tagSoHAttributeType::from_raw(u32::from(kind)) {
        Some(sohAttributeTypeSystemHealthId) => Lengths::Exactly(4),
        Some(sohAttributeTypeIpv4FixupServers) => Lengths::Units { unit: 4, max: maxIpv4CountPerSoHAttribute },
        Some(sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes) => {
            Lengths::Units { unit: 4, max: maxDwordCountPerSoHAttribute }
        }
        Some(sohAttributeTypeTimeOfLastUpdate | sohAttributeTypeSoHGenerationTime) => Lengths::Exactly(8),
        Some(sohAttributeTypeVendorSpecific) => Lengths::AtLeast(4),
        Some(
            sohAttributeTypeHealthClass | sohAttributeTypeFailureCategory | sohAttributeTypeExtendedIsolationState,
        ) => Lengths::Exactly(1),
        Some(sohAttributeTypeIpv6FixupServers) => Lengths::Units { unit: 16, max: maxIpv6CountPerSoHAttribute },
        Some(
            sohAttributeTypeClientId
            | sohAttributeTypeSoftwareVersion
            | sohAttributeTypeProductName
            | sohAttributeTypeHealthClassStatus,
        )
        | None => Lengths::Any,
    }
}

/// Whether `value` is a well-formed value for an attribute of type `kind`.
pub(crate) fn is_valid_value(kind: u16, value: &[u8]) -> bool {
    let n = value.len();
    n <= maxSoHAttributeSize as usize
        && match lengths(kind) {
            Lengths::Exactly(len) => n == len,
            Lengths::Units { unit, max } => n.is_multiple_of(unit) && n / unit <= max as usize,
            Lengths::AtLeast(len) => n >= len,
            Lengths::Any => true,
        }
}

/// Whether an attribute of type `kind` opens a new section of a message.
pub(crate) const fn opens_section(kind: u16) -> bool {
    kind == SYSTEM_HEALTH_ID
}

/// The big-endian number in the first four bytes of `bytes`.
pub(crate) fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// A FILETIME from its 8-byte wire form (one 64-bit big-endian count).
pub(crate) fn filetime_from_wire(bytes: &[u8]) -> FILETIME {
    FILETIME { dwHighDateTime: be32(&bytes[..4]), dwLowDateTime: be32(&bytes[4..8]) }
}

/// The 8-byte wire form of a FILETIME.
pub(crate) fn filetime_to_wire(time: FILETIME) -> [u8; 8] {
    let mut out = [0; 8];
    out[..4].copy_from_slice(&time.dwHighDateTime.to_be_bytes());
    out[4..].copy_from_slice(&time.dwLowDateTime.to_be_bytes());
    out
}

/// The 24-byte wire form of a correlation id (see `NaputilSoHMessage`).
pub(crate) fn correlation_id_to_wire(id: &CorrelationId) -> [u8; 24] {
    let mut out = [0; 24];
    out[..4].copy_from_slice(&id.connId.Data1.to_be_bytes());
    out[4..6].copy_from_slice(&id.connId.Data2.to_be_bytes());
    out[6..8].copy_from_slice(&id.connId.Data3.to_be_bytes());
    out[8..16].copy_from_slice(&id.connId.Data4);
    out[16..].copy_from_slice(&filetime_to_wire(id.timeStamp));
    out
}

/// A correlation id from its 24-byte wire form.
pub(crate) fn correlation_id_from_wire(bytes: &[u8; 24]) -> CorrelationId {
    let mut data4 = [0; 8];
    data4.copy_from_slice(&bytes[8..16]);
    CorrelationId {
        connId: GUID {
            Data1: be32(&bytes[..4]),
            Data2: u16::from_be_bytes([bytes[4], bytes[5]]),
            Data3: u16::from_be_bytes([bytes[6], bytes[7]]),
            Data4: data4,
        },
        timeStamp: filetime_from_wire(&bytes[16..]),
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Reads forward through a slice; every read checks the bytes are there.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Invalid> {
        if n > self.rest.len() {
            return Err(Invalid);
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    fn u8(&mut self) -> Result<u8, Invalid> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Invalid> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, Invalid> {
        Ok(be32(self.take(4)?))
    }

    /// Reads a 2-byte number that must be `expected`.
    fn expect_u16(&mut self, expected: u16) -> Result<(), Invalid> {
        if self.u16()? == expected {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// Reads a 2-byte length that must count exactly the bytes left.
    fn expect_length_of_rest(&mut self) -> Result<(), Invalid> {
        let length = self.u16()?;
        if usize::from(length) == self.rest.len() {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// Reads a vendor-specific TLV header whose length counts the rest and
    /// whose vendor is Microsoft.
    fn expect_microsoft_tlv_to_end(&mut self) -> Result<(), Invalid> {
        self.expect_u16(VENDOR_SPECIFIC)?;
        self.expect_length_of_rest()?;
        if self.u32()? == MICROSOFT {
            Ok(())
        } else {
            Err(Invalid)
        }
    }
}

/// Every attribute in `bytes`, each value checked against its type. The
/// result has at most `bytes.len() / 4` entries.
fn read_attributes(bytes: &[u8]) -> Result<Vec<Tlv<'_>>, Invalid> {
    let mut reader = Reader { rest: bytes };
    let mut tlvs = Vec::new();
    while !reader.rest.is_empty() {
        let kind = reader.u16()?;
        let length = reader.u16()?;
        let value = reader.take(usize::from(length))?;
        if !is_valid_value(kind, value) {
            return Err(Invalid);
        }
        tlvs.push(Tlv { kind, value });
    }
    Ok(tlvs)
}

/// The attributes of one SoH: a list of at most `maxSoHAttributeCount`
/// attributes in at most `maxNetworkSoHSize` bytes.
pub(crate) fn decode_attribute_list(bytes: &[u8]) -> Result<Vec<Tlv<'_>>, Invalid> {
    if bytes.len() > maxNetworkSoHSize as usize {
        return Err(Invalid);
    }
    let tlvs = read_attributes(bytes)?;
    if tlvs.len() > maxSoHAttributeCount as usize {
        return Err(Invalid);
    }
    Ok(tlvs)
}

/// A complete message in `framing`.
pub(crate) fn decode_message(bytes: &[u8], framing: Framing) -> Result<Message<'_>, Invalid> {
    let mut reader = Reader { rest: bytes };
    if let Some(tlv_type) = framing.peap_tlv_type() {
        reader.expect_microsoft_tlv_to_end()?;
        reader.expect_u16(tlv_type)?;
        reader.expect_length_of_rest()?;
    }
    let size = reader.rest.len();
    if size < minNetworkSoHSize as usize || size > maxNetworkSoHSize as usize {
        return Err(Invalid);
    }
    reader.expect_microsoft_tlv_to_end()?;
    let inner_type = reader.u16()?;
    reader.expect_length_of_rest()?;
    let mode = match inner_type {
        INNER_PLAIN => None,
        INNER_WITH_MODE => {
            reader.expect_u16(VENDOR_SPECIFIC)?;
            reader.expect_u16(MODE_LENGTH)?;
            if reader.u32()? != MICROSOFT {
                return Err(Invalid);
            }
            let mut correlation_id = [0; 24];
            correlation_id.copy_from_slice(reader.take(24)?);
            let intent = reader.u8()?;
            if reader.u8()? != CONTENT_TYPE_ATTRIBUTES {
                return Err(Invalid);
            }
            Some(ModeSubHeader { correlation_id, intent })
        }
        _ => return Err(Invalid),
    };
    let mut sections: Vec<Vec<Tlv<'_>>> = Vec::new();
    for tlv in read_attributes(reader.rest)? {
        if opens_section(tlv.kind) {
            sections.push(Vec::new());
        }
        let Some(section) = sections.last_mut() else { return Err(Invalid) };
        if section.len() == maxSoHAttributeCount as usize {
            return Err(Invalid);
        }
        section.push(tlv);
    }
    Ok(Message { mode, sections })
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// A byte buffer that refuses to grow past its limit.
pub(crate) struct Writer {
    bytes: Vec<u8>,
    limit: usize,
}

impl Writer {
    pub(crate) fn new(limit: usize) -> Self {
        Writer { bytes: Vec::new(), limit }
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<(), Unencodable> {
        if bytes.len() > self.limit - self.bytes.len() {
            return Err(Unencodable);
        }
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn u8(&mut self, value: u8) -> Result<(), Unencodable> {
        self.bytes(&[value])
    }

    pub(crate) fn u16(&mut self, value: u16) -> Result<(), Unencodable> {
        self.bytes(&value.to_be_bytes())
    }

    pub(crate) fn u32(&mut self, value: u32) -> Result<(), Unencodable> {
        self.bytes(&value.to_be_bytes())
    }

    /// Writes a placeholder for a 2-byte length; returns where it is.
    fn length_placeholder(&mut self) -> Result<usize, Unencodable> {
        let at = self.bytes.len();
        self.u16(0)?;
        Ok(at)
    }

    /// Fills the length placeholder at `at` with the bytes written after it.
    fn fill_length(&mut self, at: usize) -> Result<(), Unencodable> {
        let length = u16::try_from(self.bytes.len() - at - 2).map_err(|_| Unencodable)?;
        self.bytes[at..at + 2].copy_from_slice(&length.to_be_bytes());
        Ok(())
    }

    fn microsoft_tlv_header(&mut self) -> Result<usize, Unencodable> {
        self.u16(VENDOR_SPECIFIC)?;
        let length = self.length_placeholder()?;
        self.u32(MICROSOFT)?;
        Ok(length)
    }

    /// Writes one attribute of type `kind` whose value `value` writes.
    /// Refuses a value the decoder would not accept for `kind`.
    pub(crate) fn attribute(
        &mut self,
        kind: u16,
        value: impl FnOnce(&mut Writer) -> Result<(), Unencodable>,
    ) -> Result<(), Unencodable> {
        self.u16(kind)?;
        let length = self.length_placeholder()?;
        value(self)?;
        if !is_valid_value(kind, &self.bytes[length + 2..]) {
            return Err(Unencodable);
        }
        self.fill_length(length)
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// A writer for an attribute list of one SoH.
pub(crate) fn attribute_list_writer() -> Writer {
    Writer::new(maxNetworkSoHSize as usize)
}

/// A complete message in `framing` whose attributes `attributes` writes
/// (section by section; see [`opens_section`]).
pub(crate) fn encode_message(
    framing: Framing,
    mode: Option<ModeSubHeader>,
    attributes: impl FnOnce(&mut Writer) -> Result<(), Unencodable>,
) -> Result<Vec<u8>, Unencodable> {
    let mut w = Writer::new(max_message_input(framing));
    let peap_lengths = match framing.peap_tlv_type() {
        Some(tlv_type) => {
            let outer = w.microsoft_tlv_header()?;
            w.u16(tlv_type)?;
            Some((outer, w.length_placeholder()?))
        }
        None => None,
    };
    let outer = w.microsoft_tlv_header()?;
    w.u16(if mode.is_some() { INNER_WITH_MODE } else { INNER_PLAIN })?;
    let inner = w.length_placeholder()?;
    if let Some(mode) = mode {
        w.u16(VENDOR_SPECIFIC)?;
        w.u16(MODE_LENGTH)?;
        w.u32(MICROSOFT)?;
        w.bytes(&mode.correlation_id)?;
        w.u8(mode.intent)?;
        w.u8(CONTENT_TYPE_ATTRIBUTES)?;
    }
    attributes(&mut w)?;
    w.fill_length(inner)?;
    w.fill_length(outer)?;
    if let Some((peap_outer, peap_inner)) = peap_lengths {
        w.fill_length(peap_inner)?;
        w.fill_length(peap_outer)?;
    }
    Ok(w.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut out = kind.to_be_bytes().to_vec();
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value);
        out
    }

    /// hostap's SoH layout, built by hand: PEAP SoH TLV, SoH header, mode
    /// sub-header, a system health id and one vendor-specific attribute.
    fn reference_message(framing: Framing) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(tlv(2, &[0x00, 0x01, 0x37, 0x00]));
        body.extend(tlv(7, &[0x00, 0x00, 0x01, 0x37, 0x03, 0x11]));
        let mut mode = vec![0x00, 0x07, 0x00, 0x1e, 0x00, 0x00, 0x01, 0x37];
        mode.extend(1..=24u8);
        mode.extend([0x01, 0x00]);
        let inner_len = (mode.len() + body.len()) as u16;
        let mut message = vec![0x00, 0x07];
        message.extend((inner_len + 8).to_be_bytes());
        message.extend([0x00, 0x00, 0x01, 0x37, 0x00, 0x02]);
        message.extend(inner_len.to_be_bytes());
        message.extend(mode);
        message.extend(body);
        match framing.peap_tlv_type() {
            None => message,
            Some(tlv_type) => {
                let mut out = vec![0x00, 0x07];
                out.extend((message.len() as u16 + 8).to_be_bytes());
                out.extend([0x00, 0x00, 0x01, 0x37]);
                out.extend(tlv_type.to_be_bytes());
                out.extend((message.len() as u16).to_be_bytes());
                out.extend(message);
                out
            }
        }
    }

    #[test]
    fn reference_message_decodes_and_encodes_back() {
        for framing in [Framing::Message, Framing::PeapSoH, Framing::PeapSoHResponse] {
            let bytes = reference_message(framing);
            let message = decode_message(&bytes, framing).expect("valid message");
            let mode = message.mode.expect("mode sub-header");
            assert_eq!(mode.intent, 1);
            assert_eq!(mode.correlation_id[0], 1);
            assert_eq!(mode.correlation_id[23], 24);
            assert_eq!(message.sections.len(), 1);
            assert_eq!(message.sections[0][0], Tlv { kind: 2, value: &[0x00, 0x01, 0x37, 0x00] });
            assert_eq!(message.sections[0][1].kind, 7);
            let again = encode_message(framing, message.mode, |w| {
                for t in &message.sections[0] {
                    w.attribute(t.kind, |w| w.bytes(t.value))?;
                }
                Ok(())
            })
            .expect("encodable");
            assert_eq!(again, bytes);
        }
    }

    #[test]
    fn framings_are_not_interchangeable() {
        let peap = reference_message(Framing::PeapSoH);
        assert_eq!(decode_message(&peap, Framing::PeapSoHResponse), Err(Invalid));
        assert_eq!(decode_message(&peap, Framing::Message), Err(Invalid));
        let bare = reference_message(Framing::Message);
        assert_eq!(decode_message(&bare, Framing::PeapSoH), Err(Invalid));
    }

    #[test]
    fn every_truncation_and_every_extension_is_invalid() {
        for framing in [Framing::Message, Framing::PeapSoH] {
            let bytes = reference_message(framing);
            for n in 0..bytes.len() {
                assert_eq!(decode_message(&bytes[..n], framing), Err(Invalid), "{framing:?} cut to {n}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode_message(&longer, framing), Err(Invalid));
        }
    }

    #[test]
    fn header_fields_are_checked() {
        let bytes = reference_message(Framing::Message);
        // (offset, replacement): outer type, outer vendor, inner type, mode
        // type, mode length, mode vendor, content type.
        for (at, byte) in [(1, 8), (7, 0x38), (9, 3), (9, 0), (13, 8), (15, 0x1f), (19, 0x38), (45, 1)] {
            let mut bad = bytes.clone();
            bad[at] = byte;
            assert_eq!(decode_message(&bad, Framing::Message), Err(Invalid), "byte {at} = {byte}");
        }
    }

    #[test]
    fn message_without_mode_sub_header() {
        let mut bytes = vec![0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0x01, 0x37, 0x00, 0x01, 0x00, 0x00];
        let empty = decode_message(&bytes, Framing::Message).expect("header only");
        assert_eq!(empty, Message { mode: None, sections: Vec::new() });
        bytes.extend(tlv(2, &[0, 0, 0, 1]));
        bytes.extend(tlv(8, &[3]));
        bytes.extend(tlv(2, &[0, 0, 0, 2]));
        bytes[3] += 21;
        bytes[11] += 21;
        let message = decode_message(&bytes, Framing::Message).expect("two sections");
        assert_eq!(message.sections.len(), 2);
        assert_eq!(message.sections[0].len(), 2);
        assert_eq!(message.sections[1], vec![Tlv { kind: 2, value: &[0, 0, 0, 2] }]);
    }

    #[test]
    fn attributes_before_the_first_system_health_id_are_invalid() {
        let mut bytes = vec![0x00, 0x07, 0x00, 0x0d, 0x00, 0x00, 0x01, 0x37, 0x00, 0x01, 0x00, 0x05];
        bytes.extend(tlv(8, &[3]));
        assert_eq!(decode_message(&bytes, Framing::Message), Err(Invalid));
    }

    #[test]
    fn value_lengths_follow_the_type() {
        let ok: &[(u16, usize)] = &[
            (2, 4),
            (3, 0),
            (3, 8),
            (3, 4000),
            (4, 4),
            (5, 8),
            (6, 0),
            (6, 4000),
            (7, 4),
            (7, 4000),
            (8, 1),
            (12, 8),
            (13, 12),
            (14, 1),
            (15, 16),
            (15, 4000),
            (16, 1),
            (1, 3),
            (17, 0),
            (0x8002, 1),
        ];
        let bad: &[(u16, usize)] =
            &[(2, 3), (2, 5), (3, 5), (4, 2), (5, 7), (7, 3), (8, 0), (8, 2), (13, 4004), (15, 8), (16, 2), (6, 4001)];
        for &(kind, len) in ok {
            assert!(is_valid_value(kind, &vec![0; len]), "type {kind} length {len}");
        }
        for &(kind, len) in bad {
            assert!(!is_valid_value(kind, &vec![0; len]), "type {kind} length {len}");
        }
    }

    #[test]
    fn attribute_list_limits() {
        let hundred: Vec<u8> = (0..100).flat_map(|_| tlv(8, &[1])).collect();
        assert_eq!(decode_attribute_list(&hundred).map(|t| t.len()), Ok(100));
        let mut more = hundred.clone();
        more.extend(tlv(8, &[1]));
        assert_eq!(decode_attribute_list(&more), Err(Invalid));
        assert_eq!(decode_attribute_list(&[]), Ok(Vec::new()));
        let biggest = tlv(6, &[7; 3996]);
        assert_eq!(biggest.len(), 4000);
        assert!(decode_attribute_list(&biggest).is_ok());
        let mut too_big = biggest.clone();
        too_big.extend([0, 6, 0, 0]);
        assert_eq!(decode_attribute_list(&too_big), Err(Invalid));
        // A length that points past the end.
        assert_eq!(decode_attribute_list(&[0, 6, 0, 5, 1, 2, 3, 4]), Err(Invalid));
        assert_eq!(decode_attribute_list(&[0, 6, 0]), Err(Invalid));
    }

    #[test]
    fn writer_stops_at_its_limit() {
        let mut w = Writer::new(6);
        assert_eq!(w.u32(1), Ok(()));
        assert_eq!(w.u32(2), Err(Unencodable));
        assert_eq!(w.u16(3), Ok(()));
        assert_eq!(w.u8(4), Err(Unencodable));
        assert_eq!(w.into_bytes(), vec![0, 0, 0, 1, 0, 3]);
    }

    #[test]
    fn writer_refuses_values_the_reader_would_refuse() {
        let mut w = attribute_list_writer();
        assert_eq!(w.attribute(2, |w| w.u16(1)), Err(Unencodable));
        let mut w = attribute_list_writer();
        assert_eq!(w.attribute(6, |w| w.bytes(&[0; 3997])), Err(Unencodable));
        let mut w = attribute_list_writer();
        assert_eq!(w.attribute(6, |w| w.bytes(&[0; 3996])), Ok(()));
        assert_eq!(w.into_bytes().len(), 4000);
    }

    #[test]
    fn message_size_limit_is_checked_after_the_framing() {
        for framing in [Framing::Message, Framing::PeapSoH] {
            // 12 header bytes + 3988 value bytes in one attribute = 4000.
            let fill = |n: usize| move |w: &mut Writer| w.attribute(6, |w| w.bytes(&vec![0; n]));
            let most = encode_message(framing, None, fill(3984)).expect("4000-byte message");
            assert_eq!(most.len(), framing.prefix() + 4000);
            assert_eq!(encode_message(framing, None, fill(3985)), Err(Unencodable));
            // Not decodable: the attribute comes before any system health id.
            assert_eq!(decode_message(&most, framing), Err(Invalid));
        }
    }

    #[test]
    fn correlation_id_wire_form() {
        let id = CorrelationId {
            connId: GUID { Data1: 0x0102_0304, Data2: 0x0506, Data3: 0x0708, Data4: [9, 10, 11, 12, 13, 14, 15, 16] },
            timeStamp: FILETIME { dwLowDateTime: 0x1b1c_1d1e, dwHighDateTime: 0x1718_191a },
        };
        let wire = correlation_id_to_wire(&id);
        let expected: Vec<u8> = (1..=16).chain(0x17..=0x1e).collect();
        assert_eq!(wire.to_vec(), expected);
        let back = correlation_id_from_wire(&wire);
        assert_eq!(correlation_id_to_wire(&back), wire);
        assert_eq!(back.timeStamp.dwLowDateTime, 0x1b1c_1d1e);
        assert_eq!(back.connId.Data4, id.connId.Data4);
    }
}
