# naputil — build, test and install.
#
#   make                 both libraries (release) and the regenerated header
#   make test            format and clippy checks, Rust tests, header checks, every ctests/ program
#                        against the static and the shared library, and
#                        again under valgrind when it is installed; the
#                        ctests/layers/ and ctests/sdk/ programs in both
#                        wide-string modes
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


.PHONY: all lib header lint test test-rust test-c test-layers test-sdk check-header check-exports bench install uninstall clean

all: lib header

lib:
	$(CARGO) build --release

# Regenerates include/napUtil.h from the Rust sources (cbindgen, via build.rs).
header:
	NAPUTIL_UPDATE_HEADER=1 $(CARGO) build --release

test: lint test-rust test-faults check-header check-exports check-completeness test-c test-layers test-sdk

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

# Runs every C/C++ test program against both libraries, then under valgrind,
# and ends with one "N passed, M failed" line.
test-c: $(TEST_BINS)
	@VALGRIND="$(VALGRIND)" sh scripts/run-ctests.sh $(TEST_BINS)

# napUtil.h with a Windows compatibility layer (ctests/layers/mock_windows.h)
# included before it and after it, in C11 and C++17, with a 32-bit and a
# 16-bit (-fshort-wchar) wchar_t; with $(CC)/$(CXX) and, when installed,
# clang/clang++ too.
CLANG        ?= $(shell command -v clang 2>/dev/null)
CLANGXX      ?= $(shell command -v clang++ 2>/dev/null)
LAYER_ORDERS := layer-first naputil-first
LAYER_WCHARS := wchar32 wchar16
LAYER_KINDS  := c cpp $(if $(CLANG),clang-c) $(if $(CLANGXX),clang-cpp)
LAYER_BINS   := $(foreach k,$(LAYER_KINDS),$(foreach o,$(LAYER_ORDERS),$(foreach w,$(LAYER_WCHARS),\
                  $(BUILD)/layers/$(k)-$(o)-$(w))))
layer_flags   = $(if $(findstring naputil-first,$(1)),-DNAPUTIL_FIRST) $(if $(findstring wchar16,$(1)),-fshort-wchar)

$(BUILD)/layers/c-%: ctests/layers/layers.c ctests/layers/mock_windows.h $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) -std=c11 -O1 -g $(WARN) $(call layer_flags,$*) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/layers/cpp-%: ctests/layers/layers.cpp ctests/layers/mock_windows.h $(HEADER) lib
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O1 -g $(WARN) $(call layer_flags,$*) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/layers/clang-c-%: ctests/layers/layers.c ctests/layers/mock_windows.h $(HEADER) lib
	@mkdir -p $(@D)
	$(CLANG) -std=c11 -O1 -g $(WARN) $(call layer_flags,$*) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/layers/clang-cpp-%: ctests/layers/layers.cpp ctests/layers/mock_windows.h $(HEADER) lib
	@mkdir -p $(@D)
	$(CLANGXX) -std=c++20 -O1 -g $(WARN) $(call layer_flags,$*) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

test-layers: $(LAYER_BINS)
	@VALGRIND= sh scripts/run-ctests.sh $(LAYER_BINS)

# The SDK-style programs (a health agent, a validator, an enforcement
# client) against include/compat, in both wide-string modes: as written,
# with L"..." and -fshort-wchar; and with every L"..." spelled u"..." and a
# 32-bit wchar_t, the one change a port that keeps wchar_t must make.
SDK_NAMES   := sha shv enforcer
SDK_SOURCES := $(sort $(wildcard ctests/sdk/*.cpp ctests/sdk/*.h))
SDK_U_SRC   := $(BUILD)/sdk/u-literals
SDK_BINS    := $(foreach n,$(SDK_NAMES),$(BUILD)/sdk/wchar16/$(n) $(BUILD)/sdk/wchar32/$(n))

$(SDK_U_SRC)/%: ctests/sdk/%
	@mkdir -p $(@D)
	sed -e 's/\([^A-Za-z0-9_]\)L"/\1u"/g' -e 's/^L"/u"/' $< > $@

$(BUILD)/sdk/wchar16/%: ctests/sdk/%.cpp $(SDK_SOURCES) $(HEADER) lib
	@mkdir -p $(@D)
	$(CXX) -std=c++11 -O1 -g $(WARN) -fshort-wchar -Iinclude/compat -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/sdk/wchar32/%: $(SDK_U_SRC)/%.cpp $(patsubst ctests/sdk/%,$(SDK_U_SRC)/%,$(SDK_SOURCES)) $(HEADER) lib
	@mkdir -p $(@D)
	$(CXX) -std=c++11 -O1 -g $(WARN) -I$(CURDIR)/include/compat -o $@ $< $(STATICLIB) $(SYSLIBS)

.SECONDARY: $(patsubst ctests/sdk/%,$(SDK_U_SRC)/%,$(SDK_SOURCES))

test-sdk: $(SDK_BINS)
	@sh scripts/run-sdk-programs.sh $(BUILD)/sdk $(SDK_NAMES)

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
