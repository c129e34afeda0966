#!/usr/bin/env bash
# Runs a mingw-w64 compile/link command, dropping one known harmless warning.
#
# Rust's object files carry embedded LLVM bitcode, and GNU ld offers them to
# every plugin in /usr/lib/bfd-plugins; where Debian's llvm package has put
# an older LLVMgold there, each such object prints "bfd plugin: LLVM gold
# plugin has failed to create LTO module" and is then linked as the
# ordinary object it also is. Everything else is passed through, and the
# command's exit status is kept.
set -uo pipefail
"$@" 2> >(grep -v '^bfd plugin: LLVM gold plugin has failed to create LTO module' >&2)
status=$?
wait
exit $status
