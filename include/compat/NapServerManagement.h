/*
 * NapServerManagement.h: Windows' name for the server management interfaces
 * (INapServerManagement, INapServerInfo).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapServerManagement.h>` when built elsewhere
 * with `-I include/compat`.
 */
#include "../napUtil.h"
