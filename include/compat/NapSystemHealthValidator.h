/*
 * NapSystemHealthValidator.h: Windows' name for the system health validator
 * interfaces (INapSystemHealthValidator, INapServerCallback, ...).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapSystemHealthValidator.h>` when built
 * elsewhere with `-I include/compat`.
 */
#include "../napUtil.h"
