#!/bin/sh
# `make install` seen from outside, as a distribution and a program see it.
#
# 1. A staged install (DESTDIR, PREFIX=/usr/local) holds exactly the expected
#    files: the header, every spelling of the compat headers, the static
#    library, the shared library under its versioned name with the two links
#    to it, naputil.pc and the CMake package. The shared library's SONAME
#    is the ABI name. `make uninstall` removes all of it and nothing else.
# 2. With PREFIX=<fresh directory>, ctests/install/consumer.c (which
#    includes <NapUtil.h> and other Windows spellings) is built and run
#    through pkg-config (shared, and static with Libs.private) and through
#    CMake (find_package(naputil) with naputil::naputil and
#    naputil::naputil_static), with no other flag. find_package refuses
#    versions of another ABI and newer ones. The tree, moved elsewhere, is
#    still found by CMake, and by pkg-config --define-prefix. `make
#    uninstall` leaves nothing behind.
#
# The expected names follow docs/INSTALL.md, worked out here from Cargo.toml.
# ELF platforms only (it reads SONAME and NEEDED entries). Needs pkg-config,
# cmake and readelf. Environment: MAKE, CC.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
make=${MAKE:-make}
cc=${CC:-cc}

if [ "$(uname -s)" = Darwin ]; then
    echo "check-install: skipped on macOS (checks ELF names; docs/PLATFORMS.md)"
    exit 0
fi
for tool in pkg-config cmake readelf; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "check-install: needs $tool (Debian: apt-get install pkg-config cmake binutils)" >&2
        exit 1
    }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/naputil-check-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
checks=0
ok() { checks=$((checks + 1)); echo "ok    $*"; }
fail() { echo "check-install: FAILED: $*" >&2; exit 1; }
# Runs a command quietly, showing its output only when it fails.
quiet() {
    log=$work/last.log
    "$@" > "$log" 2>&1 || { cat "$log" >&2; return 1; }
}

