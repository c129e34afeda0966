//! The SoH codec's properties checked on one input, shared by the
//! `cargo fuzz` target `soh` (`fuzz/fuzz_targets/soh.rs`) and the
//! deterministic randomized test `tests/soh_random.rs`.
//!
//! The first byte says what the rest is:
//!
//! - even: bytes, decoded as an attribute list and as a message in each
//!   framing. Whatever decodes must have the documented shape (every block
//!   separate and live, every `size` the wire length), take at most 8 bytes
//!   of task memory per input byte plus 64, encode back to exactly the
//!   input (encode(decode(b)) == b) and free to nothing. Whatever does not
//!   decode must answer `NAP_E_INVALID_PACKET`, allocate nothing and leave
//!   the out-pointer alone.
//! - odd: a description of attributes and a message, within and beyond the
//!   limits. Encoding must succeed exactly when the model says it can, with
//!   the length the model predicts; what it produces must decode to the
//!   same structures (decode(encode(x)) == x) and encode again to the same
//!   bytes.
//!
//! Any difference panics. The process must run nothing else on the
//! allocator while `run` runs.

use naputil::testing::soh::{
    list_encodable, list_wire_len, message_encodable, message_wire_len, read_message, read_soh, value_for, Attribute,
    CMessage, CSoH, Message,
};
use naputil::types::base::{E_INVALIDARG, FILETIME, GUID, HRESULT, S_OK};
use naputil::types::diag::NaputilStats;
use naputil::types::nap::{NetworkSoH, SoH, NAP_E_INVALID_PACKET};
use naputil::types::nap_protocol::{INapSoHConstructor, INapSoHProcessor};
use naputil::types::soh::NaputilSoHMessage;
use naputil::{
    naputil_create_instance, CLSID_NapSoHConstructor, CLSID_NapSoHProcessor, FreeSoHAttributeValue,
    IID_INapSoHConstructor, IID_INapSoHProcessor,
};
use naputil::{
    naputil_get_stats, naputil_live_blocks, naputil_live_bytes, naputil_soh_decode, naputil_soh_encode,
    naputil_soh_message_decode, naputil_soh_message_encode, naputil_soh_message_free, FreeNetworkSoH, FreeSoH,
};
use std::ptr;

const FRAMINGS: [u32; 3] = [0, 1, 2];
/// What a failed call must leave in its out-pointer: what was there.
const UNTOUCHED: usize = 0x5a5a_5a50;

/// What one input exercised: decodes that succeeded and failed, encodes
/// that succeeded and were refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checked {
    pub decoded: u64,
    pub invalid: u64,
    pub encoded: u64,
    pub refused: u64,
}

impl core::ops::AddAssign for Checked {
    fn add_assign(&mut self, other: Checked) {
        self.decoded += other.decoded;
        self.invalid += other.invalid;
        self.encoded += other.encoded;
        self.refused += other.refused;
    }
}

pub fn run(data: &[u8]) -> Checked {
    let mut checked = Checked::default();
    let Some((&selector, rest)) = data.split_first() else { return checked };
    let blocks = naputil_live_blocks();
    if selector % 2 == 0 {
        decode_bytes(rest, &mut checked);
    } else {
        encode_structures(&mut Input { rest }, &mut checked);
    }
    assert_eq!(naputil_live_blocks(), blocks, "the input left blocks behind");
    checked
}

fn total_allocs() -> u64 {
    let mut stats = NaputilStats::default();
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { naputil_get_stats(&mut stats) }, S_OK);
    stats.total_allocs
}

/// The bytes of an encoder's result, which is then freed.
fn take(made: *mut NetworkSoH) -> Vec<u8> {
    // SAFETY: a NetworkSoH an encoder just handed out.
    unsafe {
        let n = made.read();
        let bytes =
            if n.size == 0 { Vec::new() } else { core::slice::from_raw_parts(n.data, usize::from(n.size)).to_vec() };
        FreeNetworkSoH(made);
        bytes
    }
}

