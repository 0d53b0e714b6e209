#!/usr/bin/env bash
# Build release binaries of reimage that run on older Linux images (glibc 2.17 and newer:
# CentOS 7, EulerOS 2, and every later distribution), then check them with check-binary.sh.
# Run by hand before a release; CI does not need zig.
#
#   scripts/build-portable.sh                  # x86_64 and aarch64
#   scripts/build-portable.sh x86_64           # one architecture
#
# Needs: rustup (adds the Rust target if missing), cargo-zigbuild and zig, e.g.
#   pip install ziglang cargo-zigbuild         # or: cargo install --locked cargo-zigbuild
# zig links against glibc 2.17's symbol versions, so the binary does not pick up newer
# ones from the build machine. The binaries land in target/<triple>/release/reimage.
set -euo pipefail
cd "$(dirname "$0")/.."

glibc=2.17
arches=("$@")
[[ ${#arches[@]} -gt 0 ]] || arches=(x86_64 aarch64)

if ! command -v cargo-zigbuild >/dev/null; then
    echo "build-portable: cargo-zigbuild not found: pip install ziglang cargo-zigbuild" >&2
    exit 2
fi
if ! command -v zig >/dev/null && ! python3 -m ziglang version >/dev/null 2>&1; then
    echo "build-portable: zig not found: pip install ziglang (or put zig on PATH)" >&2
    exit 2
fi

failed=0
for arch in "${arches[@]}"; do
    case "$arch" in
    x86_64) machine=X86-64 ;;
    aarch64) machine=AArch64 ;;
    *)
        echo "build-portable: unknown architecture '$arch': use x86_64 or aarch64" >&2
        exit 2
        ;;
    esac
    triple="$arch-unknown-linux-gnu"
    if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$triple"; then
        rustup target add "$triple"
    fi
    echo "== $triple, glibc $glibc"
    start=$SECONDS
    cargo zigbuild --release --locked --target "$triple.$glibc"
    echo "built in $((SECONDS - start)) s"
    bin="target/$triple/release/reimage"
    if ! MAX_GLIBC="$glibc" MACHINE="$machine" scripts/check-binary.sh "$bin"; then
        failed=1
        continue
    fi
    sha256sum "$bin"
done
exit "$failed"
