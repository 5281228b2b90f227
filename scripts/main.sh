#!/usr/bin/env bash
# The main job: builds mla, then runs the default pipeline (mla-pipeline) on
# the bundled DeepSeek-V3 decode block and prints the result.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLA_BUILD_DIR:-$root/build}"

log="$(mktemp)"
"$root/scripts/build.sh" mla-opt > "$log" 2>&1 || { cat "$log"; exit 1; }
rm -f "$log"
example="$root/examples/deepseek-v3-decode.mlir"
echo "== mla-opt --mla-pipeline ${example#$root/}"
"$build/bin/mla-opt" --mla-pipeline "$example"
