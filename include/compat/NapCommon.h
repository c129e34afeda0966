/*
 * NapCommon.h: Windows' name for the component interfaces
 * (INapComponentInfo, INapComponentConfig, ...).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapCommon.h>` when built elsewhere with `-I
 * include/compat`.
 */
#include "../napUtil.h"
