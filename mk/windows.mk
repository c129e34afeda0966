# Windows: cross-build with mingw-w64, test under Wine, and prove the
# header against Windows' own NAP headers. Included by the main Makefile.
#
#   make test-windows    DLL + import library + static library for
#                        x86_64-pc-windows-gnu; `cargo test` under Wine; every
#                        ctests/*.c and *.cpp built with mingw against both
#                        libraries and run under Wine
#   make layout-proof    every declaration of mingw-w64's nap*.h is in the
#                        layout list (nap-completeness.sh); sizeof/offsetof/
#                        values of every NAP type and constant, and offset and
#                        type of every COM vtable slot: Windows' headers
#                        (x86_64 mingw, run under Wine) vs napUtil.h on this
#                        host and on Windows; every IID and __uuidof value and
#                        base class (C++); plus the __stdcall proof for
#                        i686-w64-mingw32
#   make porting-proof   ctests/porting/ and the SDK-style programs of
#                        ctests/sdk/ built unchanged against Windows' headers
#                        (run under Wine) and against the compat headers
#                        (build/include/naputil) on this host (-fshort-wchar for ctests/sdk/): identical
#                        output; the ole32 link order check; and ctests/soh_com.c
#                        compiled and linked unchanged against Windows' headers
#                        and run under Wine (the library's SoH classes
#                        registered with ole32, ctests/com_register.h)
#
# Prerequisites: scripts/windows/install-deps.sh (Debian packages: the Rust
# toolchain with std sources, mingw-w64, Wine). See docs/PLATFORMS.md.

WIN_TRIPLE      := x86_64-pc-windows-gnu
WIN_CC          ?= x86_64-w64-mingw32-gcc
WIN_CXX         ?= x86_64-w64-mingw32-g++
WIN_AR          ?= x86_64-w64-mingw32-ar
WIN32_CC        ?= i686-w64-mingw32-gcc
WIN32_NM        ?= i686-w64-mingw32-nm
# The Debian toolchain: its std sources let -Zbuild-std build std for
# targets that have no prebuilt std here.
XRUSTC          ?= /usr/bin/rustc
XCARGO          ?= /usr/bin/cargo
XRUSTDOC        ?= /usr/bin/rustdoc
WIN_TARGET_DIR  ?= $(CURDIR)/target/windows
WIN_CARGO_OUT   := $(WIN_TARGET_DIR)/$(WIN_TRIPLE)/release
WIN_BUILD       := $(WIN_TARGET_DIR)/build
# What a Windows user links: naputil.dll with its import library (as
# naputil.lib and libnaputil.dll.a) and the static library libnaputil.a.
WIN_OUT         := $(WIN_TARGET_DIR)/dist
WIN_DLL         := $(WIN_OUT)/naputil.dll
WIN_IMPLIB      := $(WIN_OUT)/libnaputil.dll.a
WIN_STATICLIB   := $(WIN_OUT)/libnaputil.a
WIN_LINK        := $(CURDIR)/scripts/windows/link.sh
WIN_SHIM        := $(WIN_BUILD)/shim/bcryptprimitives.dll
export WINEPREFIX ?= $(WIN_TARGET_DIR)/wineprefix
WINE_RUN        := $(CURDIR)/scripts/windows/wine-run.sh
# What a statically linked Rust library needs from Windows.
WIN_SYSLIBS     := -lkernel32 -lntdll -luserenv -lws2_32 -ldbghelp
# Tests that start threads use POSIX threads (mingw-w64's winpthreads),
# linked statically so no extra DLL has to be found at run time. Tests that
# create COM objects get CoInitializeEx, CoRegisterClassObject and
# CoCreateInstance from ole32, linked after naputil so that the task
# allocator (CoTaskMemAlloc & co., CoRegisterMallocSpy) stays naputil's.
WIN_COM_LIBS    := -lole32
WIN_TEST_LIBS   := -Wl,-Bstatic -lpthread -Wl,-Bdynamic $(WIN_COM_LIBS)
# Windows' NAP header names (NapUtil.h, ...) forward to napUtil.h.
WIN_TEST_INCLUDES := -Iinclude -Iinclude/compat
WIN_WARN        := -Wall -Wextra -pedantic -Werror
# The tests are written for napUtil.h, whose C vtable pointers are const;
# CONST_VTABLE makes Windows' own COM headers declare them the same way.
WIN_CFLAGS      ?= -std=c99 -O1 -DCONST_VTABLE $(WIN_WARN)
WIN_CXXFLAGS    ?= -std=c++17 -O1 -DCONST_VTABLE $(WIN_WARN) $(WIN_CXX_RUNTIME)
# The C++ runtime is linked in, so Wine need not find libstdc++-6.dll.
WIN_CXX_RUNTIME := -static-libgcc -static-libstdc++
# Tests that use std::thread need mingw-w64's g++ with POSIX threads (the
# win32-threads one of gcc 12 has no std::thread); -static links its
# winpthreads in too, so Wine need not find libwinpthread-1.dll (and no
# -Bdynamic may follow it on the link line).
WIN_CXX_POSIX   ?= x86_64-w64-mingw32-g++-posix
WIN_STD_THREAD_TESTS := soh_com_cpp
WIN_STD_THREAD_BINS := $(foreach t,$(WIN_STD_THREAD_TESTS),$(WIN_BUILD)/static/$(t).exe $(WIN_BUILD)/shared/$(t).exe)
$(WIN_STD_THREAD_BINS): WIN_CXX = $(WIN_CXX_POSIX)
$(WIN_STD_THREAD_BINS): WIN_CXX_RUNTIME = -static
$(WIN_STD_THREAD_BINS): WIN_TEST_LIBS = $(WIN_COM_LIBS)

