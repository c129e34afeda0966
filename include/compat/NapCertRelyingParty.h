/*
 * NapCertRelyingParty.h: Windows' name for the health certificate interface
 * (INapCertRelyingParty).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapCertRelyingParty.h>` when built elsewhere
 * with `-I include/compat`.
 */
#include "../napUtil.h"