/// Checks a decoder's answer: `Some(result)` on success (within the
/// allocation bound), `None` for invalid input (nothing allocated).
fn decoded<T>(input: &[u8], call: impl FnOnce(*mut *mut T) -> HRESULT) -> Option<*mut T> {
    let allocs = total_allocs();
    let bytes = naputil_live_bytes();
    let mut out = UNTOUCHED as *mut T;
    match call(&mut out) {
        S_OK => {
            let used = naputil_live_bytes() - bytes;
            assert!(used <= 8 * input.len() as u64 + 64, "{used} bytes of task memory for {} input bytes", input.len());
            Some(out)
        }
        hr => {
            assert_eq!(hr, NAP_E_INVALID_PACKET, "a decoder's only failure for bytes is NAP_E_INVALID_PACKET");
            assert_eq!(out as usize, UNTOUCHED, "a failed decode wrote its out-pointer");
            assert_eq!(total_allocs(), allocs, "a failed decode allocated");
            None
        }
    }
}

fn decode_bytes(input: &[u8], checked: &mut Checked) {
    if input.len() > usize::from(u16::MAX) {
        return;
    }
    let given = NetworkSoH { size: input.len() as u16, data: input.as_ptr().cast_mut() };
    // SAFETY (every call below): a valid input and out-pointers; results
    // are read, re-encoded and freed with the matching functions.
    let made = decoded::<SoH>(input, |out| unsafe { naputil_soh_decode(&given, out) });
    count(checked, made.is_some());
    if let Some(soh) = made {
        unsafe {
            if let Err(e) = read_soh(soh) {
                panic!("decoded SoH: {e}");
            }
            let mut bytes = ptr::null_mut();
            assert_eq!(naputil_soh_encode(soh, &mut bytes), S_OK, "a decoded SoH must encode");
            assert_eq!(take(bytes), input, "encode(decode(b)) == b for an attribute list");
            through_the_objects(soh, input);
            FreeSoH(soh);
        }
    }
    for framing in FRAMINGS {
        let made =
            decoded::<NaputilSoHMessage>(input, |out| unsafe { naputil_soh_message_decode(&given, framing, out) });
        count(checked, made.is_some());
        if let Some(message) = made {
            unsafe {
                if let Err(e) = read_message(message) {
                    panic!("decoded message (framing {framing}): {e}");
                }
                let mut bytes = ptr::null_mut();
                assert_eq!(naputil_soh_message_encode(message, framing, &mut bytes), S_OK, "framing {framing}");
                assert_eq!(take(bytes), input, "encode(decode(b)) == b for a message in framing {framing}");
                naputil_soh_message_free(message);
            }
        }
    }
}

/// Calls method `$m` of the library's COM object `$o`.
macro_rules! call {
    ($o:expr, $m:ident $(, $arg:expr)*) => {{
        let o = $o;
        // SAFETY: `o` is a live object of the library, whose vtable has
        // every slot filled; the arguments are valid for the method.
        #[allow(clippy::macro_metavars_in_unsafe)]
        unsafe { ((*(*o).lpVtbl).$m.unwrap())(o $(, $arg)*) }
    }};
}

fn create<T>(clsid: &GUID, iid: &GUID) -> *mut T {
    let mut p: *mut core::ffi::c_void = ptr::null_mut();
    // SAFETY: valid GUIDs and out-pointer.
    assert_eq!(unsafe { naputil_create_instance(clsid, ptr::null_mut(), iid, &mut p) }, S_OK);
    p.cast()
}

