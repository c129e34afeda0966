# Interoperability with FreeRADIUS.
#
#   make test-interop   statements of health encoded by naputil
#                       (scripts/interop/soh-cases.c) sent to FreeRADIUS 3.2
#                       with radclient; every value rlm_soh decodes must equal
#                       what was encoded, and malformed ones naputil rejects
#                       must be rejected by FreeRADIUS too. Installs the Debian
#                       packages freeradius and freeradius-utils when missing
#                       (as root or with passwordless sudo), skips with the
#                       reason when it cannot. See scripts/interop/freeradius.sh.

INTEROP_BUILD := $(BUILD)/interop

.PHONY: test-interop

$(INTEROP_BUILD)/soh-cases: scripts/interop/soh-cases.c $(HEADER) lib
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_T) -Iinclude -o $@ $< $(STATICLIB) $(SYSLIBS)

test-interop: $(INTEROP_BUILD)/soh-cases
	bash scripts/interop/freeradius.sh $(INTEROP_BUILD)/soh-cases
