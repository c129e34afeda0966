//! Random sequences of allocator, misuse, NAP and spy operations checked
//! against a model of what must be live (see `fuzz/src/model.rs`).

#![no_main]

#[path = "../src/model.rs"]
mod model;

libfuzzer_sys::fuzz_target!(|data: &[u8]| model::run(data));
