#!/usr/bin/env bash
# The main job: builds mla, then
#  1. runs the default pipeline (mla-pipeline) on the bundled DeepSeek-V3
#     decode block and prints the primitives it becomes;
#  2. generates a DeepSeek-V2-Lite decode step from its HF config.json
#     (4 requests of uneven length over a paged bf16 cache), runs it with
#     mla-run on the CPU as written (the decompressed definition) and
#     compiled by mla-pipeline (absorbed and fused), and prints each one's
#     error against the float64 numpy reference and its time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLA_BUILD_DIR:-$root/build}"

log="$(mktemp)"
"$root/scripts/build.sh" mla-opt mla-run > "$log" 2>&1 || { cat "$log"; exit 1; }
rm -f "$log"

example="$root/examples/deepseek-v3-decode.mlir"
echo "== mla-opt --mla-pipeline ${example#$root/}"
"$build/bin/mla-opt" --mla-pipeline "$example"

config="$root/examples/configs/deepseek-v2-lite.json"
echo
step=(--config "$config" --dtype bf16 --batch 4 --tokens 1 --page-size 64
      --pages 16 --max-pages 3 --seed 1 --warmup 1 --repeat 3)
tools=(--mla-run "$build/bin/mla-run" --mla-opt "$build/bin/mla-opt")
echo "== DeepSeek-V2-Lite decode step on the CPU (mla-run), bf16, batch 4, page size 64"
echo "-- as written (decompressed definition)"
PYTHONPATH="$root/python" python3 -m mla.check "${tools[@]}" "${step[@]}"
echo "-- compiled by mla-pipeline (absorbed, fused)"
PYTHONPATH="$root/python" python3 -m mla.check "${tools[@]}" "${step[@]}" \
  --passes mla-pipeline
