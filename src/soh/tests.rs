//! The SoH codec through its exported functions, against hand-written
//! bytes and the model in `crate::testing::soh`.

use crate::capi::nap::{FreeNetworkSoH, FreeSoH};
use crate::capi::soh::*;
use crate::testing::is_live;
use crate::testing::soh::{read_message, read_soh, Attribute, CMessage, CSoH, Message, Value};
use crate::types::base::{E_INVALIDARG, FILETIME, GUID, HRESULT, S_OK};
use crate::types::nap::{NetworkSoH, SoH, NAP_E_INVALID_PACKET};
use crate::types::soh::{
    NaputilSoHMessage, NAPUTIL_SOH_FRAMING_MESSAGE, NAPUTIL_SOH_FRAMING_PEAP_SOH, NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE,
};
use core::ptr;

const FRAMINGS: [u32; 3] =
    [NAPUTIL_SOH_FRAMING_MESSAGE, NAPUTIL_SOH_FRAMING_PEAP_SOH, NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE];

fn attr(kind: u16, value: Value) -> Attribute {
    Attribute { kind, value }
}

/// One attribute of every type, and one of a type NAP does not define.
fn every_type() -> Vec<Attribute> {
    vec![
        attr(2, Value::Id(0x0001_3780)),
        attr(3, Value::Ipv4(vec![[10, 0, 0, 1], [192, 168, 1, 2]])),
        attr(4, Value::Codes(vec![0, 0xC0FF_0002_u32 as HRESULT])),
        attr(5, Value::Time(FILETIME { dwLowDateTime: 0x789A_BCDE, dwHighDateTime: 0x01D2_3456 })),
        attr(6, Value::Octets(b"ab".to_vec())),
        attr(7, Value::Vendor(0x0000_ABCD, vec![1, 2, 3])),
        attr(8, Value::Byte(2)),
        attr(9, Value::Octets(Vec::new())),
        attr(10, Value::Octets(vec![0x4e, 0, 0x41, 0])),
        attr(11, Value::Octets(vec![0, 0xff, 0, 5])),
        attr(12, Value::Time(FILETIME { dwLowDateTime: 1, dwHighDateTime: 0 })),
        attr(13, Value::Codes(vec![0x8027_0001_u32 as HRESULT])),
        attr(14, Value::Byte(4)),
        attr(15, Value::Ipv6(vec![[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]])),
        attr(16, Value::Byte(3)),
        attr(17, Value::Raw(vec![9, 9])),
        attr(0x8002, Value::Raw(Vec::new())),
    ]
}

/// `every_type()` on the wire, written out by hand.
const EVERY_TYPE_BYTES: &[u8] = &[
    0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x37, 0x80, // system health id
    0x00, 0x03, 0x00, 0x08, 10, 0, 0, 1, 192, 168, 1, 2, // IPv4 fix-up servers
    0x00, 0x04, 0x00, 0x08, 0, 0, 0, 0, 0xc0, 0xff, 0x00, 0x02, // compliance result codes
    0x00, 0x05, 0x00, 0x08, 0x01, 0xd2, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, // time of last update
    0x00, 0x06, 0x00, 0x02, b'a', b'b', // client id
    0x00, 0x07, 0x00, 0x07, 0x00, 0x00, 0xab, 0xcd, 1, 2, 3, // vendor specific
    0x00, 0x08, 0x00, 0x01, 2, // health class
    0x00, 0x09, 0x00, 0x00, // software version, empty
    0x00, 0x0a, 0x00, 0x04, 0x4e, 0, 0x41, 0, // product name
    0x00, 0x0b, 0x00, 0x04, 0, 0xff, 0, 5, // health class status
    0x00, 0x0c, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, // SoH generation time
    0x00, 0x0d, 0x00, 0x04, 0x80, 0x27, 0x00, 0x01, // error codes
    0x00, 0x0e, 0x00, 0x01, 4, // failure category
    0x00, 0x0f, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // IPv6 fix-up servers
    0x00, 0x10, 0x00, 0x01, 3, // extended isolation state
    0x00, 0x11, 0x00, 0x02, 9, 9, // a type NAP does not define
    0x80, 0x02, 0x00, 0x00, // a system health id with the mandatory bit: opaque
];