/// A decoded attribute list `soh` (the bytes `input`) through the objects:
/// the processor takes it exactly when it is a valid SoH (a request: the
/// first attribute a system health id; a response: also at most one IPv4
/// and one IPv6 fix-up server list), and hands out every attribute; when
/// they are all of `SoHAttributeType`s with a single system health id, a
/// constructor given them one by one builds a SoH that encodes to `input`
/// again.
///
/// # Safety
/// `soh` is a decoded SoH, not yet freed.
unsafe fn through_the_objects(soh: *mut SoH, input: &[u8]) {
    // SAFETY: guaranteed by the caller.
    let model = unsafe { read_soh(soh) }.expect("checked above");
    let kinds: Vec<u16> = model.iter().map(|a| a.kind).collect();
    let request_ok = kinds.first() == Some(&2);
    let response_ok = request_ok && [3u16, 15].iter().all(|k| kinds.iter().filter(|&&x| x == *k).count() <= 1);
    let p: *mut INapSoHProcessor = create(&CLSID_NapSoHProcessor, &IID_INapSoHProcessor);
    let mut id = 0;
    let answer = |ok: bool| if ok { S_OK } else { NAP_E_INVALID_PACKET };
    assert_eq!(call!(p, Initialize, soh, 0, &mut id), answer(response_ok), "processor, response: {kinds:?}");
    assert_eq!(call!(p, Initialize, soh, 1, &mut id), answer(request_ok), "processor, request: {kinds:?}");
    if request_ok {
        let rebuildable = kinds[1..].iter().all(|&k| (3..=16).contains(&k));
        let c: *mut INapSoHConstructor = create(&CLSID_NapSoHConstructor, &IID_INapSoHConstructor);
        assert_eq!(call!(c, Initialize, id, 1), S_OK);
        let mut n = 0;
        assert_eq!(call!(p, GetNumberOfAttributes, &mut n), S_OK);
        assert_eq!(usize::from(n), model.len());
        for i in 0..n {
            let (mut kind, mut value) = (0u32, ptr::null_mut());
            assert_eq!(call!(p, GetAttribute, i, &mut kind, &mut value), S_OK);
            assert_eq!(kind, u32::from(kinds[usize::from(i)]));
            if rebuildable && i > 0 {
                assert_eq!(call!(c, AppendAttribute, kind, value), S_OK, "attribute {i} of {kinds:?}");
            }
            // SAFETY: GetAttribute's result, freed once.
            unsafe { FreeSoHAttributeValue(kind, value) };
        }
        if rebuildable {
            let mut built = ptr::null_mut();
            assert_eq!(call!(c, GetSoH, &mut built), S_OK);
            let mut bytes = ptr::null_mut();
            // SAFETY: GetSoH's result, encoded and freed once.
            unsafe {
                assert_eq!(naputil_soh_encode(built, &mut bytes), S_OK);
                FreeSoH(built);
            }
            assert_eq!(take(bytes), input, "bytes -> processor -> constructor -> bytes");
        }
        assert_eq!(call!(c, Release), 0);
    }
    assert_eq!(call!(p, Release), 0);
}

fn count(checked: &mut Checked, decoded: bool) {
    if decoded {
        checked.decoded += 1;
    } else {
        checked.invalid += 1;
    }
}

/// Reads the input as numbers; past the end it reads zeros.
struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.rest.split_at(n.min(self.rest.len()));
        self.rest = rest;
        taken
    }

    fn byte(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    fn u32(&mut self) -> u32 {
        let b = self.bytes(4);
        b.iter().fold(0, |n, &byte| n << 8 | u32::from(byte))
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.u32() as usize % (hi - lo + 1)
    }
}

fn attribute(input: &mut Input<'_>, first_of_section: bool) -> Attribute {
    let kind: u16 = match input.byte() % 16 {
        0 => input.u32() as u16,
        1 => 2,
        _ if first_of_section => 2,
        _ => input.range(3, 16) as u16,
    };
    let n = match input.byte() % 32 {
        0 => input.range(0, 4100),
        1 => input.range(240, 260),
        2 => input.range(990, 1010),
        k => usize::from(k % 7),
    };
    let bytes = input.bytes(24);
    Attribute { kind, value: value_for(kind, n, bytes) }
}

fn attributes(input: &mut Input<'_>, sectioned: bool) -> Vec<Attribute> {
    let count = match input.byte() % 16 {
        0 => input.range(95, 105),
        k => usize::from(k % 9),
    };
    (0..count).map(|i| attribute(input, sectioned && i == 0)).collect()
}

