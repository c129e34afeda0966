# Fault injection and fuzzing.
#
#   make test-faults   the tests built with the test-only `fault-injection`
#                      feature: every allocation of every NAP Alloc* call and
#                      of every SoH codec function made to fail, failed
#                      reallocations, overflowing sizes, the model test with
#                      failures mixed in, and the SoH fuzz checker on the seed
#                      corpus, its mutations and random structures. Part of
#                      `make test`.
#   make fuzz          the cargo-fuzz target `allocator` (fuzz/) for
#                      FUZZ_SECONDS (default 60), starting from the committed
#                      seed corpus; new inputs go to fuzz/target/corpus, crashes
#                      to fuzz/artifacts.
#   make fuzz-soh      the cargo-fuzz target `soh` (the SoH wire format: both
#                      round trips, the allocation bound, bad input) the same
#                      way; new inputs go to fuzz/target/corpus-soh.
#   make fuzz-smoke    `fuzz-soh` for FUZZ_SMOKE_SECONDS (default 20). Part of
#                      `make test`.
#
# The fuzz targets need cargo-fuzz (installed on first use) and a nightly
# toolchain, or the stable one with RUSTC_BOOTSTRAP=1 (the default when there
# is no nightly).

FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 20
# The plain `cargo test` already runs the model on 500 sequences.
FAULT_MODEL_SEQUENCES ?= 300
FUZZ_JOBS    ?= 1
FUZZ_CARGO   ?= $(shell rustup toolchain list 2>/dev/null | grep -q '^nightly' && echo "$(CARGO) +nightly" || echo "env RUSTC_BOOTSTRAP=1 $(CARGO)")

.PHONY: test-faults fuzz fuzz-soh fuzz-smoke fuzz-build fuzz-build-soh

test-faults:
	NAPUTIL_MODEL_SEQUENCES=$(FAULT_MODEL_SEQUENCES) $(CARGO) test --release --features fault-injection \
	    --test faults --test nap_oom --test soh_oom --test soh_random --test soh_objects --test model -- --nocapture

fuzz-build:
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	cd fuzz && $(FUZZ_CARGO) fuzz build -O allocator

fuzz: fuzz-build
	@mkdir -p fuzz/target/corpus
	cd fuzz && $(FUZZ_CARGO) fuzz run -O -j $(FUZZ_JOBS) allocator target/corpus corpus/allocator -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1

fuzz-build-soh:
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	cd fuzz && $(FUZZ_CARGO) fuzz build -O soh

fuzz-soh: fuzz-build-soh
	@mkdir -p fuzz/target/corpus-soh
	cd fuzz && $(FUZZ_CARGO) fuzz run -O -j $(FUZZ_JOBS) soh target/corpus-soh corpus/soh -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz-soh FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)