/// The bytes of an encoder's result, freed.
fn take_bytes(made: *mut NetworkSoH) -> Vec<u8> {
    // SAFETY: `made` is a NetworkSoH an encoder just handed out.
    let bytes = unsafe {
        let n = made.read();
        if n.size == 0 {
            assert!(n.data.is_null());
            Vec::new()
        } else {
            core::slice::from_raw_parts(n.data, usize::from(n.size)).to_vec()
        }
    };
    // SAFETY: as above.
    unsafe { FreeNetworkSoH(made) };
    bytes
}

fn encode(model: &[Attribute]) -> Result<Vec<u8>, HRESULT> {
    let c = CSoH::new(model.to_vec());
    let mut out = ptr::null_mut();
    // SAFETY: a valid SoH and out-pointer.
    match unsafe { naputil_soh_encode(c.as_ptr(), &mut out) } {
        S_OK => Ok(take_bytes(out)),
        hr => {
            assert!(out.is_null(), "a failed encode wrote its out-pointer");
            Err(hr)
        }
    }
}

fn decode(bytes: &[u8]) -> Result<Vec<Attribute>, HRESULT> {
    let input = NetworkSoH { size: bytes.len() as u16, data: bytes.as_ptr().cast_mut() };
    let untouched = 0x10 as *mut SoH;
    let mut out = untouched;
    // SAFETY: a valid input and out-pointer.
    match unsafe { naputil_soh_decode(&input, &mut out) } {
        S_OK => {
            // SAFETY: what the decoder just handed out.
            let model = unsafe { read_soh(out) }.unwrap_or_else(|e| panic!("decoded SoH: {e}"));
            // SAFETY: as above.
            unsafe { FreeSoH(out) };
            assert!(!is_live(out.cast()));
            Ok(model)
        }
        hr => {
            assert_eq!(out, untouched, "a failed decode wrote its out-pointer");
            Err(hr)
        }
    }
}

fn encode_message(model: &Message, framing: u32) -> Result<Vec<u8>, HRESULT> {
    let c = CMessage::new(model);
    let mut out = ptr::null_mut();
    // SAFETY: a valid message and out-pointer.
    match unsafe { naputil_soh_message_encode(c.as_ptr(), framing, &mut out) } {
        S_OK => Ok(take_bytes(out)),
        hr => {
            assert!(out.is_null(), "a failed encode wrote its out-pointer");
            Err(hr)
        }
    }
}

fn decode_message(bytes: &[u8], framing: u32) -> Result<Message, HRESULT> {
    let input = NetworkSoH { size: bytes.len() as u16, data: bytes.as_ptr().cast_mut() };
    let untouched = 0x10 as *mut NaputilSoHMessage;
    let mut out = untouched;
    // SAFETY: a valid input and out-pointer.
    match unsafe { naputil_soh_message_decode(&input, framing, &mut out) } {
        S_OK => {
            // SAFETY: what the decoder just handed out.
            let model = unsafe { read_message(out) }.unwrap_or_else(|e| panic!("decoded message: {e}"));
            // SAFETY: as above.
            unsafe { naputil_soh_message_free(out) };
            assert!(!is_live(out.cast()));
            Ok(model)
        }
        hr => {
            assert_eq!(out, untouched, "a failed decode wrote its out-pointer");
            Err(hr)
        }
    }
}

#[test]
fn every_attribute_type_has_its_encoding() {
    let model = every_type();
    assert_eq!(encode(&model).as_deref(), Ok(EVERY_TYPE_BYTES));
    assert_eq!(decode(EVERY_TYPE_BYTES), Ok(model));
}

