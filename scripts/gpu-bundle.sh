#!/usr/bin/env bash
# Packs what a GPU machine without LLVM needs into .bundle/ (ignored by git,
# named in the device tool's `carry`): the statically linked mla-run and
# mla-opt (only libc/libm needed; stripped, xz-compressed) and the PyTorch
# baseline script. Tests, python/mla and bench/ travel with the working tree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLA_BUILD_DIR:-$root/build}"
bundle="$root/.bundle"

"$root/scripts/check-static-tools.sh" "$build" > /dev/null
mkdir -p "$bundle"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
strip -o "$staging/mla-run" "$build/static/bin/mla-run"
strip -o "$staging/mla-opt" "$build/static/bin/mla-opt"
tar -C "$staging" -cf - mla-run mla-opt | xz -T2 -6 > "$bundle/tools.tar.xz"
baseline="$root/../shared/bench/torch_mla_decode.py"
[ -f "$baseline" ] && cp "$baseline" "$bundle/"
du -sh "$bundle" | awk '{print "bundle: " $1}'
