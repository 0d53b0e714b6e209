#!/usr/bin/env bash
# Check a reimage binary before it is shipped to servers: the highest glibc symbol version it
# needs (what the dynamic loader of the target checks) and its size.
#
#   scripts/check-binary.sh BINARY
#
# MAX_GLIBC (default 2.17: CentOS 7, EulerOS 2) and MAX_MB (default 20; 1 MB = 1,000,000
# bytes) set the limits; MACHINE (e.g. X86-64, AArch64), when set, must appear in the ELF
# header's Machine line. Needs readelf (binutils). Exit 0 when every check passes, 1 with a
# message per failed check, 2 on bad usage.
set -euo pipefail

max_glibc="${MAX_GLIBC:-2.17}"
max_mb="${MAX_MB:-20}"
if [[ $# -ne 1 ]]; then
    echo "usage: $0 BINARY (limits: MAX_GLIBC=$max_glibc MAX_MB=$max_mb, optional MACHINE)" >&2
    exit 2
fi
bin="$1"
if [[ ! -f "$bin" ]]; then
    echo "check-binary: $bin: no such file" >&2
    exit 2
fi
if ! command -v readelf >/dev/null; then
    echo "check-binary: readelf not found: install binutils" >&2
    exit 2
fi
if ! [[ "$max_glibc" =~ ^[0-9]+(\.[0-9]+)+$ && "$max_mb" =~ ^[0-9]+$ ]]; then
    echo "check-binary: MAX_GLIBC must look like 2.17 and MAX_MB be whole megabytes" >&2
    exit 2
fi

failed=0
machine="$(readelf -h "$bin" | sed -n 's/^ *Machine: *//p')"
echo "$bin: machine: $machine"
if [[ -n "${MACHINE:-}" && "$machine" != *"$MACHINE"* ]]; then
    echo "FAIL: built for '$machine', expected $MACHINE" >&2
    failed=1
fi

# The version needs section lists each library version the loader requires; versions are
# compared as versions (2.9 < 2.17), not as text.
needed="$(readelf -V --wide "$bin" | grep -o 'Name: GLIBC_[0-9][0-9.]*' | sed 's/^Name: GLIBC_//' | sort -uV || true)"
if [[ -z "$needed" ]]; then
    echo "$bin: needs no versioned glibc symbol (static, or not linked to glibc)"
else
    highest="$(tail -n1 <<<"$needed")"
    echo "$bin: needs GLIBC_$highest at most (limit $max_glibc)"
    over=""
    for v in $needed; do
        if [[ "$v" != "$max_glibc" && "$(printf '%s\n%s\n' "$v" "$max_glibc" | sort -V | tail -n1)" == "$v" ]]; then
            over+=" GLIBC_$v"
        fi
    done
    if [[ -n "$over" ]]; then
        echo "FAIL: needs glibc newer than $max_glibc:$over (build with scripts/build-portable.sh)" >&2
        failed=1
    fi
fi

bytes="$(stat -c %s "$bin")"
limit=$((max_mb * 1000000))
echo "$bin: size: $bytes bytes ($((bytes / 1000000)).$(((bytes % 1000000) / 100000)) MB, limit $max_mb MB)"
if ((bytes > limit)); then
    echo "FAIL: $bytes bytes is over $max_mb MB (is it a release build? see [profile.release] in Cargo.toml)" >&2
    failed=1
fi
exit "$failed"