fn encode_structures(input: &mut Input<'_>, checked: &mut Checked) {
    // One attribute list.
    let list = attributes(input, false);
    let c = CSoH::new(list.clone());
    let mut out = UNTOUCHED as *mut NetworkSoH;
    // SAFETY: a valid SoH and out-pointer.
    let hr = unsafe { naputil_soh_encode(c.as_ptr(), &mut out) };
    if list_encodable(&list) {
        checked.encoded += 1;
        assert_eq!(hr, S_OK, "an encodable attribute list was refused: {list:?}");
        let bytes = take(out);
        assert_eq!(bytes.len(), list_wire_len(&list));
        let given = NetworkSoH { size: bytes.len() as u16, data: bytes.as_ptr().cast_mut() };
        // SAFETY: valid arguments; then what the decoder handed out.
        let soh = decoded::<SoH>(&bytes, |out| unsafe { naputil_soh_decode(&given, out) })
            .expect("what the encoder writes decodes");
        unsafe {
            assert_eq!(read_soh(soh).as_ref(), Ok(&list), "decode(encode(x)) == x for an attribute list");
            let mut again = ptr::null_mut();
            assert_eq!(naputil_soh_encode(soh, &mut again), S_OK);
            assert_eq!(take(again), bytes);
            through_the_objects(soh, &bytes);
            FreeSoH(soh);
        }
    } else {
        checked.refused += 1;
        assert_eq!(hr, E_INVALIDARG, "an attribute list without an encoding was accepted");
        assert_eq!(out as usize, UNTOUCHED);
    }

    // One message.
    let mode = if input.byte() % 2 == 1 {
        let mut data4 = [0; 8];
        data4.copy_from_slice(&[input.bytes(8), &[0; 8]].concat()[..8]);
        let guid = GUID { Data1: input.u32(), Data2: input.u32() as u16, Data3: input.u32() as u16, Data4: data4 };
        let time = FILETIME { dwLowDateTime: input.u32(), dwHighDateTime: input.u32() };
        Some((guid, time, input.byte()))
    } else {
        None
    };
    let sections = (0..input.range(0, 4)).map(|_| attributes(input, true)).collect();
    let model = Message { mode, sections };
    let framing = FRAMINGS[input.range(0, 2)];
    let c = CMessage::new(&model);
    let mut out = UNTOUCHED as *mut NetworkSoH;
    // SAFETY: a valid message and out-pointer.
    let hr = unsafe { naputil_soh_message_encode(c.as_ptr(), framing, &mut out) };
    if message_encodable(&model) {
        checked.encoded += 1;
        assert_eq!(hr, S_OK, "an encodable message was refused: {model:?}");
        let bytes = take(out);
        assert_eq!(bytes.len(), message_wire_len(&model) + if framing == 0 { 0 } else { 12 });
        let given = NetworkSoH { size: bytes.len() as u16, data: bytes.as_ptr().cast_mut() };
        // SAFETY: valid arguments; then what the decoder handed out.
        let message =
            decoded::<NaputilSoHMessage>(&bytes, |out| unsafe { naputil_soh_message_decode(&given, framing, out) })
                .expect("what the encoder writes decodes");
        unsafe {
            assert_eq!(read_message(message).as_ref(), Ok(&model), "decode(encode(x)) == x for a message");
            let mut again = ptr::null_mut();
            assert_eq!(naputil_soh_message_encode(message, framing, &mut again), S_OK);
            assert_eq!(take(again), bytes);
            // Each section (opened by its system health id) through the objects.
            let m = message.read();
            for i in 0..usize::from(m.count) {
                let section = m.sections.add(i).read();
                let mut list = ptr::null_mut();
                assert_eq!(naputil_soh_encode(section, &mut list), S_OK, "a decoded section encodes");
                through_the_objects(section, &take(list));
            }
            naputil_soh_message_free(message);
        }
    } else {
        checked.refused += 1;
        assert_eq!(hr, E_INVALIDARG, "a message without an encoding was accepted");
        assert_eq!(out as usize, UNTOUCHED);
    }
}
