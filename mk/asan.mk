# Sanitizer runs of the C/C++ tests.
#
#   make test-asan    builds every ctests/ program with
#                     -fsanitize=address,undefined against the static library
#                     and runs it (no valgrind run: the two do not mix).
#
# The library calls libc's malloc/realloc/free, which AddressSanitizer
# intercepts as it does every other caller's, so block headers, double frees
# and overruns on the library's side are checked too. clang is used when its
# sanitizer runtime is installed (Debian: clang libclang-rt-14-dev), gcc's
# otherwise (its runtime comes with gcc). ASAN_CC/ASAN_CXX override.

ASAN_PROBE = printf 'int main(void){return 0;}\n' | $(1) -fsanitize=address,undefined -x $(2) - -o /dev/null 2>/dev/null
ASAN_CC  ?= $(shell $(call ASAN_PROBE,clang,c) && echo clang || echo $(CC))
ASAN_CXX ?= $(shell $(call ASAN_PROBE,clang++,c++) && echo clang++ || echo $(CXX))
ASAN_FLAGS ?= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# C++ tests call COM objects whose vtables the library lays out as Windows
# does, without the RTTI words in front that the vptr check reads.
ASAN_CXXFLAGS ?= $(ASAN_FLAGS) -fno-sanitize=vptr
# - detect_stack_use_after_return=0: locals stay on the real stack, so a
#   stack pointer handed to CoTaskMemFree is classified as in a plain run;
# - allocator_may_return_null=1: malloc(huge) returns NULL (the tests check
#   that the allocator passes that on) instead of aborting;
# - detect_leaks=0: some tests leak on purpose to check the leak report;
#   leaks are valgrind's part of `make test`;
# - exitcode=99: a sanitizer's verdict exits as valgrind's does under
#   run-ctests.sh, so a test that runs its scenarios in child processes
#   (ctests/isolate.h) can tell a memory error from a failed check.
ASAN_ENV ?= ASAN_OPTIONS=detect_stack_use_after_return=0:allocator_may_return_null=1:detect_leaks=0:halt_on_error=1:exitcode=99 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 NAPUTIL_TEST_UNDER_SANITIZER=1
ASAN_BINS := $(addprefix $(BUILD)/asan/,$(TEST_NAMES))

.PHONY: test-asan

test-asan: $(ASAN_BINS)
	@echo "sanitizers: $(ASAN_CC) / $(ASAN_CXX) $(ASAN_FLAGS)"
	@env $(ASAN_ENV) VALGRIND= sh scripts/run-ctests.sh $(ASAN_BINS)

$(BUILD)/asan/%: ctests/%.c $(HEADER) lib
	@mkdir -p $(@D)
	$(ASAN_CC) $(CFLAGS_T) $(ASAN_FLAGS) $(CTEST_INCLUDES) -o $@ $< $(STATICLIB) $(SYSLIBS)

$(BUILD)/asan/%: ctests/%.cpp $(HEADER) lib
	@mkdir -p $(@D)
	$(ASAN_CXX) $(CXXFLAGS_T) $(ASAN_CXXFLAGS) $(CTEST_INCLUDES) -o $@ $< $(STATICLIB) $(SYSLIBS)
