# macOS: cross-build and cross-link from Linux. Included by the main Makefile.
#
#   make check-macos   for x86_64-apple-darwin and aarch64-apple-darwin: the
#                      static library and the dylib (install name
#                      @rpath/libnaputil.ABI.dylib, current and compatibility
#                      version; docs/INSTALL.md), the dylib's exports checked
#                      to be the API and nothing else, and every ctests/*.c
#                      and *.cpp linked against both with zig. Nothing is
#                      run: this host cannot run Mach-O programs.
#
# Prerequisites: scripts/macos/install-deps.sh (the Debian Rust toolchain
# with std sources, zig from PyPI). zig links, through scripts/macos/zig-cc.sh.
# See docs/PLATFORMS.md.

MAC_TRIPLES     := x86_64-apple-darwin aarch64-apple-darwin
XRUSTC          ?= /usr/bin/rustc
XCARGO          ?= /usr/bin/cargo
ZIG             ?= python3 -m ziglang
MAC_OBJDUMP     ?= llvm-objdump
MAC_TARGET_DIR  ?= $(CURDIR)/target/macos
MAC_BUILD       := $(MAC_TARGET_DIR)/build
# What build.rs writes into the dylib (docs/INSTALL.md).
MAC_INSTALL_NAME := @rpath/libnaputil.$(ABI_VERSION).dylib
MAC_CURRENT_VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
MAC_COMPAT_VERSION := $(if $(filter 0,$(VERSION_MAJOR)),0.$(VERSION_MINOR).0,$(VERSION_MAJOR).0.0)
MAC_WARN        := -Wall -Wextra -pedantic -Werror
# C tests that cannot build for macOS: notifier uses Linux's eventfd.
MAC_LINUX_ONLY  := notifier

# The libraries are built with the dev profile: nothing here runs them, and
# std built without optimisation costs half the time. (A release build also
# works, with CARGO_PROFILE_RELEASE_STRIP=none: rustc strips Apple release
# artifacts with rust-objcopy, which the Debian toolchain does not ship.)
MAC_PROFILE   ?= debug
MAC_CARGO_ENV = RUSTC=$(XRUSTC) RUSTC_BOOTSTRAP=1 \
	CARGO_TARGET_DIR=$(MAC_TARGET_DIR) CARGO_PROFILE_RELEASE_STRIP=none \
	ZIG="$(ZIG)" NAPUTIL_ZIG_TARGET=$(call mac_zig_target,$(1)) \
	CARGO_TARGET_$(call mac_env_name,$(1))_LINKER=$(CURDIR)/scripts/macos/zig-cc.sh

# zig names the architectures x86_64-macos and aarch64-macos; cargo's
# per-target variables spell the triple in upper case with underscores.
mac_zig_target = $(patsubst %-apple-darwin,%-macos,$(1))
mac_env_name = $(subst -,_,$(shell echo $(1) | tr a-z A-Z))

MAC_C_TESTS   := $(filter-out $(addprefix ctests/,$(addsuffix .c,$(MAC_LINUX_ONLY))),$(sort $(wildcard ctests/*.c)))
MAC_CXX_TESTS := $(sort $(wildcard ctests/*.cpp))
# C++ programs are linked for these targets only: zig builds libc++ from
# source for each architecture (minutes on a 2-core machine), and the C
# programs already link against both architectures' libraries.
MAC_CXX_TRIPLES ?= x86_64-apple-darwin

.PHONY: macos-deps check-macos $(addprefix check-macos-,$(MAC_TRIPLES))

macos-deps:
	bash scripts/macos/install-deps.sh

check-macos: $(addprefix check-macos-,$(MAC_TRIPLES))

$(addprefix check-macos-,$(MAC_TRIPLES)): check-macos-%: $(HEADER) $(COMPAT_STAMP)
	@mkdir -p $(MAC_BUILD) && date +%s > $(MAC_BUILD)/$*.start
	$(call MAC_CARGO_ENV,$*) $(XCARGO) build $(if $(filter release,$(MAC_PROFILE)),--release) --target $* -Zbuild-std
	@echo "macos $*: libraries built in $$(( $$(date +%s) - $$(cat $(MAC_BUILD)/$*.start) )) s"
	@out=$(MAC_TARGET_DIR)/$*/$(MAC_PROFILE); build=$(MAC_BUILD)/$*; \
	mkdir -p $$build; \
	MAC_OBJDUMP="$(MAC_OBJDUMP)" sh scripts/macos/check-dylib.sh $$out/libnaputil.dylib \
	    $(MAC_INSTALL_NAME) $(MAC_CURRENT_VERSION) $(MAC_COMPAT_VERSION) || exit 1; \
	linked=0; \
	for src in $(MAC_C_TESTS) $(if $(filter $*,$(MAC_CXX_TRIPLES)),$(MAC_CXX_TESTS)); do \
	    name=$$(basename $${src%.*}); \
	    case $$src in \
	        *.c)   drv="cc -std=c99";; \
	        *.cpp) drv="c++ -std=c++17";; \
	    esac; \
	    $(ZIG) $$drv -target $(call mac_zig_target,$*) $(MAC_WARN) $(CTEST_INCLUDES) \
	        -o $$build/$$name-static $$src $$out/libnaputil.a || exit 1; \
	    $(ZIG) $$drv -target $(call mac_zig_target,$*) $(MAC_WARN) $(CTEST_INCLUDES) \
	        -o $$build/$$name-shared $$src -L$$out -lnaputil -Wl,-rpath,@executable_path || exit 1; \
	    $(MAC_OBJDUMP) --macho --dylibs-used $$build/$$name-shared | grep -qF "$(MAC_INSTALL_NAME) (compatibility version $(MAC_COMPAT_VERSION)" || \
	        { echo "macos $*: $$name-shared does not load $(MAC_INSTALL_NAME)"; exit 1; }; \
	    linked=$$((linked + 2)); \
	done; \
	$(ZIG) cc -std=c99 -target $(call mac_zig_target,$*) $(MAC_WARN) -I$(STAGE_INC) -I$(COMPAT_DIR) \
	    -o $$build/consumer-shared ctests/install/consumer.c -L$$out -lnaputil -Wl,-rpath,@executable_path || exit 1; \
	linked=$$((linked + 1)); \
	echo "macos $*: static library, dylib ($(MAC_INSTALL_NAME)) and $$linked test programs" \
	     "(with ctests/install/consumer.c through the compat headers) linked, each shared one loading $(MAC_INSTALL_NAME) (not run; skipped as Linux-only: $(MAC_LINUX_ONLY)$(if $(filter $*,$(MAC_CXX_TRIPLES)),,; C++ programs are linked for $(MAC_CXX_TRIPLES) only));" \
	     "$$(( $$(date +%s) - $$(cat $(MAC_BUILD)/$*.start) )) s in all"; \
	rm -f $(MAC_BUILD)/$*.start
