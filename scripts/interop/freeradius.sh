#!/usr/bin/env bash
# make test-interop: statements of health encoded by naputil, decoded by
# FreeRADIUS 3.2's rlm_soh.
#
# Usage: freeradius.sh SOH-CASES-PROGRAM
#
# Installs FreeRADIUS (Debian packages freeradius and freeradius-utils) when
# it is missing and root or passwordless sudo is available; otherwise, or
# when the installed server is not 3.2 or lacks rlm_soh, prints why and
# skips (exit 0). Then it writes a configuration into a temporary directory
# (one client, one virtual server on 127.0.0.1 and a port of its own, rlm_soh,
# and a policy that echoes every SoH-* attribute rlm_soh decoded as
# Reply-Message "Attribute=value" lines), starts radiusd in debug mode as a
# child process, and sends each case SOH-CASES-PROGRAM prints as the
# MS-Quarantine-SoH attribute of an Access-Request with radclient:
#
# - every "case" must be accepted, with exactly the "expect" values as its
#   Reply-Messages and every "log" line in the server's debug output;
# - every "reject" (bytes naputil's decoder rejected) must be rejected by
#   rlm_soh.
#
# Bounded in time (INTEROP_TIMEOUT seconds, default 120, for the whole run);
# the server is stopped and the directory removed at the end.
set -euo pipefail

cases_program=${1:?usage: freeradius.sh SOH-CASES-PROGRAM}
deadline=$(( $(date +%s) + ${INTEROP_TIMEOUT:-120} ))
secret=naputil-interop
rejected_message="naputil-interop: rlm_soh rejected the SoH"

say() { echo "test-interop: $*"; }
skip() { say "skipped: $*"; exit 0; }
die() { say "FAILED: $*"; exit 1; }
time_left() { echo $(( deadline - $(date +%s) )); }

# ---------------------------------------------------------------------------
# FreeRADIUS 3.2 with rlm_soh, and radclient

find_radiusd() { command -v freeradius || command -v radiusd || true; }

radiusd=$(find_radiusd)
if [ -z "$radiusd" ] || ! command -v radclient >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        skip "FreeRADIUS is not installed, and installing it needs root or passwordless sudo"
    fi
    command -v apt-get >/dev/null 2>&1 || skip "FreeRADIUS is not installed, and there is no apt-get to install it"
    say "installing freeradius freeradius-utils (apt-get)"
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
       ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            freeradius freeradius-utils >/dev/null; then
        skip "apt-get could not install freeradius freeradius-utils"
    fi
    radiusd=$(find_radiusd)
    [ -n "$radiusd" ] && command -v radclient >/dev/null 2>&1 ||
        skip "the freeradius packages installed no radiusd or radclient"
fi
version=$("$radiusd" -v 2>/dev/null | sed -n 's/.*FreeRADIUS Version \([0-9.]*\).*/\1/p' | head -1)
case "$version" in
    3.2.*) ;;
    *) skip "$radiusd is FreeRADIUS ${version:-of unknown version}, not 3.2" ;;
esac
libdir=""
for dir in /usr/lib/freeradius /usr/lib/x86_64-linux-gnu/freeradius /usr/lib64/freeradius /usr/local/lib; do
    if [ -e "$dir/rlm_soh.so" ]; then libdir=$dir; break; fi
done
[ -n "$libdir" ] || skip "FreeRADIUS $version has no rlm_soh module"
dictdir=/usr/share/freeradius
[ -e "$dictdir/dictionary" ] || skip "no FreeRADIUS dictionary in $dictdir"
say "FreeRADIUS $version ($radiusd), rlm_soh from $libdir"

# ---------------------------------------------------------------------------
# The cases, from naputil

dir=$(mktemp -d "${TMPDIR:-/tmp}/naputil-interop.XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        say "radiusd (pid $server_pid) stopped"
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

"$cases_program" > "$dir/cases" || die "$cases_program failed (naputil could not encode, decode or reject)"
ncases=$(grep -c '^case ' "$dir/cases" || true)
nrejects=$(grep -c '^reject ' "$dir/cases" || true)
[ "$ncases" -gt 0 ] && [ "$nrejects" -gt 0 ] || die "$cases_program printed no cases"

# ---------------------------------------------------------------------------
# The configuration

echo_attribute() { # ATTRIBUTE [xlat function]
    if [ -n "${2:-}" ]; then
        printf '\t\t\t&Reply-Message += "%s=%%{%s:%s}"\n' "$1" "$2" "$1"
    else
        printf '\t\t\t&Reply-Message += "%s=%%{%s}"\n' "$1" "$1"
    fi
}

write_config() { # PORT
    : > "$dir/dictionary"
    {
        cat <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = \${exec_prefix}/sbin
logdir = $dir
raddbdir = $dir
radacctdir = $dir
name = radiusd
confdir = $dir
modconfdir = $dir
run_dir = $dir
db_dir = $dir
libdir = $libdir
pidfile = $dir/radiusd.pid
max_request_time = 10
cleanup_delay = 1
max_requests = 64
hostname_lookups = no
log {
	destination = files
	file = $dir/radius.log
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}
client localhost {
	ipaddr = 127.0.0.1
	secret = $secret
}
modules {
	soh {
		dhcp = no
	}
	always reject {
		rcode = reject
	}
}
server naputil-interop {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $1
	}
	authorize {
		soh {
			fail = 1
		}
		if (fail) {
			update reply {
				&Reply-Message := "$rejected_message"
			}
			reject
		}
		if (!&SoH-MS-Machine-OS-vendor) {
			update reply {
				&Reply-Message := "naputil-interop: rlm_soh decoded no machine"
			}
			reject
		}
		update reply {
EOF
        for attribute in OS-vendor OS-version OS-release OS-build SP-version SP-release Processor Role; do
            echo_attribute "SoH-MS-Machine-$attribute" integer
        done
        echo_attribute SoH-MS-Machine-Name
        echo_attribute SoH-MS-Correlation-Id
        cat <<'EOF'
		}
		foreach &SoH-MS-Windows-Health-Status {
			update reply {
				&Reply-Message += "SoH-MS-Windows-Health-Status=%{Foreach-Variable-0}"
			}
		}
		foreach &SoH-MS-Health-Other {
			update reply {
				&Reply-Message += "SoH-MS-Health-Other=%{Foreach-Variable-0}"
			}
		}
		update control {
			&Auth-Type := Accept
		}
	}
	authenticate {
	}
}
EOF
    } > "$dir/radiusd.conf"
}

