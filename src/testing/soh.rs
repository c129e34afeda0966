//! A model of SoH attributes and messages for the tests and the fuzz
//! target of the SoH codec: it builds the C structures a caller hands to
//! the encoders (in Rust memory, as a C caller might build them on the
//! stack), predicts whether they can be encoded and into how many bytes,
//! and reads back what the decoders hand out, checking its shape block by
//! block.

use crate::spy;
use crate::types::base::{FILETIME, GUID, HRESULT};
use crate::types::nap::{
    tagIpv4Addresses, tagIpv6Addresses, tagOctetString, tagSoHAttributeType, tagVendorSpecific, CorrelationId,
    Ipv4Address, Ipv6Address, ResultCodes, SoH, SoHAttribute, SoHAttributeValue,
};
use crate::types::soh::NaputilSoHMessage;
use core::ffi::c_void;
use core::mem::size_of;
use core::ptr;

/// One attribute value, by the member its type selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Id(u32),
    Ipv4(Vec<[u8; 4]>),
    Ipv6(Vec<[u8; 16]>),
    Codes(Vec<HRESULT>),
    Time(FILETIME),
    Octets(Vec<u8>),
    Vendor(u32, Vec<u8>),
    Byte(u8),
    /// The value of a type that is not a `SoHAttributeType`.
    Raw(Vec<u8>),
}

/// One attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub kind: u16,
    pub value: Value,
}

/// The value shape `kind` calls for, as a function of a few generated
/// numbers and bytes: used by generators to pick a value that fits.
pub fn value_for(kind: u16, n: usize, bytes: &[u8]) -> Value {
    use tagSoHAttributeType::*;
    let word = |i: usize| {
        let b = |j: usize| bytes.get(i * 4 + j).copied().unwrap_or(0);
        u32::from_be_bytes([b(0), b(1), b(2), b(3)])
    };
    match tagSoHAttributeType::from_raw(u32::from(kind)) {
        Some(sohAttributeTypeSystemHealthId) => Value::Id(word(0)),
        Some(sohAttributeTypeIpv4FixupServers) => Value::Ipv4((0..n).map(|i| word(i).to_be_bytes()).collect()),
        Some(sohAttributeTypeIpv6FixupServers) => Value::Ipv6(
            (0..n)
                .map(|i| {
                    let mut a = [0; 16];
                    a[..4].copy_from_slice(&word(i).to_be_bytes());
                    a[12..].copy_from_slice(&(i as u32).to_be_bytes());
                    a
                })
                .collect(),
        ),
        Some(sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes) => {
            Value::Codes((0..n).map(|i| word(i) as HRESULT).collect())
        }
        Some(sohAttributeTypeTimeOfLastUpdate | sohAttributeTypeSoHGenerationTime) => {
            Value::Time(FILETIME { dwLowDateTime: word(0), dwHighDateTime: word(1) })
        }
        Some(sohAttributeTypeVendorSpecific) => Value::Vendor(word(0), bytes.iter().copied().cycle().take(n).collect()),
        Some(
            sohAttributeTypeHealthClass | sohAttributeTypeFailureCategory | sohAttributeTypeExtendedIsolationState,
        ) => Value::Byte(bytes.first().copied().unwrap_or(0)),
        Some(_) => Value::Octets(bytes.iter().copied().cycle().take(n).collect()),
        None => Value::Raw(bytes.iter().copied().cycle().take(n).collect()),
    }
}

impl Attribute {
    /// Bytes of the value on the wire.
    pub fn wire_len(&self) -> usize {
        match &self.value {
            Value::Id(_) => 4,
            Value::Ipv4(a) => 4 * a.len(),
            Value::Ipv6(a) => 16 * a.len(),
            Value::Codes(c) => 4 * c.len(),
            Value::Time(_) => 8,
            Value::Octets(o) | Value::Raw(o) => o.len(),
            Value::Vendor(_, d) => 4 + d.len(),
            Value::Byte(_) => 1,
        }
    }

