/*
 * NapMicrosoftVendorIds.h: Windows' name for the ids of Microsoft's NAP
 * components (MicrosoftVendorId, NapSystemId, ...).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapMicrosoftVendorIds.h>` when built elsewhere
 * with `-I include/compat`.
 */
#include "../napUtil.h"
