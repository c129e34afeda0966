/*
 * NapSystemHealthAgent.h: Windows' name for the system health agent
 * interfaces (INapSystemHealthAgentCallback, INapSystemHealthAgentBinding,
 * ...).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapSystemHealthAgent.h>` when built elsewhere
 * with `-I include/compat`.
 */
#include "../napUtil.h"
