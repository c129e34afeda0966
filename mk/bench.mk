# The C probe: CoTaskMemAlloc/CoTaskMemFree against malloc/free on the same
# sequence, linked against the release static library as a C program would
# be. Included by the main Makefile.
#
#   make probe    build the static library and bench/probe.c, run the probe
#                 (prints timings and ratios; never fails on a timing)

PROBE := $(BUILD)/probe

.PHONY: probe

probe: $(PROBE)
	$(PROBE)

$(PROBE): bench/probe.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) -std=c99 -O2 $(WARN) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)