    /// Whether the encoder must accept this attribute on its own: every
    /// count and size within its limit (the value shape always matches the
    /// type in this model).
    pub fn encodable(&self) -> bool {
        let n = self.wire_len();
        n <= 4000
            && match &self.value {
                Value::Ipv4(a) => a.len() <= 1000,
                Value::Ipv6(a) => a.len() <= 250,
                Value::Codes(c) => c.len() <= 1000,
                Value::Octets(o) | Value::Raw(o) => o.len() <= 4000,
                Value::Vendor(_, d) => d.len() <= 3996,
                _ => true,
            }
    }
}

/// Bytes an attribute list takes on the wire.
pub fn list_wire_len(attributes: &[Attribute]) -> usize {
    attributes.iter().map(|a| 4 + a.wire_len()).sum()
}

/// Whether `naputil_soh_encode` must accept `attributes`.
pub fn list_encodable(attributes: &[Attribute]) -> bool {
    attributes.len() <= 100 && attributes.iter().all(Attribute::encodable) && list_wire_len(attributes) <= 4000
}

/// The C structures of one SoH, in Rust memory. The pointers inside point
/// into the model's own vectors, which stay put while `self` lives.
pub struct CSoH {
    soh: SoH,
    _attributes: Vec<SoHAttribute>,
    _values: Vec<SoHAttributeValue>,
    _model: Vec<Attribute>,
}

/// A pointer to the first element of `items` (NULL when empty), as the C
/// structures hold it; the encoder only reads through it.
fn data<T>(items: &[T]) -> *mut T {
    if items.is_empty() {
        ptr::null_mut()
    } else {
        items.as_ptr().cast_mut()
    }
}

impl CSoH {
    /// The C form of `model`. `count` is truncated to UINT16 as C would.
    pub fn new(model: Vec<Attribute>) -> CSoH {
        let values: Vec<SoHAttributeValue> = model.iter().map(|a| c_value(&a.value)).collect();
        let attributes: Vec<SoHAttribute> = model
            .iter()
            .zip(&values)
            .map(|(a, v)| match &a.value {
                Value::Raw(raw) => SoHAttribute { r#type: a.kind, size: raw.len() as u16, value: data(raw) },
                // A wrong size on purpose: the encoder must not use it for
                // the SoHAttributeType values.
                _ => SoHAttribute { r#type: a.kind, size: 0xbad, value: ptr::from_ref(v).cast_mut().cast() },
            })
            .collect();
        let soh = SoH { count: model.len() as u16, attributes: data(&attributes) };
        CSoH { soh, _attributes: attributes, _values: values, _model: model }
    }

    /// The SoH, valid while `self` is neither moved nor dropped.
    pub fn as_ptr(&self) -> *const SoH {
        &self.soh
    }

    /// The SoH, valid while `self` is neither moved nor dropped.
    pub fn as_mut_ptr(&mut self) -> *mut SoH {
        &mut self.soh
    }
}

/// The `SoHAttributeValue` for `value` (all zero for a raw value), its
/// pointers into `value`.
fn c_value(value: &Value) -> SoHAttributeValue {
    // SAFETY: all-zero bytes are a valid SoHAttributeValue (integers and
    // NULL pointers).
    let mut v: SoHAttributeValue = unsafe { core::mem::zeroed() };
    match value {
        Value::Id(id) => v.idVal = *id,
        Value::Ipv4(list) => {
            v.v4AddressesVal =
                tagIpv4Addresses { count: list.len() as u16, addresses: data(list).cast::<Ipv4Address>() }
        }
        Value::Ipv6(list) => {
            v.v6AddressesVal =
                tagIpv6Addresses { count: list.len() as u16, addresses: data(list).cast::<Ipv6Address>() }
        }
        Value::Codes(codes) => v.codesVal = ResultCodes { count: codes.len() as u16, results: data(codes) },
        Value::Time(t) => v.dateTimeVal = *t,
        Value::Octets(o) => v.octetStringVal = tagOctetString { size: o.len() as u16, data: data(o) },
        Value::Vendor(id, d) => {
            v.vendorSpecificVal = tagVendorSpecific { vendorId: *id, size: d.len() as u16, vendorSpecificData: data(d) }
        }
        Value::Byte(b) => v.uint8Val = *b,
        Value::Raw(_) => {}
    }
    v
}

/// A message model: the mode sub-header's fields and the sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub mode: Option<(GUID, FILETIME, u8)>,
    pub sections: Vec<Vec<Attribute>>,
}

/// Bytes a message takes on the wire, from its SoH header on.
pub fn message_wire_len(message: &Message) -> usize {
    12 + if message.mode.is_some() { 34 } else { 0 } + message.sections.iter().map(|s| list_wire_len(s)).sum::<usize>()
}

/// Whether `naputil_soh_message_encode` must accept `message`.
pub fn message_encodable(message: &Message) -> bool {
    message.sections.iter().all(|s| {
        s.len() <= 100 && !s.is_empty() && s.iter().enumerate().all(|(i, a)| (a.kind == 2) == (i == 0) && a.encodable())
    }) && message_wire_len(message) <= 4000
}

/// The C structures of one message, in Rust memory.
pub struct CMessage {
    message: NaputilSoHMessage,
    _pointers: Vec<*mut SoH>,
    _sections: Vec<CSoH>,
}

impl CMessage {
    pub fn new(model: &Message) -> CMessage {
        let mut sections: Vec<CSoH> = model.sections.iter().map(|s| CSoH::new(s.clone())).collect();
        // The sections stay where they are in the vector's buffer.
        let pointers: Vec<*mut SoH> = sections.iter_mut().map(CSoH::as_mut_ptr).collect();
        let (has_mode_sub_header, correlation_id, intent) = match model.mode {
            Some((conn_id, time_stamp, intent)) => {
                (1, CorrelationId { connId: conn_id, timeStamp: time_stamp }, intent)
            }
            None => (0, CorrelationId { connId: GUID::default(), timeStamp: FILETIME::default() }, 0),
        };
        let message = NaputilSoHMessage {
            has_mode_sub_header,
            correlation_id,
            intent,
            count: pointers.len() as u16,
            sections: data(&pointers),
        };
        CMessage { message, _pointers: pointers, _sections: sections }
    }

