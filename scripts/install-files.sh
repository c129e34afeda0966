#!/bin/sh
# Writes the files `make install` generates into OUTDIR: naputil.pc (from
# naputil.pc.in) and the CMake package naputilConfig.cmake and
# naputilConfigVersion.cmake (from cmake/*.in). The Makefile passes, in the
# environment: PREFIX LIBDIR INCLUDEDIR CMAKEDIR (absolute), VERSION,
# VERSION_MAJOR, VERSION_MINOR, SHLIB_REAL (the shared library's file name),
# SHLIB_ID (its SONAME or install name), SYSLIBS, DARWIN (non-empty on
# macOS) and CC.
#
# Directories under PREFIX are written relative to it: ${prefix} in the .pc
# file, and in the CMake package relative to the package's own directory, so
# an installed tree can be moved as a whole and CMake still finds it.
set -eu
out=${1:?usage: install-files.sh OUTDIR}
here=$(cd "$(dirname "$0")/.." && pwd)

# Collapses repeated slashes and drops a trailing one.
clean() { printf '%s\n' "$1" | sed -e 's|//*|/|g' -e 's|\(.\)/$|\1|'; }
prefix=$(clean "$PREFIX")
for var in prefix LIBDIR INCLUDEDIR CMAKEDIR; do
    eval "value=\$$var"
    case $value in
        /*) ;;
        *) echo "install-files: $var must be an absolute path, not '$value'" >&2; exit 1 ;;
    esac
done
libdir=$(clean "$LIBDIR")
includedir=$(clean "$INCLUDEDIR")
cmakedir=$(clean "$CMAKEDIR")

# Prints PATH relative to the prefix (as REF/rest), or PATH itself when it is
# not under the prefix.
under_prefix() {
    if [ "$prefix" = / ]; then
        printf '%s/%s\n' "$2" "${1#/}"
    else
        case $1 in
            "$prefix") printf '%s\n' "$2" ;;
            "$prefix"/*) printf '%s/%s\n' "$2" "${1#"$prefix"/}" ;;
            *) printf '%s\n' "$1" ;;
        esac
    fi
}

# The pointer size the library was built for (the host's).
pointer_size=$(echo | ${CC:-cc} -dM -E -x c - | sed -n 's/^#define __SIZEOF_POINTER__ //p')
[ -n "$pointer_size" ] || { echo "install-files: cannot tell the pointer size from ${CC:-cc}" >&2; exit 1; }

# The CMake package finds the prefix from its own directory when that lies
# under the prefix; otherwise it names the prefix as it is.
case $(under_prefix "$cmakedir" @) in
    @*)
        rel=$(under_prefix "$cmakedir" @); rel=${rel#@}; rel=${rel#/}
        up=$(printf '%s\n' "$rel" | sed -e 's|[^/][^/]*|..|g')
        find_prefix="get_filename_component(_naputil_prefix \"\${CMAKE_CURRENT_LIST_DIR}/$up\" ABSOLUTE)"
        ;;
    *)
        find_prefix="set(_naputil_prefix \"$prefix\")"
        ;;
esac

# macOS: the library's install name is @rpath/..., so a program linked
# through pkg-config gets the library directory as a run path.
pc_rpath=
[ -z "${DARWIN:-}" ] || pc_rpath=' -Wl,-rpath,${libdir}'

mkdir -p "$out"
sed -e "s|@PREFIX@|$prefix|g" \
    -e "s|@LIBDIR@|$(under_prefix "$libdir" '${prefix}')|g" \
    -e "s|@INCLUDEDIR@|$(under_prefix "$includedir" '${prefix}')|g" \
    -e "s|@VERSION@|$VERSION|g" \
    -e "s|@RPATH@|$pc_rpath|g" \
    -e "s|@SYSLIBS@|$SYSLIBS|g" \
    "$here/naputil.pc.in" > "$out/naputil.pc"
sed -e "s|@FIND_PREFIX@|$find_prefix|g" \
    -e "s|@LIBDIR@|$(under_prefix "$libdir" '${_naputil_prefix}')|g" \
    -e "s|@INCLUDEDIR@|$(under_prefix "$includedir" '${_naputil_prefix}')|g" \
    -e "s|@SHLIB_REAL@|$SHLIB_REAL|g" \
    -e "s|@SHLIB_ID@|$SHLIB_ID|g" \
    -e "s|@SYSLIBS@|$(printf '%s' "$SYSLIBS" | tr -s ' ' ';')|g" \
    "$here/cmake/naputilConfig.cmake.in" > "$out/naputilConfig.cmake"
sed -e "s|@VERSION@|$VERSION|g" \
    -e "s|@VERSION_MAJOR@|$VERSION_MAJOR|g" \
    -e "s|@VERSION_MINOR@|$VERSION_MINOR|g" \
    -e "s|@POINTER_SIZE@|$pointer_size|g" \
    "$here/cmake/naputilConfigVersion.cmake.in" > "$out/naputilConfigVersion.cmake"
