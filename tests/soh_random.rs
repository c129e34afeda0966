//! The SoH fuzz target's checker (`fuzz/src/soh_check.rs`) run on the
//! committed seed corpus, on mutations of it from a fixed seed, and on
//! pseudo-random structure descriptions, so the round-trip properties are
//! checked in every `make test` without a fuzzer. Needs
//! `--features fault-injection` (for `naputil::testing::soh`).
//!
//! One test function: the checker needs the allocator to itself.

#[path = "../fuzz/src/soh_check.rs"]
mod soh_check;
mod support;

use support::Rng;

/// Inputs of each kind; `NAPUTIL_SOH_INPUTS` overrides the count.
const INPUTS: usize = 2000;

#[test]
fn seeds_mutations_and_random_structures_keep_the_round_trip_properties() {
    let inputs = std::env::var("NAPUTIL_SOH_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(INPUTS);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/soh");
    let mut seeds = Vec::new();
    let mut checked = soh_check::Checked::default();
    for entry in std::fs::read_dir(&dir).expect("the seed corpus is committed") {
        let bytes = std::fs::read(entry.expect("a corpus entry").path()).expect("a readable corpus file");
        checked += soh_check::run(&bytes);
        seeds.push(bytes);
    }
    seeds.sort();
    assert!(seeds.len() >= 8, "the seed corpus holds the valid messages");

    let mut rng = Rng::new(0x736f_685f_7769_7265);
    for _ in 0..inputs {
        // A seed with a few bytes changed, cut or inserted.
        let mut bytes = seeds[rng.below(seeds.len() as u64) as usize].clone();
        for _ in 0..1 + rng.below(3) {
            let at = 1 + rng.below(bytes.len().max(2) as u64 - 1) as usize;
            match rng.below(4) {
                0 if at < bytes.len() => bytes.truncate(at),
                1 => bytes.insert(at.min(bytes.len()), rng.next() as u8),
                _ if at < bytes.len() => bytes[at] = rng.next() as u8,
                _ => bytes.push(rng.next() as u8),
            }
        }
        checked += soh_check::run(&bytes);
        // A structure description.
        let len = rng.below(400) as usize;
        let description: Vec<u8> = std::iter::once(1).chain((0..len).map(|_| rng.next() as u8)).collect();
        checked += soh_check::run(&description);
    }
    println!("soh: {} corpus inputs, {inputs} mutations and {inputs} structure descriptions: {checked:?}", seeds.len());
    // Every outcome occurs often enough for the properties to mean something.
    let least = inputs as u64 / 20;
    assert!(checked.decoded >= least && checked.invalid >= least, "{checked:?}");
    assert!(checked.encoded >= least && checked.refused >= least, "{checked:?}");
}
