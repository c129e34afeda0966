# The C probes, linked against the release static library as a C program
# would be. Included by the main Makefile.
#
#   make probe          CoTaskMemAlloc/CoTaskMemFree against malloc/free on
#                       the same sequence (prints timings and ratios; never
#                       fails on a timing)
#   make stack-probe    what recording call stacks (NAPUTIL_BACKTRACE) costs
#                       per allocation, and frame-pointer against unwind-table
#                       stack walks

PROBE := $(BUILD)/probe
STACK_PROBE := $(BUILD)/stack-probe

.PHONY: probe stack-probe

probe: $(PROBE)
	$(PROBE)

$(PROBE): bench/probe.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) -std=c99 -O2 $(WARN) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

stack-probe: $(STACK_PROBE)
	$(STACK_PROBE)

# Frame pointers kept, so that the frame-pointer walk it times is valid.
$(STACK_PROBE): bench/stack_probe.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) -std=c99 -O2 -g -fno-omit-frame-pointer $(WARN) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)
