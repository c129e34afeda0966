//! The fuzz target's model checker (`fuzz/src/model.rs`) run on many
//! pseudo-random operation sequences from a fixed seed, and on the committed
//! fuzz seed corpus, so the same checks run in every `cargo test` without a
//! fuzzer. With `--features fault-injection` the sequences also fail
//! allocations on purpose.
//!
//! One test function: the model needs the allocator to itself.

#[path = "../fuzz/src/model.rs"]
mod model;
mod support;

use support::Rng;

/// Sequences and their length; `NAPUTIL_MODEL_SEQUENCES` overrides the count.
const SEQUENCES: usize = 500;
const MAX_LEN: u64 = 1024;

#[test]
fn random_operation_sequences_match_the_model() {
    let sequences = std::env::var("NAPUTIL_MODEL_SEQUENCES").ok().and_then(|v| v.parse().ok()).unwrap_or(SEQUENCES);
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/allocator");
    let mut seeds = 0;
    for entry in std::fs::read_dir(&corpus).expect("the seed corpus is committed") {
        let bytes = std::fs::read(entry.expect("a corpus entry").path()).expect("a readable corpus file");
        model::run(&bytes);
        seeds += 1;
    }
    assert!(seeds > 0, "the seed corpus is not empty");

    let mut rng = Rng::new(0x6e61_7075_7469_6c21);
    let mut ops = 0u64;
    for _ in 0..sequences {
        let len = 1 + rng.below(MAX_LEN) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        model::run(&bytes);
        ops += len as u64;
    }
    #[cfg(feature = "fault-injection")]
    let faults = format!(", {} faults injected", naputil::testing::injected_faults());
    #[cfg(not(feature = "fault-injection"))]
    let faults = String::new();
    println!("model: {seeds} corpus inputs and {sequences} random sequences ({ops} input bytes) matched{faults}");
}
