/*
 * NapEnforcementClient.h: Windows' name for INapEnforcementClientConnection
 * and Connections.
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapEnforcementClient.h>` when built
 * elsewhere. `make` and `make install` copy it, unchanged, under each
 * spelling of its name such code uses (NapEnforcementClient.h, all lower
 * case, and those listed in include/compat/spellings) to
 * build/include/naputil/ and <includedir>/naputil/; `pkg-config --cflags
 * naputil` and the CMake targets naputil::naputil and
 * naputil::naputil_static put that directory on the include path.
 */
#include "../napUtil.h"