# The release profile's fat LTO and single codegen unit would be paid again
# for every test executable; the Windows build trades them for build time.
WIN_CARGO_ENV := RUSTC=$(XRUSTC) RUSTDOC=$(XRUSTDOC) RUSTC_BOOTSTRAP=1 \
	CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	CARGO_TARGET_DIR=$(WIN_TARGET_DIR) \
	CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=$(WIN_CC) \
	CARGO_TARGET_X86_64_PC_WINDOWS_GNU_AR=$(WIN_AR) \
	CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$(WINE_RUN) \
	NAPUTIL_WIN_DLLS=$(dir $(WIN_SHIM))
WIN_CARGO := $(WIN_CARGO_ENV) $(XCARGO)
WIN_CARGO_FLAGS := --release --target $(WIN_TRIPLE) -Zbuild-std

# Test programs that are not run under Wine, each with its reason. A test
# whose source contains the marker "naputil-test: posix-only" is skipped too.
WIN_SKIP_env_policy     := POSIX-only: fork, waitpid, setrlimit
WIN_SKIP_notifier       := POSIX-only: file descriptors (pipes, eventfd) as notifier handles
WIN_MARKED     := $(basename $(notdir $(shell grep -l 'naputil-test: posix-only' ctests/*.c ctests/*.cpp 2>/dev/null)))
$(foreach t,$(WIN_MARKED),$(eval WIN_SKIP_$(t) ?= POSIX-only (marked)))
# So is any test that includes a header Windows does not have.
WIN_POSIX_HEADERS := sys/wait|sys/eventfd|sys/resource|sys/mman|sys/socket|poll|dlfcn
WIN_POSIX_INCLUDES := $(basename $(notdir $(shell grep -lE '^\#include <($(WIN_POSIX_HEADERS))\.h>' ctests/*.c ctests/*.cpp 2>/dev/null)))
$(foreach t,$(WIN_POSIX_INCLUDES),$(eval WIN_SKIP_$(t) ?= POSIX-only: includes $(strip $(shell grep -ohE '^\#include <($(WIN_POSIX_HEADERS))\.h>' ctests/$(t).c* | sed 's/.*<//; s/>//' | sort -u | tr '\n' ' '))))
WIN_SKIP_NAMES := $(sort $(patsubst WIN_SKIP_%,%,$(filter WIN_SKIP_%,$(filter-out WIN_SKIP_NAMES,$(.VARIABLES)))))
WIN_C_TESTS    := $(sort $(wildcard ctests/*.c))
WIN_CXX_TESTS  := $(sort $(wildcard ctests/*.cpp))
WIN_TEST_NAMES := $(filter-out $(WIN_SKIP_NAMES),$(notdir $(basename $(WIN_C_TESTS) $(WIN_CXX_TESTS))))
WIN_TEST_BINS  := $(foreach t,$(WIN_TEST_NAMES),$(WIN_BUILD)/static/$(t).exe $(WIN_BUILD)/shared/$(t).exe)

.PHONY: windows-deps windows-lib test-windows test-windows-rust test-windows-c \
	check-completeness layout-proof porting-proof

windows-deps:
	bash scripts/windows/install-deps.sh

# Wine 8 lacks bcryptprimitives.dll, which Rust's std imports (ProcessPrng).
$(WIN_SHIM): scripts/windows/bcryptprimitives.c
	@mkdir -p $(@D)
	$(WIN_CC) -shared -O2 -Wall -Wextra -o $@ $< -lbcrypt

# The static library gets scripts/windows/static-imports.c's __imp_
# pointers, so code compiled against Windows' dllimport declarations links
# with it. binutils' ar is pointed at gcc's own LTO plugin: left to choose,
# it may pick an older LLVMgold that cannot read Rust's embedded bitcode and
# then writes an archive index without Rust's symbols.
windows-lib:
	$(WIN_CARGO) build $(WIN_CARGO_FLAGS)
	@mkdir -p $(WIN_OUT) $(WIN_BUILD)
	cp $(WIN_CARGO_OUT)/naputil.dll $(WIN_CARGO_OUT)/libnaputil.dll.a $(WIN_OUT)/
	cp $(WIN_CARGO_OUT)/libnaputil.dll.a $(WIN_OUT)/naputil.lib
	$(WIN_CC) -std=c99 -O2 $(WIN_WARN) -c -o $(WIN_BUILD)/static-imports.o scripts/windows/static-imports.c
	cp $(WIN_CARGO_OUT)/libnaputil.a $(WIN_STATICLIB).tmp
	$(WIN_AR) --plugin $(shell $(WIN_CC) -print-file-name=liblto_plugin.so) rs $(WIN_STATICLIB).tmp $(WIN_BUILD)/static-imports.o
	mv $(WIN_STATICLIB).tmp $(WIN_STATICLIB)

# Runs every part even when an earlier one fails, then names the failures.
WIN_PARTS := test-windows-rust test-windows-c layout-proof porting-proof
test-windows:
	@bash scripts/windows/wineserver.sh start; \
	failed=; for part in $(WIN_PARTS); do \
	    echo "== $$part"; start=$$(date +%s); \
	    $(MAKE) --no-print-directory $$part || failed="$$failed $$part"; \
	    echo "== $$part: $$(( $$(date +%s) - start )) s"; \
	done; \
	bash scripts/windows/wineserver.sh stop; \
	if [ -n "$$failed" ]; then echo "test-windows: failed:$$failed"; exit 1; fi; \
	echo "test-windows: $(WIN_PARTS) passed"

test-windows-rust: $(WIN_SHIM)
	$(WIN_CARGO) test $(WIN_CARGO_FLAGS) --no-fail-fast

$(WIN_BUILD)/static/%.exe: ctests/%.c $(HEADER) windows-lib
	@mkdir -p $(@D)
	$(WIN_LINK) $(WIN_CC) $(WIN_CFLAGS) $(WIN_TEST_INCLUDES) -o $@ $< $(WIN_STATICLIB) $(WIN_SYSLIBS) $(WIN_TEST_LIBS)

$(WIN_BUILD)/shared/%.exe: ctests/%.c $(HEADER) windows-lib
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) $(WIN_TEST_INCLUDES) -o $@ $< $(WIN_IMPLIB) $(WIN_TEST_LIBS)

$(WIN_BUILD)/static/%.exe: ctests/%.cpp $(HEADER) windows-lib
	@mkdir -p $(@D)
	$(WIN_LINK) $(WIN_CXX) $(WIN_CXXFLAGS) $(WIN_TEST_INCLUDES) -o $@ $< $(WIN_STATICLIB) $(WIN_SYSLIBS) $(WIN_TEST_LIBS)

$(WIN_BUILD)/shared/%.exe: ctests/%.cpp $(HEADER) windows-lib
	@mkdir -p $(@D)
	$(WIN_CXX) $(WIN_CXXFLAGS) $(WIN_TEST_INCLUDES) -o $@ $< $(WIN_IMPLIB) $(WIN_TEST_LIBS)

test-windows-c: $(WIN_SHIM) $(WIN_TEST_BINS)
	@NAPUTIL_WIN_DLLS=$(dir $(WIN_SHIM)):$(WIN_OUT) bash scripts/windows/run-tests.sh \
	    $(foreach t,$(WIN_SKIP_NAMES),--skip '$(t): $(WIN_SKIP_$(t))') $(WIN_TEST_BINS)

# ---------------------------------------------------------------------------
# Layout proof. Needs no library: nothing in it is called.

LAYOUT_DIR := $(WIN_BUILD)/layout
LAYOUT_SRC := ctests/layout/layout.c ctests/layout/nap_layout_list.h
MINGW_INCLUDE ?= /usr/share/mingw-w64/include

# Every declaration of mingw-w64's NAP headers is in the layout list (and so
# compared below). Part of `make test` too, where mingw-w64 is installed.
check-completeness:
	@if [ -d $(MINGW_INCLUDE) ]; then sh scripts/windows/nap-completeness.sh $(MINGW_INCLUDE); \
	else echo "check-completeness: skipped ($(MINGW_INCLUDE) not found; scripts/windows/install-deps.sh installs it)"; fi

# The host half of iids.cpp reads the IIDs the library exports, so the
# proof links the static library; everything else in it needs no library.
layout-proof: $(LAYOUT_SRC) ctests/layout/iids.cpp ctests/layout/stdcall_calls.c ctests/layout/stdcall_vtables.c \
		$(HEADER) lib
	@sh scripts/windows/nap-completeness.sh $(MINGW_INCLUDE)
	@mkdir -p $(LAYOUT_DIR)
	$(WIN_CC) -std=c11 $(WIN_WARN) -DLAYOUT_WINDOWS_SDK -o $(LAYOUT_DIR)/layout-windows-sdk.exe ctests/layout/layout.c
	$(WIN_CC) -std=c11 $(WIN_WARN) -Iinclude -o $(LAYOUT_DIR)/layout-windows-naputil.exe ctests/layout/layout.c
	$(CC) -std=c11 $(WIN_WARN) -Iinclude -o $(LAYOUT_DIR)/layout-host-naputil ctests/layout/layout.c
	$(WINE_RUN) $(LAYOUT_DIR)/layout-windows-sdk.exe 2>/dev/null | tr -d '\r' > $(LAYOUT_DIR)/windows-sdk.txt
	$(WINE_RUN) $(LAYOUT_DIR)/layout-windows-naputil.exe 2>/dev/null | tr -d '\r' > $(LAYOUT_DIR)/windows-naputil.txt
	$(LAYOUT_DIR)/layout-host-naputil 2>/dev/null > $(LAYOUT_DIR)/host-naputil.txt
	@sh scripts/windows/layout-compare.sh $(LAYOUT_DIR)/windows-sdk.txt \
	    $(LAYOUT_DIR)/host-naputil.txt $(LAYOUT_DIR)/windows-naputil.txt
	$(WIN_CXX) -std=c++11 $(WIN_WARN) $(WIN_CXX_RUNTIME) -DLAYOUT_WINDOWS_SDK -o $(LAYOUT_DIR)/iids-windows-sdk.exe ctests/layout/iids.cpp -luuid
	$(CXX) -std=c++11 $(WIN_WARN) -Iinclude -o $(LAYOUT_DIR)/iids-host-naputil ctests/layout/iids.cpp $(STATICLIB) $(SYSLIBS)
	$(WINE_RUN) $(LAYOUT_DIR)/iids-windows-sdk.exe 2>/dev/null | tr -d '\r' > $(LAYOUT_DIR)/iids-windows-sdk.txt
	$(LAYOUT_DIR)/iids-host-naputil 2>/dev/null > $(LAYOUT_DIR)/iids-host-naputil.txt
	@if diff -u $(LAYOUT_DIR)/iids-windows-sdk.txt $(LAYOUT_DIR)/iids-host-naputil.txt; then \
	    echo "iids: $$(grep -c '^interface ' $(LAYOUT_DIR)/iids-windows-sdk.txt) interfaces: IID_X, __uuidof(X) and base classes identical to Windows' headers (C++)"; \
	else echo "iids: differences (see above)"; exit 1; fi
	$(WIN32_CC) -std=c11 -O1 $(WIN_WARN) -DLAYOUT_DATA_ONLY -DLAYOUT_WINDOWS_SDK -S -o $(LAYOUT_DIR)/i686-windows-sdk.s ctests/layout/layout.c
	$(WIN32_CC) -std=c11 -O1 $(WIN_WARN) -DLAYOUT_DATA_ONLY -Iinclude -S -o $(LAYOUT_DIR)/i686-naputil.s ctests/layout/layout.c
	@sh scripts/windows/layout-asm-compare.sh i686-w64-mingw32 $(LAYOUT_DIR)/i686-windows-sdk.s \
	    $(LAYOUT_DIR)/i686-naputil.s ctests/layout/nap_layout_list.h
	$(WIN32_CC) -std=c11 $(WIN_WARN) -DLAYOUT_WINDOWS_SDK -c -o $(LAYOUT_DIR)/stdcall-sdk.o ctests/layout/stdcall_calls.c
	$(WIN32_CC) -std=c11 $(WIN_WARN) -Iinclude -c -o $(LAYOUT_DIR)/stdcall-naputil.o ctests/layout/stdcall_calls.c
	@WIN32_NM=$(WIN32_NM) sh scripts/windows/stdcall-compare.sh \
	    $(LAYOUT_DIR)/stdcall-sdk.o $(LAYOUT_DIR)/stdcall-naputil.o
	$(WIN32_CC) -std=c11 $(WIN_WARN) -DLAYOUT_WINDOWS_SDK -c -o $(LAYOUT_DIR)/vtables-sdk.o ctests/layout/stdcall_vtables.c
	@if $(WIN32_CC) -std=c11 $(WIN_WARN) -Iinclude -c -o $(LAYOUT_DIR)/vtables-naputil.o \
	        ctests/layout/stdcall_vtables.c 2> $(LAYOUT_DIR)/vtables-naputil.log; then \
	    echo "stdcall: C vtable slots are __stdcall on i686-w64-mingw32, as in Windows' headers"; \
	else \
	    cat $(LAYOUT_DIR)/vtables-naputil.log; \
	    echo "stdcall: napUtil.h declares C vtable slots without STDMETHODCALLTYPE (cdecl on i686)"; \
	    exit 1; \
	fi

# ---------------------------------------------------------------------------
# Porting proof. The Windows build uses Windows' headers under the names
# Windows code spells (NapUtil.h ...); mingw-w64 ships them in lower case
# and without NapError.h (its codes are in winerror.h), and this host's file
# system is case-sensitive, so a directory of one-line forwarders stands in
# for the case-insensitive lookup a Windows host does. The IIDs the
# programs name come from naputil.dll (mingw-w64's libuuid has no NAP
# IIDs) and IID_IUnknown from libuuid. The SDK-style programs and
# soh_com.c link ole32 after naputil.dll, for CoCreateInstance and, under
# Wine, CoRegisterClassObject of the SoH classes (the stand-ins of
# nap_stand_ins.h, the library's for soh_com.c); the task allocator stays
# naputil.dll's.

PORT_DIR     := $(WIN_BUILD)/porting
PORT_SDKNAMES := $(PORT_DIR)/sdk-names
PORT_SRC     := ctests/porting/porting.c ctests/porting/porting.cpp ctests/porting/wtext.h
PORT_SDK     := sha shv enforcer
PORT_SDK_SRC := $(sort $(wildcard ctests/sdk/*.cpp ctests/sdk/*.h))
PORT_NAMES   := NapUtil:naputil NapTypes:naptypes NapProtocol:napprotocol NapError:winerror \
                NapEnforcementClient:napenforcementclient NapSystemHealthAgent:napsystemhealthagent \
                NapSystemHealthValidator:napsystemhealthvalidator NapManagement:napmanagement \
                NapServerManagement:napservermanagement NapCommon:napcommon \
                NapCertRelyingParty:napcertrelyingparty NapMicrosoftVendorIds:napmicrosoftvendorids

$(PORT_SDKNAMES)/NapUtil.h: mk/windows.mk
	@mkdir -p $(@D)
	for pair in $(PORT_NAMES); do \
	    echo "#include <$${pair#*:}.h>" > $(@D)/$${pair%%:*}.h; done

porting-proof: $(PORT_SRC) $(PORT_SDK_SRC) ctests/porting/link_order.c ctests/soh_com.c ctests/check.h ctests/com_register.h $(PORT_SDKNAMES)/NapUtil.h \
		$(COMPAT_STAMP) $(WIN_SHIM) windows-lib lib
	@mkdir -p $(PORT_DIR)
	$(CC) -std=c11 $(WIN_WARN) -I$(COMPAT_DIR) -o $(PORT_DIR)/porting-c ctests/porting/porting.c $(STATICLIB) $(SYSLIBS)
	$(CXX) -std=c++11 $(WIN_WARN) -I$(COMPAT_DIR) -o $(PORT_DIR)/porting-cpp ctests/porting/porting.cpp $(STATICLIB) $(SYSLIBS)
	$(WIN_CC) -std=c11 $(WIN_WARN) -I$(PORT_SDKNAMES) -o $(PORT_DIR)/porting-c.exe ctests/porting/porting.c -L$(WIN_OUT) -lnaputil
	$(WIN_CXX) -std=c++11 $(WIN_WARN) $(WIN_CXX_RUNTIME) -I$(PORT_SDKNAMES) -o $(PORT_DIR)/porting-cpp.exe ctests/porting/porting.cpp -L$(WIN_OUT) -lnaputil -luuid
	for p in $(PORT_SDK); do \
	    $(CXX) -std=c++11 $(WIN_WARN) -fshort-wchar -I$(COMPAT_DIR) -o $(PORT_DIR)/$$p ctests/sdk/$$p.cpp $(STATICLIB) $(SYSLIBS) && \
	    $(WIN_CXX) -std=c++11 $(WIN_WARN) $(WIN_CXX_RUNTIME) -I$(PORT_SDKNAMES) -o $(PORT_DIR)/$$p.exe ctests/sdk/$$p.cpp \
	        -L$(WIN_OUT) -lnaputil -lole32 -luuid || exit 1; done
	$(WIN_CC) -std=c99 $(WIN_WARN) -I$(PORT_SDKNAMES) -o $(PORT_DIR)/soh_com.exe ctests/soh_com.c -L$(WIN_OUT) -lnaputil -lole32 -luuid
	@NAPUTIL_WIN_DLLS=$(dir $(WIN_SHIM)):$(WIN_OUT) $(WINE_RUN) $(PORT_DIR)/soh_com.exe > $(PORT_DIR)/soh_com.log 2>&1 || \
	    { tr -d '\r' < $(PORT_DIR)/soh_com.log | grep -v ':fixme:'; echo "porting: soh_com.exe (Windows' headers) failed under Wine"; exit 1; }
	@echo "porting: soh_com.c compiles and links unchanged against Windows' headers, ole32 and naputil.dll, and passes under Wine"
	$(WIN_CC) -std=c11 $(WIN_WARN) -Iinclude -o $(PORT_DIR)/link-naputil-first.exe ctests/porting/link_order.c -L$(WIN_OUT) -lnaputil -lole32
	$(WIN_CC) -std=c11 $(WIN_WARN) -Iinclude -o $(PORT_DIR)/link-ole32-first.exe ctests/porting/link_order.c -L$(WIN_OUT) -lole32 -lnaputil
	$(WIN_LINK) $(WIN_CC) -std=c11 $(WIN_WARN) -Iinclude -o $(PORT_DIR)/link-static-naputil-first.exe ctests/porting/link_order.c $(WIN_STATICLIB) -lole32 $(WIN_SYSLIBS)
	@NAPUTIL_WIN_DLLS=$(dir $(WIN_SHIM)):$(WIN_OUT) WINE_RUN=$(WINE_RUN) \
	    sh scripts/windows/porting-compare.sh $(PORT_DIR) porting-c porting-cpp $(PORT_SDK)
