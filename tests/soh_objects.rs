//! The SoH constructor and processor objects against the model of
//! `naputil::testing::soh`: random attribute lists appended one by one and
//! read back, random SoHs taken in by the processor and read attribute by
//! attribute, each refusal predicted by the model; every allocation of
//! `CoCreateInstance`, `GetSoH` and `GetAttribute` made to fail; objects
//! shared by threads; calls after the last `Release`. Needs
//! `--features fault-injection`.
//!
//! The failure countdown and the block counters are process-wide, so the
//! tests take `SERIAL`.

mod support;

use core::ffi::c_void;
use naputil::testing::fail_nth_allocation;
use naputil::testing::soh::{list_encodable, read_soh, value_for, Attribute, CSoH, Value};
use naputil::types::base::{E_INVALIDARG, E_NOINTERFACE, E_OUTOFMEMORY, E_POINTER, GUID, HRESULT, S_OK};
#[cfg(not(windows))]
use naputil::types::com::{CLSCTX_INPROC_SERVER, COINIT_APARTMENTTHREADED};
use naputil::types::nap::{SoH, SoHAttribute, SoHAttributeValue, NAP_E_INVALID_PACKET, NAP_E_NOT_INITIALIZED};
use naputil::types::nap_protocol::{INapSoHConstructor, INapSoHProcessor};
use naputil::{
    naputil_create_instance, naputil_live_blocks, CLSID_NapSoHConstructor, CLSID_NapSoHProcessor, FreeSoH,
    FreeSoHAttributeValue, IID_INapSoHConstructor, IID_INapSoHProcessor, IID_IUnknown,
};
#[cfg(not(windows))]
use naputil::{CoCreateInstance, CoInitializeEx, CoUninitialize};
use std::ptr;
use std::sync::{Mutex, MutexGuard};
use support::{fail_each_allocation, Rng};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const NOT_FOUND: HRESULT = 0x8007_0002_u32 as HRESULT;

/// Calls method `$m` of the COM object `$o`.
macro_rules! call {
    ($o:expr, $m:ident $(, $arg:expr)*) => {{
        let o = $o;
        // SAFETY: `o` is a live object of the library, whose vtable has
        // every slot filled.
        #[allow(clippy::macro_metavars_in_unsafe)]
        unsafe { ((*(*o).lpVtbl).$m.unwrap())(o $(, $arg)*) }
    }};
}

fn constructor() -> *mut INapSoHConstructor {
    let mut p: *mut c_void = ptr::null_mut();
    // SAFETY: valid GUIDs and out-pointer.
    let hr =
        unsafe { naputil_create_instance(&CLSID_NapSoHConstructor, ptr::null_mut(), &IID_INapSoHConstructor, &mut p) };
    assert_eq!(hr, S_OK);
    p.cast()
}

fn processor() -> *mut INapSoHProcessor {
    let mut p: *mut c_void = ptr::null_mut();
    // SAFETY: valid GUIDs and out-pointer.
    let hr = unsafe { naputil_create_instance(&CLSID_NapSoHProcessor, ptr::null_mut(), &IID_INapSoHProcessor, &mut p) };
    assert_eq!(hr, S_OK);
    p.cast()
}

/// A random attribute list: mostly valid, sometimes over a limit, with a
/// raw type or a second id now and then.
fn random_attributes(rng: &mut Rng) -> Vec<Attribute> {
    let count = match rng.below(10) {
        0 => 95 + rng.below(10) as usize,
        _ => rng.below(12) as usize,
    };
    (0..count)
        .map(|_| {
            let kind = match rng.below(20) {
                0 => 2,
                1 => 17 + rng.below(30) as u16,
                _ => 3 + rng.below(14) as u16,
            };
            let n = match rng.below(12) {
                0 => 240 + rng.below(800) as usize,
                _ => rng.below(6) as usize,
            };
            let bytes: Vec<u8> = (0..8).map(|_| rng.next() as u8).collect();
            Attribute { kind, value: value_for(kind, n, &bytes) }
        })
        .collect()
}

/// The C structures of one attribute's value, kept alive by the vector.
/// (For a type that is not a `SoHAttributeType`, which AppendAttribute
/// refuses whatever the value, the holder's first attribute.)
fn c_value(a: &Attribute) -> (CSoH, *const SoHAttributeValue) {
    let soh = if matches!(a.value, Value::Raw(_)) {
        CSoH::new(vec![Attribute { kind: 8, value: Value::Byte(0) }])
    } else {
        CSoH::new(vec![a.clone()])
    };
    // SAFETY: the CSoH holds one attribute whose value points into it.
    let value = unsafe { (*(*soh.as_ptr()).attributes).value.cast::<SoHAttributeValue>().cast_const() };
    (soh, value)
}

