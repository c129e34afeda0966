#!/bin/sh
# Fails when two paths tracked by git differ only in letter case: a file or
# directory name that a case-insensitive file system (macOS' and Windows'
# defaults) cannot hold twice, so a clone there would never be clean. Every
# directory on the way to a file counts as a path too.
set -eu
cd "$(dirname "$0")/.."

if ! files=$(git ls-files 2>/dev/null); then
    echo "check-case-clash: not a git checkout; nothing to check"
    exit 0
fi
paths=$(printf '%s\n' "$files" | awk -F/ '{
    path = $1; print path
    for (i = 2; i <= NF; i++) { path = path "/" $i; print path }
}' | LC_ALL=C sort -u)
clashes=$(printf '%s\n' "$paths" | LC_ALL=C tr '[:upper:]' '[:lower:]' | LC_ALL=C sort | uniq -d)
if [ -n "$clashes" ]; then
    echo "check-case-clash: paths that differ only in letter case:"
    printf '%s\n' "$clashes" | while read -r folded; do
        printf '%s\n' "$paths" | awk -v f="$folded" 'tolower($0) == f { print "    " $0 }'
    done
    exit 1
fi
echo "check-case-clash: $(printf '%s\n' "$paths" | grep -c .) tracked paths, none differing from another only in letter case"
