//! The SoH codec: arbitrary bytes decoded in every framing, arbitrary
//! structures encoded, and both round trips checked (see
//! `fuzz/src/soh_check.rs`).

#![no_main]

#[path = "../src/soh_check.rs"]
mod soh_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    soh_check::run(data);
});