# ---------------------------------------------------------------------------
# The server: a few random ports until one binds

port=""
for attempt in 1 2 3 4 5; do
    candidate=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    write_config "$candidate"
    : > "$dir/radiusd.log"
    "$radiusd" -X -d "$dir" -D "$dictdir" -n radiusd > "$dir/radiusd.log" 2>&1 &
    server_pid=$!
    while kill -0 "$server_pid" 2>/dev/null && ! grep -q 'Ready to process requests' "$dir/radiusd.log"; do
        [ "$(time_left)" -gt 0 ] || die "radiusd did not start in time"
        sleep 0.2
    done
    if grep -q 'Ready to process requests' "$dir/radiusd.log"; then
        port=$candidate
        break
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    if ! grep -q 'Failed binding' "$dir/radiusd.log"; then
        tail -30 "$dir/radiusd.log" | sed 's/^/    | /'
        die "radiusd did not start"
    fi
done
[ -n "$port" ] || die "radiusd found no free port in 5 attempts"
say "radiusd (pid $server_pid) listening on 127.0.0.1:$port"

# ---------------------------------------------------------------------------
# The requests

# Sends MS-Quarantine-SoH = HEX; leaves radclient's output in $dir/reply and
# the server's debug lines for the request in $dir/request.log.
send() { # HEX
    local before
    before=$(wc -l < "$dir/radiusd.log")
    printf 'User-Name = "naputil-interop", MS-Quarantine-SOH = %s\n' "$1" > "$dir/request"
    timeout "$(( $(time_left) > 15 ? 15 : ($(time_left) > 1 ? $(time_left) : 1) ))" \
        radclient -x -r 1 -t 5 -d "$dir" -D "$dictdir" -f "$dir/request" "127.0.0.1:$port" auth "$secret" \
        > "$dir/reply" 2>&1 || true
    sleep 0.2
    tail -n +"$(( before + 1 ))" "$dir/radiusd.log" > "$dir/request.log"
}

reply_messages() {
    sed -n 's/^[[:space:]]*Reply-Message = "\(.*\)"$/\1/p' "$dir/reply"
}

failures=0
compared=0
mismatch() { say "MISMATCH: $*"; failures=$(( failures + 1 )); }

while read -r kind name hex; do
    [ "$kind" = case ] || continue
    say "case $name ($(( (${#hex} - 2) / 2 )) bytes)"
    send "$hex"
    if ! grep -q 'Received Access-Accept' "$dir/reply"; then
        sed 's/^/    | /' "$dir/reply"
        tail -40 "$dir/request.log" | sed 's/^/    | /'
        mismatch "$name: not accepted"
        continue
    fi
    grep "^expect $name " "$dir/cases" | cut -d' ' -f3- | sort > "$dir/expected"
    reply_messages | sort > "$dir/received"
    while IFS= read -r line; do
        if grep -qxF -- "$line" "$dir/received"; then
            echo "    equal: $line"
            compared=$(( compared + 1 ))
        else
            mismatch "$name: FreeRADIUS did not decode $line (it sent: $(grep -F "${line%%=*}=" "$dir/received" | tr '\n' ';'))"
        fi
    done < "$dir/expected"
    while IFS= read -r line; do
        grep -qxF -- "$line" "$dir/expected" || mismatch "$name: FreeRADIUS decoded $line, which was not encoded"
    done < "$dir/received"
    while IFS= read -r line; do
        if grep -qF -- "$line" "$dir/request.log"; then
            echo "    logged: $line"
            compared=$(( compared + 1 ))
        else
            mismatch "$name: the debug log lacks \"$line\""
        fi
    done < <(grep "^log $name " "$dir/cases" | cut -d' ' -f3-)
done < "$dir/cases"

rejections=0
while read -r kind name hex; do
    [ "$kind" = reject ] || continue
    send "$hex"
    if grep -q 'Received Access-Reject' "$dir/reply" && reply_messages | grep -qxF "$rejected_message"; then
        why=$(grep -m1 -E 'SoH (payload|tlv|response|mode|invalid)' "$dir/request.log" | sed 's/^.*soh: //; s/^[[:space:]]*//' || true)
        say "reject $name: naputil NAP_E_INVALID_PACKET, FreeRADIUS rejected${why:+ ($why)}"
        rejections=$(( rejections + 1 ))
    else
        sed 's/^/    | /' "$dir/reply"
        mismatch "$name: naputil rejects these bytes but FreeRADIUS did not"
    fi
done < "$dir/cases"

kill -0 "$server_pid" 2>/dev/null || die "radiusd exited during the test"
if [ "$failures" -gt 0 ]; then
    die "$failures mismatches ($compared values equal, $rejections of $nrejects malformed SoHs rejected by both)"
fi
say "passed: $ncases SoHs, $compared decoded values equal to what naputil encoded;" \
    "$rejections malformed SoHs rejected by naputil and FreeRADIUS alike"