#[test]
fn empty_attribute_list() {
    assert_eq!(encode(&[]), Ok(Vec::new()));
    assert_eq!(decode(&[]), Ok(Vec::new()));
    let input = NetworkSoH { size: 0, data: ptr::null_mut() };
    let mut out = ptr::null_mut();
    // SAFETY: valid arguments; no data is needed for 0 bytes.
    assert_eq!(unsafe { naputil_soh_decode(&input, &mut out) }, S_OK);
    // SAFETY: what the decoder just handed out.
    unsafe {
        assert_eq!((*out).count, 0);
        assert!((*out).attributes.is_null());
        FreeSoH(out);
    }
}

#[test]
fn every_prefix_is_invalid_or_the_attributes_before_it() {
    let model = every_type();
    let mut boundaries = vec![0];
    for a in &model {
        boundaries.push(boundaries.last().unwrap() + 4 + a.wire_len());
    }
    for n in 0..=EVERY_TYPE_BYTES.len() {
        match boundaries.iter().position(|&b| b == n) {
            Some(k) => assert_eq!(decode(&EVERY_TYPE_BYTES[..n]), Ok(model[..k].to_vec()), "prefix {n}"),
            None => assert_eq!(decode(&EVERY_TYPE_BYTES[..n]), Err(NAP_E_INVALID_PACKET), "prefix {n}"),
        }
    }
}

#[test]
fn decoding_checks_lengths_counts_and_limits() {
    let cases: &[(&str, Vec<u8>)] = &[
        ("length past the end", vec![0, 6, 0, 3, 1, 2]),
        ("half a header", vec![0, 6, 0]),
        ("short system health id", vec![0, 2, 0, 3, 1, 2, 3]),
        ("long health class", vec![0, 8, 0, 2, 1, 2]),
        ("empty failure category", vec![0, 14, 0, 0]),
        ("partial IPv4 address", vec![0, 3, 0, 5, 1, 2, 3, 4, 5]),
        ("partial IPv6 address", [vec![0, 15, 0, 8], vec![0; 8]].concat()),
        ("partial result code", vec![0, 4, 0, 2, 0, 0]),
        ("short time", [vec![0, 5, 0, 7], vec![0; 7]].concat()),
        ("vendor without its id", vec![0, 7, 0, 3, 0, 0, 1]),
        ("101 attributes", (0..101).flat_map(|_| vec![0, 8, 0, 1, 0]).collect()),
        ("4001 bytes", [vec![0, 6, 0x0f, 0x9d], vec![0; 3997]].concat()),
    ];
    for (what, bytes) in cases {
        assert_eq!(decode(bytes), Err(NAP_E_INVALID_PACKET), "{what}");
    }
    let most = [vec![0, 6, 0x0f, 0x9c], vec![7; 3996]].concat();
    assert_eq!(decode(&most), Ok(vec![attr(6, Value::Octets(vec![7; 3996]))]));
    let hundred: Vec<u8> = (0..100).flat_map(|_| vec![0, 8, 0, 1, 0]).collect();
    assert_eq!(decode(&hundred).map(|m| m.len()), Ok(100));
}

#[test]
fn decoding_bad_arguments() {
    let bytes = [0u8, 8, 0, 1, 0];
    let input = NetworkSoH { size: 5, data: bytes.as_ptr().cast_mut() };
    let no_data = NetworkSoH { size: 5, data: ptr::null_mut() };
    let untouched = 0x10 as *mut SoH;
    let mut out = untouched;
    let mut message = 0x10 as *mut NaputilSoHMessage;
    // SAFETY: NULL or valid arguments, as each case says.
    unsafe {
        assert_eq!(naputil_soh_decode(ptr::null(), &mut out), E_INVALIDARG);
        assert_eq!(naputil_soh_decode(&input, ptr::null_mut()), E_INVALIDARG);
        assert_eq!(naputil_soh_decode(&no_data, &mut out), E_INVALIDARG);
        assert_eq!(naputil_soh_message_decode(ptr::null(), 0, &mut message), E_INVALIDARG);
        assert_eq!(naputil_soh_message_decode(&input, 0, ptr::null_mut()), E_INVALIDARG);
        assert_eq!(naputil_soh_message_decode(&no_data, 0, &mut message), E_INVALIDARG);
        assert_eq!(naputil_soh_message_decode(&input, 3, &mut message), E_INVALIDARG);
    }
    assert_eq!(out, untouched);
    assert_eq!(message, 0x10 as *mut NaputilSoHMessage);
}

