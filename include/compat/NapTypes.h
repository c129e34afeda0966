/*
 * NapTypes.h (naptypes.h): Windows' name for the NAP types and constants
 * (CountedString, SoH, maxStringLength, ...).
 *
 * Everything is declared by napUtil.h; this file only lets code written for
 * Windows keep its `#include <NapTypes.h>` when built elsewhere with
 * `-I include/compat`. Windows spells these headers in mixed case and
 * mingw-w64 in lower case; both spellings are provided because Linux file
 * systems are case-sensitive (on a case-insensitive one both names are the
 * same file, and the contents are identical).
 */
#include "../napUtil.h"
