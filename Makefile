# naputil — build, test and install.
#
#   make                 both libraries (release), the regenerated header, and
#                        build/lib + build/include laid out as an installation
#                        (versioned library names, every compat header spelling)
#   make test            format and clippy checks, Rust tests, header and export
#                        checks, every ctests/ program against the static and the
#                        shared library (and again under valgrind when it is
#                        installed), and a staged `make install` used through
#                        pkg-config and CMake, then a 20-second run of the SoH
#                        fuzz target (mk/fuzz.mk); the ctests/layers/ and
#                        ctests/sdk/ programs in both wide-string modes
#   make install         PREFIX=/usr/local DESTDIR= LIBDIR= INCLUDEDIR=
#                        PKGCONFIGDIR= CMAKEDIR=  (see docs/INSTALL.md)
#   make uninstall       the same variables: removes what `make install` wrote
#   make bench           the tracking-table benchmark (never fails on timing)
#   make clean

.DELETE_ON_ERROR:
.SUFFIXES:

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR   ?= $(LIBDIR)/cmake/naputil
DESTDIR    ?=
CARGO      ?= cargo
CC         ?= cc
CXX        ?= c++
VALGRIND   ?= $(shell command -v valgrind 2>/dev/null)

# The crate version, and the ABI version the shared library is named after
# (docs/INSTALL.md): the major version, or 0.MINOR before 1.0. build.rs
# writes the same into the library (SONAME, install name).
VERSION    := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
VERSION_NUMBERS := $(subst ., ,$(firstword $(subst -, ,$(subst +, ,$(VERSION)))))
VERSION_MAJOR := $(word 1,$(VERSION_NUMBERS))
VERSION_MINOR := $(word 2,$(VERSION_NUMBERS))
VERSION_PATCH := $(word 3,$(VERSION_NUMBERS))
ABI_VERSION := $(if $(filter 0,$(VERSION_MAJOR)),0.$(VERSION_MINOR),$(VERSION_MAJOR))

# SHLIB_REAL is the file, SHLIB_SONAME the name programs record (and a link
# to the file), SHLIB_LINK the name -lnaputil finds (a link to SHLIB_SONAME);
# SHLIB_ID is what the library calls itself (ELF SONAME, Mach-O install name).
UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
  SHLIB      := libnaputil.dylib
  SHLIB_REAL := libnaputil.$(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH).dylib
  SHLIB_SONAME := libnaputil.$(ABI_VERSION).dylib
  SHLIB_ID   := @rpath/$(SHLIB_SONAME)
  SYSLIBS    := -lpthread -lm
