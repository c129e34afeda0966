/*
 * The README example, as written there, plus the checks that make it a
 * test: the string's length and contents, and that nothing is left live.
 */
#include <stdio.h>
#include <napUtil.h>

#include "check.h"

int main(void) {
    static const WCHAR name[] = { 'N', 'A', 'P', 0 };   /* u"NAP" in C11/C++ */
    CountedString *cs = NULL;
    if (FAILED(AllocCountedString(&cs, name))) return 1;
    printf("%u code units\n", (unsigned)cs->length);     /* 3 */
    CHECK_EQ(cs->length, 3);
    CHECK(cs->string != NULL && cs->string != name);
    CHECK(cs->string[0] == 'N' && cs->string[1] == 'A' && cs->string[2] == 'P' && cs->string[3] == 0);
    CHECK_EQ(naputil_live_blocks(), 2);                  /* the struct and the string */
    FreeCountedString(cs);                                /* frees string, then struct */
    CHECK_EQ(naputil_live_blocks(), 0);                  /* nothing leaked */
    CHECK_EQ(naputil_misuse_count(), 0);
    CHECK_EXIT();
}
