#!/bin/sh
# Completeness proof: every declaration of mingw-w64's NAP headers must be
# in ctests/layout/nap_layout_list.h -- the list whose entries the layout
# proof compiles against both Windows' headers and napUtil.h and compares --
# and its name must appear in include/napUtil.h.
#
#   nap-completeness.sh [MINGW_INCLUDE_DIR]   (default /usr/share/mingw-w64/include)
#
# Read from nap*.h: COM interfaces with their base, every C vtable slot,
# IIDs, CLSIDs, #define constants, static constants, enums and their
# enumerators, structs and unions with every member (nested ones as a.b),
# typedef aliases and the NapUtil.h functions; from winerror.h, the NAP_E_ /
# NAP_S_ codes (Windows' NapError.h). Not read: the RPC interface handles
# (*_ifspec) and the BSTR/VARIANT marshalling prototypes, which MIDL emits
# into every such header and no NAP program calls.
# Prints every missing entry and a summary; exits non-zero if any is missing.
set -eu

inc=${1:-/usr/share/mingw-w64/include}
here=$(cd "$(dirname "$0")/../.." && pwd)
list=$here/ctests/layout/nap_layout_list.h
header=$here/include/napUtil.h
headers=$(ls "$inc"/nap*.h 2>/dev/null || true)
if [ -z "$headers" ]; then
    echo "completeness: no nap*.h in $inc (install mingw-w64: scripts/windows/install-deps.sh)"
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/naputil-completeness.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# One line per declaration: KIND NAME [DETAIL].
awk '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
midl { if (match($0, /^[A-Za-z0-9_]+ : public [A-Za-z0-9_]+/)) { split($0, w, " "); print "interface", w[1], w[4] } midl = 0; next }
/MIDL_INTERFACE\(/ { midl = 1; next }
/^typedef struct [A-Za-z0-9_]+Vtbl \{/ { vtbl = $3; next }
vtbl != "" && /^\} [A-Za-z0-9_]+Vtbl;/ { vtbl = ""; next }
vtbl != "" { if (match($0, /\(STDMETHODCALLTYPE \*[A-Za-z0-9_]+\)/)) { s = substr($0, RSTART + 20, RLENGTH - 21); print "slot", vtbl, s } next }
/^DEFINE_GUID\(IID_/ { n = $1; sub(/^DEFINE_GUID\(IID_/, "", n); sub(/,.*/, "", n); print "iid", n; next }
/^EXTERN_C const CLSID CLSID_/ { n = $4; sub(/;.*/, "", n); print "clsid", n; next }
/^#define [A-Za-z_][A-Za-z0-9_]* \(/ { if ($2 !~ /^__/) print "const", $2; next }
/static (const )?UINT32 [A-Za-z0-9_]+ =/ { for (i = 1; i <= NF; i++) if ($i == "=") print "value", $(i - 1); next }
/^typedef enum [A-Za-z0-9_]+ \{/ { inenum = 1; next }
inenum && /^\}/ { n = $2; sub(/;.*/, "", n); print "type", n; inenum = 0; next }
inenum { l = trim($0); sub(/[ =,].*/, "", l); if (l != "") print "const", l; next }
/^typedef (struct|union) [A-Za-z0-9_]+ \{/ { depth = 1; nf = 0; prefix = ""; next }
depth > 0 {
    l = trim($0)
    if (l ~ /^(struct|union) [A-Za-z0-9_]+ \{/) { depth++; next }
    if (l ~ /^\}/) {
        n = l; sub(/^\} */, "", n); sub(/[;\[].*/, "", n)
        depth--
        if (depth == 0) { print "struct", n; for (i = 1; i <= nf; i++) print "field", n, f[i]; next }
        for (i = 1; i <= nf; i++) if (f[i] ~ /^\./) f[i] = n f[i]
        f[++nf] = n
        next
    }
    if (l ~ /;$/) { m = l; sub(/[;\[].*/, "", m); sub(/.*[ *]/, "", m); f[++nf] = (depth > 1 ? "." : "") m }
    next
}
/^typedef [A-Za-z0-9_ ]+[ *][A-Za-z0-9_]+;$/ && !/^typedef interface / { n = $NF; sub(/;/, "", n); print "alias", n; next }
/NAPAPI .* WINAPI [A-Za-z0-9_]+\(/ { n = $0; sub(/\(.*/, "", n); sub(/.* /, "", n); print "function", n; next }
' $headers > "$work/decls"
grep -oE '^#define NAP_[ES]_[A-Z_]+' "$inc/winerror.h" | awk '{print "const", $2}' >> "$work/decls"

# The nested members come out as ".b" until their struct closes; a member
# that is itself nested is named a.b by then.
missing=0
checked=0
while read -r kind name detail; do
    checked=$((checked + 1))
    case $kind in
        interface) pattern="^LAYOUT_INTERFACE\\($name, $detail\\)\$" ;;
        slot) pattern="^LAYOUT_SLOT\\(${name}, $detail, " ;;
        iid) pattern="^LAYOUT_INTERFACE\\($name, " ;;
        clsid) pattern="^LAYOUT_CLSID\\($name\\)\$" ;;
        const) pattern="^LAYOUT_CONST\\($name\\)\$" ;;
        value) pattern="^LAYOUT_VALUE\\($name\\)\$" ;;
        type) pattern="^LAYOUT_I?TYPE\\($name\\)\$" ;;
        struct) pattern="^LAYOUT_STRUCT\\($name\\)\$" ;;
        field) pattern="^LAYOUT_I?FIELD\\($name, $detail\\)\$" ;;
        alias) pattern="^(LAYOUT_ALIAS\\($name, |LAYOUT_I?TYPE\\($name\\)\$)" ;;
        function) pattern="^LAYOUT_FUNC\\([^,]*, $name, " ;;
        *) echo "completeness: unknown kind $kind"; exit 2 ;;
    esac
    if ! grep -Eq "$pattern" "$list"; then
        echo "missing from nap_layout_list.h: $kind $name${detail:+ $detail}"
        missing=$((missing + 1))
    else
        for word in $name $(echo "$detail" | tr '.' ' '); do
            if ! grep -qw "$word" "$header"; then
                echo "missing from napUtil.h: $kind $name${detail:+ $detail} ($word)"
                missing=$((missing + 1))
                break
            fi
        done
    fi
done < "$work/decls"

count() { grep -c "^$1 " "$work/decls" || true; }
echo "completeness: mingw-w64's nap*.h declare $(count interface) interfaces ($(count slot) vtable slots," \
     "$(count iid) IIDs), $(count clsid) CLSIDs, $(count struct) structs and unions ($(count field) members)," \
     "$(count type) enums, $(count const) constants and enumerators, $(count value) static constants," \
     "$(count alias) aliases, $(count function) functions: $checked declarations, $missing missing"
[ "$missing" -eq 0 ]
