# naputil — build, test and install.
#
#   make                 both libraries (release) and the regenerated header
#   make test            format and clippy checks, Rust tests, header checks, every ctests/ program
#                        against the static and the shared library, and
#                        again under valgrind when it is installed
#   make install         PREFIX=/usr/local DESTDIR= LIBDIR= INCLUDEDIR=
#   make bench           the tracking-table benchmark (never fails on timing)
#   make clean

.DELETE_ON_ERROR:
.SUFFIXES:

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR    ?=
CARGO      ?= cargo
CC         ?= cc
CXX        ?= c++
VALGRIND   ?= $(shell command -v valgrind 2>/dev/null)

UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
  SHLIB      := libnaputil.dylib
  SYSLIBS    := -lpthread -lm
else
  SHLIB      := libnaputil.so
  SYSLIBS    := -lpthread -ldl -lm
endif

RELEASE    := target/release
STATICLIB  := $(RELEASE)/libnaputil.a
SHAREDLIB  := $(RELEASE)/$(SHLIB)
BUILD      := build
HEADER     := include/napUtil.h
VERSION    := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)

WARN       := -Wall -Wextra -pedantic -Werror
CFLAGS_T   ?= -std=c99 -O1 -g $(WARN)
CXXFLAGS_T ?= -std=c++17 -O1 -g $(WARN)

C_TESTS    := $(sort $(wildcard ctests/*.c))
CXX_TESTS  := $(sort $(wildcard ctests/*.cpp))
TEST_NAMES := $(notdir $(basename $(C_TESTS) $(CXX_TESTS)))
TEST_BINS  := $(foreach t,$(TEST_NAMES),$(BUILD)/static/$(t) $(BUILD)/shared/$(t))


.PHONY: all lib header lint test test-rust test-c check-header check-exports bench install uninstall clean

all: lib header

lib:
	$(CARGO) build --release

# Regenerates include/napUtil.h from the Rust sources (cbindgen, via build.rs).
header:
	NAPUTIL_UPDATE_HEADER=1 $(CARGO) build --release

test: lint test-rust test-faults check-header check-exports test-c

# Formatting (rustfmt.toml) and clippy with warnings as errors, for the
# plain and the fault-injection build.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --release -- -D warnings
	$(CARGO) clippy --all-targets --release --features fault-injection -- -D warnings

test-rust:
	$(CARGO) test --release

check-header:
	sh scripts/check-header.sh

# The shared library must export the API and nothing of Rust's (ELF only;
# docs/PLATFORMS.md covers the macOS export list).
check-exports: lib
ifeq ($(UNAME_S),Darwin)
	@echo "check-exports: skipped on macOS"
else
	sh scripts/check-exports.sh $(SHAREDLIB)
endif

$(STATICLIB) $(SHAREDLIB): lib

$(BUILD)/static/%: ctests/%.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_T) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/shared/%: ctests/%.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_T) -Iinclude -o $@ $< -L$(RELEASE) -lnaputil -Wl,-rpath,$(CURDIR)/$(RELEASE) $(SYSLIBS)

$(BUILD)/static/%: ctests/%.cpp $(HEADER) lib
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_T) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/shared/%: ctests/%.cpp $(HEADER) lib
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_T) -Iinclude -o $@ $< -L$(RELEASE) -lnaputil -Wl,-rpath,$(CURDIR)/$(RELEASE) $(SYSLIBS)

# The call-stack test is built as the programs whose reports it checks are
# debugged: without optimisation (the later -O0 wins).
$(BUILD)/static/backtrace $(BUILD)/shared/backtrace: CFLAGS_T += -O0

# Runs every C/C++ test program against both libraries, then under valgrind,
# and ends with one "N passed, M failed" line.
test-c: $(TEST_BINS)
	@VALGRIND="$(VALGRIND)" sh scripts/run-ctests.sh $(TEST_BINS)

bench:
	$(CARGO) bench --bench tracking

naputil.pc: naputil.pc.in Cargo.toml
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@SYSLIBS@|$(SYSLIBS)|g' $< > $@

install: lib naputil.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 $(STATICLIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHAREDLIB) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(HEADER) $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 naputil.pc $(DESTDIR)$(LIBDIR)/pkgconfig/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libnaputil.a $(DESTDIR)$(LIBDIR)/$(SHLIB) \
	      $(DESTDIR)$(INCLUDEDIR)/napUtil.h $(DESTDIR)$(LIBDIR)/pkgconfig/naputil.pc

clean:
	$(CARGO) clean
	rm -rf $(BUILD) naputil.pc

# Optional targets (Windows, macOS, sanitizers, fuzzing) live in mk/.
-include $(sort $(wildcard mk/*.mk))