#[test]
fn encoding_ignores_size_for_nap_types() {
    // CSoH writes 0xbad into every size of a SoHAttributeType attribute.
    assert_eq!(encode(&[attr(8, Value::Byte(1))]), Ok(vec![0, 8, 0, 1, 1]));
}

#[test]
fn encoding_refuses_what_has_no_encoding() {
    let too_many: Vec<Attribute> = (0..101).map(|_| attr(8, Value::Byte(0))).collect();
    let cases: &[(&str, Vec<Attribute>)] = &[
        ("101 attributes", too_many),
        ("1001 IPv4 addresses", vec![attr(3, Value::Ipv4(vec![[0; 4]; 1001]))]),
        ("251 IPv6 addresses", vec![attr(15, Value::Ipv6(vec![[0; 16]; 251]))]),
        ("1001 result codes", vec![attr(4, Value::Codes(vec![0; 1001]))]),
        ("4001 octets", vec![attr(6, Value::Octets(vec![0; 4001]))]),
        ("3997 vendor octets", vec![attr(7, Value::Vendor(1, vec![0; 3997]))]),
        ("4001 raw bytes", vec![attr(40, Value::Raw(vec![0; 4001]))]),
        ("4004 bytes in all", vec![attr(6, Value::Octets(vec![0; 2000])), attr(6, Value::Octets(vec![0; 1996]))]),
    ];
    for (what, model) in cases {
        assert_eq!(encode(model), Err(E_INVALIDARG), "{what}");
    }
    assert_eq!(
        encode(&[attr(6, Value::Octets(vec![0; 1998])), attr(6, Value::Octets(vec![0; 1994]))]).map(|b| b.len()),
        Ok(4000)
    );
}

#[test]
fn encoding_refuses_null_pointers_that_should_hold_data() {
    let mut c = CSoH::new(vec![attr(8, Value::Byte(1)), attr(6, Value::Octets(vec![1, 2]))]);
    let soh = c.as_mut_ptr();
    let mut out = ptr::null_mut();
    // SAFETY: `soh` is the fixture's SoH, changed in place; the out-pointer
    // is valid or NULL as each case says.
    unsafe {
        assert_eq!(naputil_soh_encode(ptr::null(), &mut out), E_INVALIDARG);
        assert_eq!(naputil_soh_encode(soh, ptr::null_mut()), E_INVALIDARG);
        let attributes = (*soh).attributes;
        let first = (*attributes).value;
        (*attributes).value = ptr::null_mut();
        assert_eq!(naputil_soh_encode(soh, &mut out), E_INVALIDARG, "NULL value");
        (*attributes).value = first;
        let octets = (*attributes.add(1)).value.cast::<crate::types::nap::SoHAttributeValue>();
        let data = (*octets).octetStringVal.data;
        (*octets).octetStringVal.data = ptr::null_mut();
        assert_eq!(naputil_soh_encode(soh, &mut out), E_INVALIDARG, "NULL octets");
        (*octets).octetStringVal.data = data;
        (*soh).attributes = ptr::null_mut();
        assert_eq!(naputil_soh_encode(soh, &mut out), E_INVALIDARG, "NULL attributes");
        (*soh).attributes = attributes;
        assert!(out.is_null());
        assert_eq!(naputil_soh_encode(soh, &mut out), S_OK);
    }
    assert_eq!(take_bytes(out), vec![0, 8, 0, 1, 1, 0, 6, 0, 2, 1, 2]);
}

fn guid(n: u32) -> GUID {
    GUID { Data1: n, Data2: 0x0506, Data3: 0x0708, Data4: [9, 10, 11, 12, 13, 14, 15, 16] }
}