    /// The message, valid while `self` is neither moved nor dropped.
    pub fn as_ptr(&self) -> *const NaputilSoHMessage {
        &self.message
    }
}

/// The size of the live task-memory block at `p`, or an error naming
/// `what`.
fn live_block(p: *const c_void, what: &str) -> Result<usize, String> {
    spy::caller_block_size(p.cast_mut()).ok_or_else(|| format!("{what} ({p:?}) is not a live block"))
}

/// Checks that `p` is NULL exactly when `bytes` is 0, and otherwise a live
/// block of exactly `bytes` bytes.
fn check_block(p: *const c_void, bytes: usize, what: &str) -> Result<(), String> {
    match (p.is_null(), bytes) {
        (true, 0) => Ok(()),
        (true, _) => Err(format!("{what} is NULL for {bytes} bytes")),
        (false, 0) => Err(format!("{what} is not NULL for 0 bytes")),
        (false, _) => match live_block(p, what)? {
            size if size == bytes => Ok(()),
            size => Err(format!("{what} is a block of {size} bytes, not {bytes}")),
        },
    }
}

/// Reads `n` `T`s at `p` (a block [`check_block`] accepted).
///
/// # Safety
/// `p` is NULL with `n == 0`, or points to `n` readable `T`s.
unsafe fn elements<T: Copy>(p: *const T, n: usize) -> Vec<T> {
    // SAFETY: guaranteed by the caller (read unaligned: a spy may offset).
    (0..n).map(|i| unsafe { p.add(i).read_unaligned() }).collect()
}

/// Reads a decoded SoH back into the model, checking that every block is
/// a separate live block of exactly the size it needs and every `size` is
/// the wire length.
///
/// # Safety
/// `soh` is what `naputil_soh_decode` (or the message decoder) handed out,
/// not yet freed.
pub unsafe fn read_soh(soh: *const SoH) -> Result<Vec<Attribute>, String> {
    use tagSoHAttributeType::*;
    check_block(soh.cast(), size_of::<SoH>(), "the SoH")?;
    // SAFETY: checked above (every read below reads only blocks checked
    // the same way first).
    unsafe {
        let made = soh.read_unaligned();
        let count = usize::from(made.count);
        check_block(made.attributes.cast(), count * size_of::<SoHAttribute>(), "the attributes array")?;
        let mut out = Vec::new();
        for (i, a) in elements(made.attributes, count).into_iter().enumerate() {
            let what = format!("attribute {i} (type {})", a.r#type);
            let Some(kind) = tagSoHAttributeType::from_raw(u32::from(a.r#type)) else {
                check_block(a.value.cast(), usize::from(a.size), &what)?;
                out.push(Attribute { kind: a.r#type, value: Value::Raw(elements(a.value, usize::from(a.size))) });
                continue;
            };
            check_block(a.value.cast(), size_of::<SoHAttributeValue>(), &what)?;
            let v = a.value.cast::<SoHAttributeValue>().read_unaligned();
            let value = match kind {
                sohAttributeTypeSystemHealthId => Value::Id(v.idVal),
                sohAttributeTypeIpv4FixupServers => {
                    let l = v.v4AddressesVal;
                    check_block(l.addresses.cast(), 4 * usize::from(l.count), &what)?;
                    Value::Ipv4(elements(l.addresses, usize::from(l.count)).iter().map(|a| a.addr).collect())
                }
                sohAttributeTypeIpv6FixupServers => {
                    let l = v.v6AddressesVal;
                    check_block(l.addresses.cast(), 16 * usize::from(l.count), &what)?;
                    Value::Ipv6(elements(l.addresses, usize::from(l.count)).iter().map(|a| a.addr).collect())
                }
                sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes => {
                    let c = v.codesVal;
                    check_block(c.results.cast(), 4 * usize::from(c.count), &what)?;
                    Value::Codes(elements(c.results, usize::from(c.count)))
                }
                sohAttributeTypeTimeOfLastUpdate | sohAttributeTypeSoHGenerationTime => Value::Time(v.dateTimeVal),
                sohAttributeTypeVendorSpecific => {
                    let s = v.vendorSpecificVal;
                    check_block(s.vendorSpecificData.cast(), usize::from(s.size), &what)?;
                    Value::Vendor(s.vendorId, elements(s.vendorSpecificData, usize::from(s.size)))
                }
                sohAttributeTypeHealthClass
                | sohAttributeTypeFailureCategory
                | sohAttributeTypeExtendedIsolationState => Value::Byte(v.uint8Val),
                sohAttributeTypeClientId
                | sohAttributeTypeSoftwareVersion
                | sohAttributeTypeProductName
                | sohAttributeTypeHealthClassStatus => {
                    let o = v.octetStringVal;
                    check_block(o.data.cast(), usize::from(o.size), &what)?;
                    Value::Octets(elements(o.data, usize::from(o.size)))
                }
            };
            let attribute = Attribute { kind: a.r#type, value };
            if usize::from(a.size) != attribute.wire_len() {
                return Err(format!("{what}: size {} is not the wire length {}", a.size, attribute.wire_len()));
            }
            out.push(attribute);
        }
        Ok(out)
    }
}

/// Reads a decoded message back into the model, checking its blocks as
/// [`read_soh`] does.
///
/// # Safety
/// `message` is what `naputil_soh_message_decode` handed out, not yet
/// freed.
pub unsafe fn read_message(message: *const NaputilSoHMessage) -> Result<Message, String> {
    check_block(message.cast(), size_of::<NaputilSoHMessage>(), "the message")?;
    // SAFETY: checked above; the sections are checked before being read.
    unsafe {
        let made = message.read_unaligned();
        let count = usize::from(made.count);
        check_block(made.sections.cast(), count * size_of::<*mut SoH>(), "the sections array")?;
        let mode = match made.has_mode_sub_header {
            0 => {
                let zero = made.intent == 0
                    && made.correlation_id.connId == GUID::default()
                    && made.correlation_id.timeStamp == FILETIME::default();
                if !zero {
                    return Err("mode fields set without a mode sub-header".into());
                }
                None
            }
            1 => Some((made.correlation_id.connId, made.correlation_id.timeStamp, made.intent)),
            other => return Err(format!("has_mode_sub_header is {other}")),
        };
        let mut sections = Vec::new();
        for section in elements(made.sections, count) {
            sections.push(read_soh(section)?);
        }
        Ok(Message { mode, sections })
    }
}