version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
patch=${rest#*.}
patch=${patch%%[-+]*}
if [ "$major" = 0 ]; then abi=0.$minor; next_abi=0.$((minor + 1)); else abi=$major; next_abi=$((major + 1)); fi
real=libnaputil.so.$major.$minor.$patch
soname=libnaputil.so.$abi
compat=$(sh "$root/scripts/compat-headers.sh" --list)
for name in NapUtil.h naputil.h NapTypes.h naptypes.h Naptypes.h NapProtocol.h napprotocol.h \
            NapError.h naperror.h NapEnforcementClient.h napenforcementclient.h Napenforcementclient.h; do
    printf '%s\n' "$compat" | grep -qx "$name" || fail "compat-headers.sh --list lacks $name"
done

soname_of() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p'; }
needed_of() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
# The file the dynamic loader picks for NAME when running PROGRAM.
resolved() { ldd "$1" | awk -v n="$2" '$1 == n { print $3 }'; }

# --- 1. staged install -----------------------------------------------------
stage=$work/stage
mkdir -p "$stage/usr/local/lib"
echo "not naputil's" > "$stage/usr/local/lib/unrelated.txt"
quiet "$make" -C "$root" --no-print-directory install PREFIX=/usr/local DESTDIR="$stage" ||
    fail "make install DESTDIR=$stage"
expected=$( {
    echo usr/local/include/napUtil.h
    printf '%s\n' "$compat" | sed 's|^|usr/local/include/naputil/|'
    echo usr/local/lib/libnaputil.a
    echo usr/local/lib/libnaputil.so
    echo "usr/local/lib/$soname"
    echo "usr/local/lib/$real"
    echo usr/local/lib/pkgconfig/naputil.pc
    echo usr/local/lib/cmake/naputil/naputilConfig.cmake
    echo usr/local/lib/cmake/naputil/naputilConfigVersion.cmake
    echo usr/local/lib/unrelated.txt
} | LC_ALL=C sort)
actual=$(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort)
if [ "$actual" != "$expected" ]; then
    echo "expected:"; printf '%s\n' "$expected"; echo "installed:"; printf '%s\n' "$actual"
    fail "the staged install does not hold exactly the expected files"
fi
ok "staged install: $(printf '%s\n' "$expected" | grep -c lib/libnaputil) library names, $(printf '%s\n' "$compat" | grep -c .) compat headers, naputil.pc, CMake package, nothing else"
lib=$stage/usr/local/lib
[ "$(readlink "$lib/libnaputil.so")" = "$soname" ] || fail "libnaputil.so -> $(readlink "$lib/libnaputil.so"), not $soname"
[ "$(readlink "$lib/$soname")" = "$real" ] || fail "$soname -> $(readlink "$lib/$soname"), not $real"
[ -f "$lib/$real" ] && [ ! -L "$lib/$real" ] || fail "$real is not a regular file"
ok "links: libnaputil.so -> $soname -> $real"
[ "$(soname_of "$lib/$real")" = "$soname" ] || fail "SONAME of $real is '$(soname_of "$lib/$real")'"
ok "SONAME $soname"
cmp -s "$root/include/napUtil.h" "$stage/usr/local/include/napUtil.h" || fail "installed napUtil.h differs"
for name in $compat; do
    canonical=$(cd "$root/include/compat" && ls ./*.h | sed 's|^\./||' | grep -ixF "$name") ||
        fail "no canonical file in include/compat for $name"
    cmp -s "$root/include/compat/$canonical" "$stage/usr/local/include/naputil/$name" ||
        fail "installed naputil/$name is not include/compat/$canonical"
done
ok "napUtil.h and each compat spelling are copies of their sources"
flags=$(PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --cflags --libs naputil)
case $flags in
    *"-I$stage/usr/local/include/naputil"*"-L$stage/usr/local/lib"*"-lnaputil"*) ;;
    *) fail "pkg-config --cflags --libs naputil under a sysroot gave: $flags" ;;
esac
ok "pkg-config under PKG_CONFIG_SYSROOT_DIR: $flags"
quiet "$make" -C "$root" --no-print-directory uninstall PREFIX=/usr/local DESTDIR="$stage" ||
    fail "make uninstall DESTDIR=$stage"
left=$(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\./||')
[ "$left" = usr/local/lib/unrelated.txt ] || fail "after make uninstall: $left"
[ ! -e "$stage/usr/local/include/naputil" ] && [ ! -e "$stage/usr/local/lib/cmake/naputil" ] ||
    fail "make uninstall left naputil's directories"
ok "make uninstall removed every installed file, and only those"

# --- 2. a program built against PREFIX=<fresh dir> -----------------------------
prefix=$work/prefix
consumer=$root/ctests/install
quiet "$make" -C "$root" --no-print-directory install PREFIX="$prefix" || fail "make install PREFIX=$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion naputil)" = "$version" ] || fail "pkg-config --modversion naputil"

warn="-std=c99 -Wall -Wextra -pedantic -Werror"
# shellcheck disable=SC2046 # the flags are words
quiet "$cc" $warn -o "$work/pc-shared" "$consumer/consumer.c" $(pkg-config --cflags --libs naputil) ||
    fail "cc consumer.c \$(pkg-config --cflags --libs naputil)"
needed_of "$work/pc-shared" | grep -qx "$soname" || fail "pkg-config program does not need $soname"
[ "$(LD_LIBRARY_PATH="$prefix/lib" resolved "$work/pc-shared" "$soname")" = "$prefix/lib/$soname" ] ||
    fail "pkg-config program does not load $prefix/lib/$soname"
quiet env LD_LIBRARY_PATH="$prefix/lib" "$work/pc-shared" || fail "pkg-config program (shared) failed"
ok "pkg-config, shared: cc consumer.c \$(pkg-config --cflags --libs naputil); needs $soname; runs"

# -lnaputil must take libnaputil.a next to libnaputil.so: GNU ld's -Bstatic
# for that one library, and Libs.private for what it needs.
static_libs=$(pkg-config --static --libs naputil | sed 's/-lnaputil/-Wl,-Bstatic -lnaputil -Wl,-Bdynamic/')
# shellcheck disable=SC2046
quiet "$cc" $warn -o "$work/pc-static" "$consumer/consumer.c" $(pkg-config --cflags naputil) $static_libs ||
    fail "cc consumer.c with pkg-config --static --libs naputil"
if needed_of "$work/pc-static" | grep -q naputil; then fail "static pkg-config program needs a shared naputil"; fi
quiet "$work/pc-static" || fail "pkg-config program (static) failed"
ok "pkg-config, static: Libs.private ($(pkg-config --static --libs-only-l naputil)); runs"

cmake_build() { # BUILD_DIR PREFIX_PATH [REQUEST]
    rm -rf "$1"
    quiet cmake -S "$consumer" -B "$1" -DCMAKE_PREFIX_PATH="$2" -DCMAKE_C_COMPILER="$cc" \
        -DNAPUTIL_REQUEST="${3:-}" && quiet cmake --build "$1"
}
cmake_build "$work/cmake" "$prefix" "$abi" || fail "CMake: find_package(naputil $abi) and build"
needed_of "$work/cmake/consumer_shared" | grep -qx "$soname" || fail "CMake program does not need $soname"
[ "$(resolved "$work/cmake/consumer_shared" "$soname")" = "$prefix/lib/$soname" ] ||
    fail "CMake program does not load $prefix/lib/$soname by itself"
quiet "$work/cmake/consumer_shared" || fail "CMake program naputil::naputil failed"
if needed_of "$work/cmake/consumer_static" | grep -q naputil; then fail "naputil::naputil_static needs a shared naputil"; fi
quiet "$work/cmake/consumer_static" || fail "CMake program naputil::naputil_static failed"
ok "CMake: find_package(naputil $abi REQUIRED); naputil::naputil (needs $soname, run path set) and naputil::naputil_static run"

for request in "$next_abi" "$major.$minor.$((patch + 1))"; do
    if cmake_build "$work/cmake-refused" "$prefix" "$request" 2>/dev/null; then
        fail "find_package(naputil $request) accepted naputil $version"
    fi
    grep -q 'compatible with requested version' "$work/last.log" ||
        { cat "$work/last.log"; fail "find_package(naputil $request) failed for another reason"; }
done
ok "CMake: find_package refuses $next_abi (another ABI) and $major.$minor.$((patch + 1)) (newer)"

mv "$prefix" "$work/moved"
cmake_build "$work/cmake-moved" "$work/moved" || fail "CMake against the moved installation"
[ "$(resolved "$work/cmake-moved/consumer_shared" "$soname")" = "$work/moved/lib/$soname" ] ||
    fail "the moved installation's program does not load $work/moved/lib/$soname"
quiet "$work/cmake-moved/consumer_shared" || fail "program built against the moved installation failed"
ok "CMake: the installed tree moved elsewhere is found there and used"
# shellcheck disable=SC2046
quiet "$cc" $warn -o "$work/pc-moved" "$consumer/consumer.c" \
    $(PKG_CONFIG_PATH="$work/moved/lib/pkgconfig" pkg-config --define-prefix --cflags --libs naputil) ||
    fail "cc consumer.c \$(pkg-config --define-prefix --cflags --libs naputil) against the moved tree"
quiet env LD_LIBRARY_PATH="$work/moved/lib" "$work/pc-moved" || fail "pkg-config program (moved tree) failed"
mv "$work/moved" "$prefix"
ok "pkg-config --define-prefix: the moved tree's naputil.pc serves it there"

quiet "$make" -C "$root" --no-print-directory uninstall PREFIX="$prefix" || fail "make uninstall PREFIX=$prefix"
left=$(find "$prefix" \( -type f -o -type l \))
[ -z "$left" ] || fail "after make uninstall: $left"
ok "make uninstall PREFIX=$prefix left no file"

echo "check-install: $checks checks passed"