/// A system SoH, a Microsoft agent's section and a third party's.
fn sample_message() -> Message {
    Message {
        mode: Some((guid(0x0102_0304), FILETIME { dwLowDateTime: 0x1b1c_1d1e, dwHighDateTime: 0x1718_191a }, 1)),
        sections: vec![
            vec![attr(2, Value::Id(0x0001_3700)), attr(7, Value::Vendor(311, vec![3, 0x11]))],
            vec![attr(2, Value::Id(0x0001_3780)), attr(8, Value::Byte(0)), attr(11, Value::Octets(vec![0, 0, 0, 7]))],
            vec![attr(2, Value::Id(0x00AB_CD01)), attr(7, Value::Vendor(0xABCD, b"state".to_vec()))],
        ],
    }
}

#[test]
fn message_round_trip_in_every_framing() {
    let model = sample_message();
    let bare = encode_message(&model, NAPUTIL_SOH_FRAMING_MESSAGE).expect("encodable");
    assert_eq!(bare.len(), crate::testing::soh::message_wire_len(&model));
    assert_eq!(&bare[..12], &[0, 7, 0, (bare.len() - 4) as u8, 0, 0, 1, 0x37, 0, 2, 0, (bare.len() - 12) as u8]);
    assert_eq!(&bare[12..20], &[0, 7, 0, 30, 0, 0, 1, 0x37]);
    assert_eq!(&bare[20..46], &[(1..=16).collect::<Vec<u8>>(), (0x17..=0x1e).collect(), vec![1, 0]].concat()[..]);
    for (framing, tlv_type) in [(NAPUTIL_SOH_FRAMING_PEAP_SOH, 1), (NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE, 3)] {
        let wrapped = encode_message(&model, framing).expect("encodable");
        let n = bare.len();
        assert_eq!(&wrapped[..12], &[0, 7, 0, (n + 8) as u8, 0, 0, 1, 0x37, 0, tlv_type, 0, n as u8]);
        assert_eq!(&wrapped[12..], &bare[..]);
    }
    for framing in FRAMINGS {
        let bytes = encode_message(&model, framing).expect("encodable");
        assert_eq!(decode_message(&bytes, framing), Ok(model.clone()));
    }
}

#[test]
fn message_without_mode_sub_header_or_sections() {
    let empty = Message { mode: None, sections: Vec::new() };
    let bytes = encode_message(&empty, NAPUTIL_SOH_FRAMING_MESSAGE).expect("encodable");
    assert_eq!(bytes, vec![0, 7, 0, 8, 0, 0, 1, 0x37, 0, 1, 0, 0]);
    assert_eq!(decode_message(&bytes, NAPUTIL_SOH_FRAMING_MESSAGE), Ok(empty));
    let plain = Message { mode: None, ..sample_message() };
    let bytes = encode_message(&plain, NAPUTIL_SOH_FRAMING_PEAP_SOH).expect("encodable");
    assert_eq!(decode_message(&bytes, NAPUTIL_SOH_FRAMING_PEAP_SOH), Ok(plain));
}

#[test]
fn message_encoding_refuses_what_has_no_encoding() {
    let base = sample_message();
    let mut no_id_first = base.clone();
    no_id_first.sections[1].swap(0, 1);
    let mut second_id = base.clone();
    second_id.sections[0].push(attr(2, Value::Id(5)));
    let mut empty_section = base.clone();
    empty_section.sections.push(Vec::new());
    let mut too_big = base.clone();
    too_big.sections[2].push(attr(6, Value::Octets(vec![0; 3950])));
    let mut bad_value = base.clone();
    bad_value.sections[2].push(attr(4, Value::Codes(vec![0; 1001])));
    for (what, model) in [
        ("section not opened by its system health id", no_id_first),
        ("a second system health id", second_id),
        ("an empty section", empty_section),
        ("over maxNetworkSoHSize", too_big),
        ("an attribute that has no encoding", bad_value),
    ] {
        for framing in FRAMINGS {
            assert_eq!(encode_message(&model, framing), Err(E_INVALIDARG), "{what}");
        }
    }
    assert_eq!(encode_message(&base, 3), Err(E_INVALIDARG), "unknown framing");
}