/// Reads a single attribute value the processor handed out, through the
/// model's SoH reader (the value wrapped in a one-attribute SoH of Rust
/// memory: the reader checks the value's blocks, not the wrapper's).
fn read_value(a: &Attribute, value: *mut SoHAttributeValue) -> Result<Value, String> {
    let attribute = SoHAttribute { r#type: a.kind, size: a.wire_len() as u16, value: value.cast() };
    // Allocate the wrapper as task memory so the reader accepts it.
    // SAFETY: plain allocations of the sizes written below.
    unsafe {
        let soh = naputil::CoTaskMemAlloc(core::mem::size_of::<SoH>()).cast::<SoH>();
        let array = naputil::CoTaskMemAlloc(core::mem::size_of::<SoHAttribute>()).cast::<SoHAttribute>();
        array.write(attribute);
        soh.write(SoH { count: 1, attributes: array });
        let read = read_soh(soh);
        naputil::CoTaskMemFree(array.cast());
        naputil::CoTaskMemFree(soh.cast());
        read.map(|mut v| v.remove(0).value)
    }
}

#[test]
fn appended_attributes_come_back_from_get_soh_and_each_refusal_is_predicted() {
    let _serial = serial();
    let mut rng = Rng::new(0x636f_6e73_7472_7563);
    let before = naputil_live_blocks();
    for round in 0..300 {
        let c = constructor();
        let is_request = rng.below(2) == 0;
        let id = rng.next() as u32;
        assert_eq!(call!(c, Initialize, id, i32::from(is_request)), S_OK);
        let mut expected = vec![Attribute { kind: 2, value: Value::Id(id) }];
        for a in random_attributes(&mut rng) {
            let (holder, value) = c_value(&a);
            let mut next = expected.clone();
            next.push(a.clone());
            let second_fixup = !is_request && matches!(a.kind, 3 | 15) && expected.iter().any(|e| e.kind == a.kind);
            let accepted = a.kind != 2 && a.kind <= 16 && list_encodable(&next) && !second_fixup;
            let hr = call!(c, AppendAttribute, u32::from(a.kind), value);
            drop(holder); // deep-copied: the caller's value may go at once
            assert_eq!(hr, if accepted { S_OK } else { E_INVALIDARG }, "round {round}: {a:?}");
            if accepted {
                expected = next;
            }
        }
        let mut soh: *mut SoH = ptr::null_mut();
        assert_eq!(call!(c, GetSoH, &mut soh), S_OK);
        // SAFETY: what GetSoH handed out.
        assert_eq!(unsafe { read_soh(soh) }, Ok(expected.clone()), "round {round}");
        assert_eq!(call!(c, Validate, soh, i32::from(is_request)), S_OK, "round {round}");
        // SAFETY: GetSoH's result, freed once.
        unsafe { FreeSoH(soh) };
        assert_eq!(call!(c, Release), 0);
    }
    assert_eq!(naputil_live_blocks(), before, "everything handed out was freed");
}

#[test]
fn the_processor_takes_valid_sohs_and_reads_every_attribute_back() {
    let _serial = serial();
    let mut rng = Rng::new(0x7072_6f63_6573_736f);
    let before = naputil_live_blocks();
    let mut valid = 0;
    for round in 0..300 {
        let mut model = random_attributes(&mut rng);
        if rng.below(8) != 0 {
            model.insert(0, Attribute { kind: 2, value: Value::Id(rng.next() as u32) });
        }
        let is_request = rng.below(2) == 0;
        let fixups_ok = is_request || [3, 15].iter().all(|k| model.iter().filter(|a| a.kind == *k).count() <= 1);
        let expect_valid = !model.is_empty() && model[0].kind == 2 && list_encodable(&model) && fixups_ok;
        let soh = CSoH::new(model.clone());
        let p = processor();
        let c = constructor();
        let mut id = 0xdead;
        let hr = call!(p, Initialize, soh.as_ptr(), i32::from(is_request), &mut id);
        let validated = call!(c, Validate, soh.as_ptr(), i32::from(is_request));
        drop(soh); // deep-copied
        if !expect_valid {
            assert_eq!(hr, NAP_E_INVALID_PACKET, "round {round}: {model:?}");
            assert_eq!(validated, NAP_E_INVALID_PACKET, "round {round}");
            assert_eq!(id, 0xdead, "round {round}: id written on failure");
            let mut n = 0;
            assert_eq!(call!(p, GetNumberOfAttributes, &mut n), NAP_E_NOT_INITIALIZED);
        } else {
            valid += 1;
            assert_eq!((hr, validated), (S_OK, S_OK), "round {round}: {model:?}");
            assert_eq!(Value::Id(id), model[0].value);
            let mut n = 0;
            assert_eq!(call!(p, GetNumberOfAttributes, &mut n), S_OK);
            assert_eq!(usize::from(n), model.len());
            for (i, a) in model.iter().enumerate() {
                let (mut kind, mut value) = (0u32, ptr::null_mut());
                assert_eq!(call!(p, GetAttribute, i as u16, &mut kind, &mut value), S_OK);
                assert_eq!(kind, u32::from(a.kind));
                if let Value::Raw(raw) = &a.value {
                    assert_eq!(value.is_null(), raw.is_empty());
                } else {
                    assert_eq!(read_value(a, value), Ok(a.value.clone()), "round {round} attribute {i}");
                }
                // SAFETY: GetAttribute's result, freed once as documented.
                unsafe { FreeSoHAttributeValue(kind, value) };
                // FindNextAttribute from every position agrees with the model.
                let from = rng.below(model.len() as u64 + 2) as u16;
                let want = model.iter().enumerate().skip(usize::from(from)).find(|(_, m)| m.kind == a.kind);
                let mut at = 0xffff;
                let hr = call!(p, FindNextAttribute, from, u32::from(a.kind), &mut at);
                match want {
                    Some((j, _)) => assert_eq!((hr, usize::from(at)), (S_OK, j)),
                    None => assert_eq!((hr, at), (NOT_FOUND, 0xffff)),
                }
            }
            let (mut kind, mut value) = (0u32, ptr::null_mut());
            assert_eq!(call!(p, GetAttribute, n, &mut kind, &mut value), E_INVALIDARG);
        }
        assert_eq!(call!(p, Release), 0);
        assert_eq!(call!(c, Release), 0);
    }
    assert!(valid > 100, "the generator makes enough valid SoHs ({valid})");
    assert_eq!(naputil_live_blocks(), before);
}

#[test]
fn every_failing_allocation_answers_e_outofmemory_and_leaks_nothing() {
    let _serial = serial();
    let before = naputil_live_blocks();
    // CoCreateInstance (off Windows): one allocation, the object.
    #[cfg(not(windows))]
    {
        assert_eq!(CoInitializeEx(ptr::null_mut(), COINIT_APARTMENTTHREADED), S_OK);
        let mut p: *mut c_void = 0x10 as *mut c_void;
        fail_nth_allocation(1);
        // SAFETY: valid arguments.
        let hr = unsafe {
            CoCreateInstance(&CLSID_NapSoHConstructor, ptr::null_mut(), CLSCTX_INPROC_SERVER, &IID_IUnknown, &mut p)
        };
        fail_nth_allocation(0);
        assert_eq!((hr, p), (E_OUTOFMEMORY, ptr::null_mut()));
        assert_eq!(naputil_live_blocks(), before);
        CoUninitialize();
    }

    let c = constructor();
    assert_eq!(call!(c, Initialize, 7, 1), S_OK);
    for a in [
        Attribute { kind: 4, value: Value::Codes(vec![1, 2, 3]) },
        Attribute { kind: 7, value: Value::Vendor(311, vec![9; 10]) },
        Attribute { kind: 10, value: Value::Octets(vec![]) },
        Attribute { kind: 15, value: Value::Ipv6(vec![[7; 16]]) },
    ] {
        let (_holder, value) = c_value(&a);
        assert_eq!(call!(c, AppendAttribute, u32::from(a.kind), value), S_OK);
    }
    let (made, soh) = fail_each_allocation("GetSoH", |out| call!(c, GetSoH, out));
    // SAFETY: GetSoH's result.
    unsafe { FreeSoH(soh) };
    assert!(made >= 8, "GetSoH made {made} allocations");

    let mut soh: *mut SoH = ptr::null_mut();
    assert_eq!(call!(c, GetSoH, &mut soh), S_OK);
    let p = processor();
    let mut id = 0;
    assert_eq!(call!(p, Initialize, soh, 1, &mut id), S_OK);
    // SAFETY: GetSoH's result; the processor holds its own copy.
    unsafe { FreeSoH(soh) };
    for location in 0..5u16 {
        let mut kind = 0xee_u32;
        let (_, value) = fail_each_allocation("GetAttribute", |out| {
            kind = 0xee;
            let hr = call!(p, GetAttribute, location, &mut kind, out);
            if hr != S_OK {
                assert_eq!(kind, 0xee, "GetAttribute, failing: type untouched");
            }
            hr
        });
        // SAFETY: GetAttribute's result.
        unsafe { FreeSoHAttributeValue(kind, value) };
    }
    assert_eq!(call!(c, Release), 0);
    assert_eq!(call!(p, Release), 0);
    assert_eq!(naputil_live_blocks(), before);
}

#[test]
fn threads_share_one_constructor_and_one_processor() {
    let _serial = serial();
    let c = constructor() as usize;
    assert_eq!(call!(c as *mut INapSoHConstructor, Initialize, 1, 1), S_OK);
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            std::thread::spawn(move || {
                let c = c as *mut INapSoHConstructor;
                for i in 0..24u8 {
                    let a = Attribute { kind: 7, value: Value::Vendor(u32::from(t), vec![i; 3]) };
                    let (_holder, value) = c_value(&a);
                    assert!(call!(c, AddRef) >= 2);
                    assert!(call!(c, Release) >= 1);
                    assert_eq!(call!(c, AppendAttribute, 7, value), S_OK);
                    let mut soh: *mut SoH = ptr::null_mut();
                    assert_eq!(call!(c, GetSoH, &mut soh), S_OK);
                    // SAFETY: GetSoH's result.
                    let read = unsafe { read_soh(soh) }.expect("a well-formed SoH");
                    assert!(read.len() >= 2 && read[0].value == Value::Id(1));
                    // SAFETY: freed once.
                    unsafe { FreeSoH(soh) };
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no thread failed");
    }
    let c = c as *mut INapSoHConstructor;
    let mut soh: *mut SoH = ptr::null_mut();
    assert_eq!(call!(c, GetSoH, &mut soh), S_OK);
    // SAFETY: GetSoH's result.
    let read = unsafe { read_soh(soh) }.expect("a well-formed SoH");
    assert_eq!(read.len(), 97, "every thread's attributes are in");
    for t in 0..4u32 {
        let mine: Vec<_> = read.iter().filter(|a| matches!(&a.value, Value::Vendor(v, _) if *v == t)).collect();
        let order: Vec<u8> = mine.iter().map(|a| if let Value::Vendor(_, d) = &a.value { d[0] } else { 0 }).collect();
        assert_eq!(order, (0..24).collect::<Vec<u8>>(), "thread {t}'s attributes in its order");
    }
    // SAFETY: freed once.
    unsafe { FreeSoH(soh) };
    assert_eq!(call!(c, Release), 0);
}

#[test]
fn calls_after_the_last_release_are_refused_and_reported() {
    let _serial = serial();
    let before = support::stats();
    let c = constructor();
    let p = processor();
    let mut other: *mut c_void = ptr::null_mut();
    assert_eq!(call!(c, QueryInterface, &IID_INapSoHProcessor, &mut other), E_NOINTERFACE);
    assert!(other.is_null());
    assert_eq!(call!(c, QueryInterface, &IID_IUnknown, &mut other), S_OK);
    assert_eq!(other, c.cast());
    assert_eq!(call!(c, Release), 1);
    assert_eq!(call!(c, Release), 0);
    assert_eq!(call!(p, Release), 0);
    assert_eq!(call!(c, Initialize, 1, 1), E_POINTER);
    assert_eq!(call!(c, AddRef), 0);
    assert_eq!(call!(c, Release), 0);
    let mut n = 0;
    assert_eq!(call!(p, GetNumberOfAttributes, &mut n), E_POINTER);
    let mut q: *mut c_void = 0x40 as *mut c_void;
    assert_eq!(call!(p, QueryInterface, &IID_IUnknown, &mut q), E_POINTER);
    assert!(q.is_null());
    let after = support::stats();
    assert_eq!(after.misuse_double_free - before.misuse_double_free, 5, "each refused call is reported");
    // A GUID that is no class.
    let mut x: *mut c_void = 0x50 as *mut c_void;
    let nothing = GUID { Data1: 1, ..GUID::default() };
    // SAFETY: valid arguments.
    let hr = unsafe { naputil_create_instance(&nothing, ptr::null_mut(), &IID_IUnknown, &mut x) };
    assert_eq!((hr, x), (0x8004_0154_u32 as HRESULT, ptr::null_mut()));
}
