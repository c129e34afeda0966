/*
 * NapManagement.h: Windows' name for the client management interfaces
 * (INapClientManagement, INapClientManagement2).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapManagement.h>` when built elsewhere with
 * `-I include/compat`.
 */
#include "../napUtil.h"