#[test]
fn message_encoding_checks_its_own_fields() {
    let c = CMessage::new(&sample_message());
    // SAFETY: a copy of the fixture's message, changed field by field.
    unsafe {
        let mut m = c.as_ptr().read();
        let mut out = ptr::null_mut();
        assert_eq!(naputil_soh_message_encode(ptr::null(), 0, &mut out), E_INVALIDARG);
        assert_eq!(naputil_soh_message_encode(&m, 0, ptr::null_mut()), E_INVALIDARG);
        m.has_mode_sub_header = 0;
        assert_eq!(naputil_soh_message_encode(&m, 0, &mut out), E_INVALIDARG, "correlation id without sub-header");
        m.correlation_id.connId = GUID::default();
        m.correlation_id.timeStamp = FILETIME::default();
        assert_eq!(naputil_soh_message_encode(&m, 0, &mut out), E_INVALIDARG, "intent without sub-header");
        m.intent = 0;
        let sections = m.sections;
        m.sections = ptr::null_mut();
        assert_eq!(naputil_soh_message_encode(&m, 0, &mut out), E_INVALIDARG, "NULL sections");
        let mut with_null = [sections.read(), ptr::null_mut()];
        m.sections = with_null.as_mut_ptr();
        m.count = 2;
        assert_eq!(naputil_soh_message_encode(&m, 0, &mut out), E_INVALIDARG, "NULL section");
        m.count = 1;
        assert!(out.is_null());
        assert_eq!(naputil_soh_message_encode(&m, 0, &mut out), S_OK);
        let bytes = take_bytes(out);
        let expected = Message { mode: None, sections: vec![sample_message().sections[0].clone()] };
        assert_eq!(decode_message(&bytes, 0), Ok(expected));
    }
}

#[test]
fn message_decoding_rejects_what_freeradius_rejects() {
    let bytes = encode_message(&sample_message(), NAPUTIL_SOH_FRAMING_PEAP_SOH).expect("encodable");
    // (offset, byte): PEAP TLV type, PEAP vendor, SoH TLV type, SoH outer
    // type, SoH vendor, inner type, mode vendor, content type.
    for (at, byte) in [(1, 8), (7, 0x38), (9, 2), (13, 3), (19, 0x38), (21, 3), (31, 0x38), (57, 1)] {
        let mut bad = bytes.clone();
        bad[at] = byte;
        assert_eq!(decode_message(&bad, NAPUTIL_SOH_FRAMING_PEAP_SOH), Err(NAP_E_INVALID_PACKET), "byte {at}");
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(decode_message(&trailing, NAPUTIL_SOH_FRAMING_PEAP_SOH), Err(NAP_E_INVALID_PACKET));
    for n in 0..bytes.len() {
        assert_eq!(decode_message(&bytes[..n], NAPUTIL_SOH_FRAMING_PEAP_SOH), Err(NAP_E_INVALID_PACKET), "cut {n}");
    }
}

#[test]
fn message_free_takes_null_entries_and_detached_sections() {
    let bytes = encode_message(&sample_message(), NAPUTIL_SOH_FRAMING_MESSAGE).expect("encodable");
    let input = NetworkSoH { size: bytes.len() as u16, data: bytes.as_ptr().cast_mut() };
    let mut out = ptr::null_mut();
    // SAFETY: valid arguments; then what the decoder handed out.
    unsafe {
        assert_eq!(naputil_soh_message_decode(&input, 0, &mut out), S_OK);
        let sections = (*out).sections;
        let detached = sections.add(1).read();
        sections.add(1).write(ptr::null_mut());
        let first = sections.read();
        naputil_soh_message_free(out);
        assert!(!is_live(out.cast()) && !is_live(sections.cast()) && !is_live(first.cast()));
        assert_eq!(read_soh(detached).map(|a| a.len()), Ok(3));
        FreeSoH(detached);
        assert!(!is_live(detached.cast()));
        naputil_soh_message_free(ptr::null_mut());
    }
}