else
  SHLIB      := libnaputil.so
  SHLIB_REAL := libnaputil.so.$(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
  SHLIB_SONAME := libnaputil.so.$(ABI_VERSION)
  SHLIB_ID   := $(SHLIB_SONAME)
  SYSLIBS    := -lpthread -ldl -lm
endif
SHLIB_LINK := $(SHLIB)

RELEASE    := target/release
STATICLIB  := $(RELEASE)/libnaputil.a
SHAREDLIB  := $(RELEASE)/$(SHLIB)
BUILD      := build
HEADER     := include/napUtil.h

# build/lib and build/include hold what `make install` installs, under the
# installed names: the libraries (links into target/release) and, in
# build/include/naputil, every spelling of every compat header.
STAGE_LIB  := $(BUILD)/lib
STAGE_INC  := $(BUILD)/include
COMPAT_DIR := $(STAGE_INC)/naputil
COMPAT_SRC := $(sort $(wildcard include/compat/*.h)) include/compat/spellings scripts/compat-headers.sh
COMPAT_STAMP := $(BUILD)/compat.stamp
# Changes when a compat header is added or removed, so that the spellings
# are written afresh then too.
COMPAT_NAMES := $(BUILD)/compat.names

WARN       := -Wall -Wextra -pedantic -Werror
CFLAGS_T   ?= -std=c99 -O1 -g $(WARN)
CXXFLAGS_T ?= -std=c++17 -O1 -g $(WARN)

# ctests/ programs see napUtil.h and, for those written as Windows code
# (#include <NapProtocol.h> ...), the compat headers under Windows' names.
CTEST_INCLUDES := -Iinclude -Iinclude/compat

C_TESTS    := $(sort $(wildcard ctests/*.c))
CXX_TESTS  := $(sort $(wildcard ctests/*.cpp))
TEST_NAMES := $(notdir $(basename $(C_TESTS) $(CXX_TESTS)))
TEST_BINS  := $(foreach t,$(TEST_NAMES),$(BUILD)/static/$(t) $(BUILD)/shared/$(t))

.PHONY: FORCE all lib header lint stage stage-lib test test-rust test-c test-layers test-sdk check-header \
	check-exports check-case-clash test-install bench install uninstall clean

all: lib header stage

lib:
	$(CARGO) build --release

# Regenerates include/napUtil.h from the Rust sources (cbindgen, via build.rs).
header:
	NAPUTIL_UPDATE_HEADER=1 $(CARGO) build --release

test: lint test-rust test-faults check-header check-exports check-completeness check-case-clash test-c test-layers test-sdk test-install fuzz-smoke

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

# The shared library must export the API and nothing of Rust's, and carry
# its SONAME (ELF only; `make check-macos` checks the cross-linked dylib).
check-exports: lib
ifeq ($(UNAME_S),Darwin)
	@echo "check-exports: skipped on macOS"
else
	sh scripts/check-exports.sh $(SHAREDLIB) $(SHLIB_SONAME)
endif

# No two tracked paths may differ only in letter case.
check-case-clash:
	@sh scripts/check-case-clash.sh

stage: stage-lib $(COMPAT_STAMP)

stage-lib: lib
	@mkdir -p $(STAGE_LIB)
	@ln -sf ../../$(SHAREDLIB) $(STAGE_LIB)/$(SHLIB_REAL)
	@ln -sf $(SHLIB_REAL) $(STAGE_LIB)/$(SHLIB_SONAME)
	@ln -sf $(SHLIB_SONAME) $(STAGE_LIB)/$(SHLIB_LINK)
	@ln -sf ../../$(STATICLIB) $(STAGE_LIB)/libnaputil.a

$(COMPAT_NAMES): FORCE
	@mkdir -p $(@D)
	@echo '$(notdir $(filter %.h,$(COMPAT_SRC)))' | cmp -s - $@ || echo '$(notdir $(filter %.h,$(COMPAT_SRC)))' > $@

$(COMPAT_STAMP): $(COMPAT_SRC) $(COMPAT_NAMES)
	rm -rf $(COMPAT_DIR)
	sh scripts/compat-headers.sh $(COMPAT_DIR)
	ln -sf ../../$(HEADER) $(STAGE_INC)/napUtil.h
	@touch $@

$(STATICLIB) $(SHAREDLIB): lib

$(BUILD)/static/%: ctests/%.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_T) $(CTEST_INCLUDES) -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/shared/%: ctests/%.c $(HEADER) stage-lib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_T) $(CTEST_INCLUDES) -o $@ $< -L$(STAGE_LIB) -lnaputil -Wl,-rpath,$(CURDIR)/$(STAGE_LIB) $(SYSLIBS)

$(BUILD)/static/%: ctests/%.cpp $(HEADER) lib
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_T) $(CTEST_INCLUDES) -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/shared/%: ctests/%.cpp $(HEADER) stage-lib
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_T) $(CTEST_INCLUDES) -o $@ $< -L$(STAGE_LIB) -lnaputil -Wl,-rpath,$(CURDIR)/$(STAGE_LIB) $(SYSLIBS)

# The call-stack test is built as the programs whose reports it checks are
# debugged: without optimisation (the later -O0 wins).
$(BUILD)/static/backtrace $(BUILD)/shared/backtrace: CFLAGS_T += -O0

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
# client) against the compat headers, in both wide-string modes: as written,
# with L"..." and -fshort-wchar; and with every L"..." spelled u"..." and a
# 32-bit wchar_t, the one change a port that keeps wchar_t must make.
SDK_NAMES   := sha shv enforcer
SDK_SOURCES := $(sort $(wildcard ctests/sdk/*.cpp ctests/sdk/*.h))
SDK_U_SRC   := $(BUILD)/sdk/u-literals
SDK_BINS    := $(foreach n,$(SDK_NAMES),$(BUILD)/sdk/wchar16/$(n) $(BUILD)/sdk/wchar32/$(n))

$(SDK_U_SRC)/%: ctests/sdk/%
	@mkdir -p $(@D)
	sed -e 's/\([^A-Za-z0-9_]\)L"/\1u"/g' -e 's/^L"/u"/' $< > $@

$(BUILD)/sdk/wchar16/%: ctests/sdk/%.cpp $(SDK_SOURCES) $(HEADER) $(COMPAT_STAMP) lib
	@mkdir -p $(@D)
	$(CXX) -std=c++11 -O1 -g $(WARN) -fshort-wchar -I$(COMPAT_DIR) -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/sdk/wchar32/%: $(SDK_U_SRC)/%.cpp $(patsubst ctests/sdk/%,$(SDK_U_SRC)/%,$(SDK_SOURCES)) $(HEADER) $(COMPAT_STAMP) lib
	@mkdir -p $(@D)
	$(CXX) -std=c++11 -O1 -g $(WARN) -I$(CURDIR)/$(COMPAT_DIR) -o $@ $< $(STATICLIB) $(SYSLIBS)

.SECONDARY: $(patsubst ctests/sdk/%,$(SDK_U_SRC)/%,$(SDK_SOURCES))

test-sdk: $(SDK_BINS)
	@sh scripts/run-sdk-programs.sh $(BUILD)/sdk $(SDK_NAMES)

bench:
	$(CARGO) bench --bench tracking

# `make install` and `make uninstall` on a staged tree, and programs built
# against it through pkg-config and CMake (needs pkg-config and cmake).
test-install:
	@MAKE="$(MAKE)" CC="$(CC)" sh scripts/check-install.sh

# naputil.pc and the CMake package are written for the PREFIX, LIBDIR, ...
# of this very call, so they are made afresh on every install.
INSTALL_FILES := $(BUILD)/install
COMPAT_INSTALLDIR := $(INCLUDEDIR)/naputil

install: stage
	@PREFIX="$(PREFIX)" LIBDIR="$(LIBDIR)" INCLUDEDIR="$(INCLUDEDIR)" CMAKEDIR="$(CMAKEDIR)" \
	    VERSION="$(VERSION)" VERSION_MAJOR="$(VERSION_MAJOR)" VERSION_MINOR="$(VERSION_MINOR)" \
	    SHLIB_REAL="$(SHLIB_REAL)" SHLIB_ID="$(SHLIB_ID)" SYSLIBS="$(SYSLIBS)" \
	    DARWIN="$(filter Darwin,$(UNAME_S))" CC="$(CC)" sh scripts/install-files.sh $(INSTALL_FILES)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR) \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(COMPAT_INSTALLDIR)
	install -m 644 $(HEADER) $(DESTDIR)$(INCLUDEDIR)/napUtil.h
	for name in $$(sh scripts/compat-headers.sh --list); do \
	    install -m 644 $(COMPAT_DIR)/$$name $(DESTDIR)$(COMPAT_INSTALLDIR)/$$name || exit 1; \
	done
	install -m 644 $(STATICLIB) $(DESTDIR)$(LIBDIR)/libnaputil.a
	install -m 755 $(SHAREDLIB) $(DESTDIR)$(LIBDIR)/$(SHLIB_REAL)
	ln -sf $(SHLIB_REAL) $(DESTDIR)$(LIBDIR)/$(SHLIB_SONAME)
	ln -sf $(SHLIB_SONAME) $(DESTDIR)$(LIBDIR)/$(SHLIB_LINK)
	install -m 644 $(INSTALL_FILES)/naputil.pc $(DESTDIR)$(PKGCONFIGDIR)/naputil.pc
	install -m 644 $(INSTALL_FILES)/naputilConfig.cmake $(INSTALL_FILES)/naputilConfigVersion.cmake \
	    $(DESTDIR)$(CMAKEDIR)/

# Removes the files `make install` writes with the same variables, and the
# two directories that are naputil's alone once they are empty.
uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/napUtil.h
	for name in $$(sh scripts/compat-headers.sh --list); do \
	    rm -f $(DESTDIR)$(COMPAT_INSTALLDIR)/$$name; \
	done
	rm -f $(DESTDIR)$(LIBDIR)/libnaputil.a $(DESTDIR)$(LIBDIR)/$(SHLIB_REAL) \
	      $(DESTDIR)$(LIBDIR)/$(SHLIB_SONAME) $(DESTDIR)$(LIBDIR)/$(SHLIB_LINK) \
	      $(DESTDIR)$(PKGCONFIGDIR)/naputil.pc \
	      $(DESTDIR)$(CMAKEDIR)/naputilConfig.cmake $(DESTDIR)$(CMAKEDIR)/naputilConfigVersion.cmake
	rmdir $(DESTDIR)$(COMPAT_INSTALLDIR) $(DESTDIR)$(CMAKEDIR) 2>/dev/null || true

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

# Optional targets (Windows, macOS, sanitizers, fuzzing) live in mk/.
-include $(sort $(wildcard mk/*.mk))
