//! The SoH codec made to fail at each of its allocations, and its
//! allocations counted: every failure returns E_OUTOFMEMORY with nothing
//! allocated and the out-pointer untouched; bad input allocates nothing at
//! all; a decode allocates no more than its input justifies. Needs
//! `--features fault-injection`.
//!
//! The failure countdown and the counters are process-wide, so the tests
//! take `SERIAL`.

mod support;

use naputil::testing::soh::{read_message, read_soh, Attribute, CMessage, CSoH, Message, Value};
use naputil::types::base::{FILETIME, GUID, S_OK};
use naputil::types::nap::{NetworkSoH, NAP_E_INVALID_PACKET};
use naputil::types::soh::{NAPUTIL_SOH_FRAMING_MESSAGE, NAPUTIL_SOH_FRAMING_PEAP_SOH};
use naputil::{
    naputil_get_stats, naputil_live_blocks, naputil_live_bytes, naputil_soh_decode, naputil_soh_encode,
    naputil_soh_message_decode, naputil_soh_message_encode, naputil_soh_message_free, FreeNetworkSoH, FreeSoH,
};
use naputil::{types::diag::NaputilStats, types::nap::SoH, types::soh::NaputilSoHMessage};
use std::ptr;
use std::sync::{Mutex, MutexGuard};
use support::fail_each_allocation;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn total_allocs() -> u64 {
    let mut stats = NaputilStats::default();
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { naputil_get_stats(&mut stats) }, S_OK);
    stats.total_allocs
}

fn attr(kind: u16, value: Value) -> Attribute {
    Attribute { kind, value }
}

fn sample() -> Message {
    Message {
        mode: Some((GUID { Data1: 7, ..GUID::default() }, FILETIME { dwLowDateTime: 1, dwHighDateTime: 2 }, 1)),
        sections: vec![
            vec![attr(2, Value::Id(0x0001_3700)), attr(7, Value::Vendor(311, vec![3, 0x11]))],
            vec![
                attr(2, Value::Id(0x0001_3780)),
                attr(3, Value::Ipv4(vec![[10, 0, 0, 1]])),
                attr(4, Value::Codes(vec![0, 1])),
                attr(5, Value::Time(FILETIME::default())),
                attr(6, Value::Octets(vec![1])),
                attr(8, Value::Byte(1)),
                attr(15, Value::Ipv6(vec![[1; 16]])),
                attr(9, Value::Octets(Vec::new())),
                attr(40, Value::Raw(vec![5, 5])),
                attr(41, Value::Raw(Vec::new())),
            ],
        ],
    }
}

fn bytes_of(made: *mut NetworkSoH) -> Vec<u8> {
    // SAFETY: a NetworkSoH an encoder handed out, freed here.
    unsafe {
        let n = made.read();
        let bytes = core::slice::from_raw_parts(n.data, usize::from(n.size)).to_vec();
        FreeNetworkSoH(made);
        bytes
    }
}

#[test]
fn every_allocation_of_every_function_fails_cleanly() {
    let _serial = serial();
    let before = naputil_live_blocks();
    let model = sample();
    let c_message = CMessage::new(&model);
    let c_section = CSoH::new(model.sections[1].clone());

    // SAFETY (all calls below): valid structures and out-pointers; results
    // are read back and freed with the matching functions.
    let (made, out) =
        fail_each_allocation("naputil_soh_encode", |out| unsafe { naputil_soh_encode(c_section.as_ptr(), out) });
    assert_eq!(made, 2, "the NetworkSoH and its data");
    let list = bytes_of(out);

    let (made, out) = fail_each_allocation("naputil_soh_message_encode", |out| unsafe {
        naputil_soh_message_encode(c_message.as_ptr(), NAPUTIL_SOH_FRAMING_PEAP_SOH, out)
    });
    assert_eq!(made, 2, "the NetworkSoH and its data");
    let message = bytes_of(out);

    let input = NetworkSoH { size: list.len() as u16, data: list.as_ptr().cast_mut() };
    let (made, out) =
        fail_each_allocation::<SoH>("naputil_soh_decode", |out| unsafe { naputil_soh_decode(&input, out) });
    // The SoH, the array, 9 values (the empty raw one has none) and the
    // arrays or octets of 4 of them.
    assert_eq!(made, 15);
    assert_eq!(unsafe { read_soh(out) }, Ok(model.sections[1].clone()));
    unsafe { FreeSoH(out) };

    let input = NetworkSoH { size: message.len() as u16, data: message.as_ptr().cast_mut() };
    let (made, out) = fail_each_allocation::<NaputilSoHMessage>("naputil_soh_message_decode", |out| unsafe {
        naputil_soh_message_decode(&input, NAPUTIL_SOH_FRAMING_PEAP_SOH, out)
    });
    assert_eq!(made, 1 + 1 + (2 + 2 + 1) + 15, "message, sections array, the first section, the second");
    assert_eq!(unsafe { read_message(out) }, Ok(model));
    unsafe { naputil_soh_message_free(out) };

    assert_eq!(naputil_live_blocks(), before, "everything allocated was freed");
}

#[test]
fn bad_input_allocates_nothing_and_good_input_little() {
    let _serial = serial();
    let message = {
        let c = CMessage::new(&sample());
        let mut out = ptr::null_mut();
        // SAFETY: a valid message and out-pointer.
        assert_eq!(unsafe { naputil_soh_message_encode(c.as_ptr(), NAPUTIL_SOH_FRAMING_MESSAGE, &mut out) }, S_OK);
        bytes_of(out)
    };
    let mut decoded = 0;
    // Every single-byte change and every truncation of a valid message.
    let mut variants: Vec<Vec<u8>> = (0..message.len()).map(|n| message[..n].to_vec()).collect();
    for at in 0..message.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut v = message.clone();
            v[at] ^= flip;
            variants.push(v);
        }
    }
    for bytes in &variants {
        let input = NetworkSoH { size: bytes.len() as u16, data: bytes.as_ptr().cast_mut() };
        let allocs = total_allocs();
        let live_bytes = naputil_live_bytes();
        let mut out = ptr::null_mut();
        // SAFETY: a valid input and out-pointer.
        match unsafe { naputil_soh_message_decode(&input, NAPUTIL_SOH_FRAMING_MESSAGE, &mut out) } {
            S_OK => {
                decoded += 1;
                let used = naputil_live_bytes() - live_bytes;
                assert!(used <= 8 * bytes.len() as u64 + 64, "{used} bytes for {} input bytes", bytes.len());
                // SAFETY: what the decoder handed out.
                unsafe { naputil_soh_message_free(out) };
            }
            hr => {
                assert_eq!(hr, NAP_E_INVALID_PACKET);
                assert!(out.is_null());
                assert_eq!(total_allocs(), allocs, "an invalid message allocated");
            }
        }
        let allocs = total_allocs();
        let mut soh = ptr::null_mut();
        // SAFETY: a valid input and out-pointer; then what it handed out.
        match unsafe { naputil_soh_decode(&input, &mut soh) } {
            S_OK => unsafe { FreeSoH(soh) },
            hr => {
                assert_eq!(hr, NAP_E_INVALID_PACKET);
                assert_eq!(total_allocs(), allocs, "an invalid attribute list allocated");
            }
        }
    }
    // Some byte changes (inside values) still decode; most do not.
    assert!(decoded > 0 && decoded < variants.len(), "{decoded} of {} decoded", variants.len());
}
