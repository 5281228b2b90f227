#!/usr/bin/env bash
# Packs what a GPU machine without LLVM needs into .bundle/ (ignored by git,
# named in the device tool's `carry`): the statically linked mla-run and
# mla-opt (only libc/libm needed; stripped), lit (pure Python, Debian's
# llvm-22-tools) and LLVM's FileCheck, not and count with the shared
# libraries they load besides libc/libm (run through the system's dynamic
# loader with a private library path, so that nothing they start inherits
# it), xz-compressed; and the PyTorch baseline script. Tests, python/mla and
# bench/ travel with the working tree.
#   --baseline REV   also packs .bundle/baseline-tools.tar.xz: the static
#                    mla-run of revision REV (a git worktree built in
#                    $MLA_BASELINE_DIR, /tmp/mla-baseline by default), for
#                    gpu-run.sh's `compare` stage. Only mla-run (the GPU
#                    pipeline and the kernels run inside it): both tools of
#                    both revisions would not fit the 64 MiB a device call
#                    carries.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLA_BUILD_DIR:-$root/build}"
bundle="$root/.bundle"
llvm=/usr/lib/llvm-22

"$root/scripts/check-static-tools.sh" "$build" > /dev/null
mkdir -p "$bundle"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
strip -o "$staging/mla-run" "$build/static/bin/mla-run"
strip -o "$staging/mla-opt" "$build/static/bin/mla-opt"

# lit, and the LLVM test tools with their libraries.
cp -r "$llvm/utils/lit/lit" "$staging/lit"
find "$staging/lit" -name __pycache__ -prune -exec rm -rf {} +
mkdir -p "$staging/llvm/bin" "$staging/llvm/lib"
for tool in FileCheck not count; do
  cp "$llvm/bin/$tool" "$staging/llvm/bin/"
  ldd "$llvm/bin/$tool" | awk '/=> \// {print $1, $3}' | while read -r name path; do
    case "$name" in
      libc.so.*|libm.so.*) ;;
      *) cp -L "$path" "$staging/llvm/lib/$name" ;;
    esac
  done
  cat > "$staging/$tool" <<WRAPPER
#!/bin/sh
# LLVM's $tool from the bundle, its libraries from llvm/lib.
here=\$(dirname "\$(readlink -f "\$0")")
exec /lib64/ld-linux-x86-64.so.2 --library-path "\$here/llvm/lib" "\$here/llvm/bin/$tool" "\$@"
WRAPPER
  chmod +x "$staging/$tool"
done
"$staging/FileCheck" --version > /dev/null \
  || { echo "FAIL: the bundled FileCheck does not start"; exit 1; }

tar -C "$staging" -cf - . | xz -T2 -6 > "$bundle/tools.tar.xz"

# GPU libraries for gpu-run.sh's aot stage, made here (mla-aot needs LLVM and
# a host compiler): a small block with dynamic batch and pages, f32 and bf16.
rm -rf "$bundle/aot" && mkdir -p "$bundle/aot"
config="$root/test/Integration/CPU/Inputs/small-yarn.json"
for dtype in f32 bf16; do
  PYTHONPATH="$root/python" python3 -m mla gen --config "$config" --batch 1 --tokens 2 \
    --page-size 4 --pages 1 --max-pages 1 --dtype "$dtype" --dynamic -o "$staging/block.mlir"
  "$build/bin/mla-opt" --mla-pipeline "$staging/block.mlir" -o "$staging/fused.mlir"
  "$build/bin/mla-aot" "$staging/fused.mlir" --target=cuda -o "$bundle/aot/small-$dtype" > /dev/null
done
# The block of the small DeepSeek-V3 that test/Integration/GPU/Inputs/
# deepseek-generate.py builds with transformers: f32, any token count per
# call, 64-token pages (mla.torch's drop-in attention).
PYTHONPATH="$root/python" python3 -m mla gen \
  --config "$root/test/Integration/GPU/Inputs/tiny-deepseek-v3.json" --batch 1 --tokens any \
  --page-size 64 --pages 1 --max-pages 1 --dtype f32 --dynamic -o "$staging/block.mlir"
"$build/bin/mla-opt" --mla-pipeline "$staging/block.mlir" -o "$staging/fused.mlir"
"$build/bin/mla-aot" "$staging/fused.mlir" --target=cuda -o "$bundle/aot/tiny-deepseek-v3-f32" > /dev/null
# Its varlen block, 8-token pages (test/python/torch-varlen.py on CUDA).
PYTHONPATH="$root/python" python3 -m mla gen \
  --config "$root/test/Integration/GPU/Inputs/tiny-deepseek-v3.json" --batch 1 --tokens any \
  --page-size 8 --pages 1 --max-pages 1 --dtype f32 --dynamic --varlen -o "$staging/block.mlir"
"$build/bin/mla-opt" --mla-pipeline "$staging/block.mlir" -o "$staging/fused.mlir"
"$build/bin/mla-aot" "$staging/fused.mlir" --target=cuda \
  -o "$bundle/aot/tiny-deepseek-v3-f32-varlen" > /dev/null

if [ "${1:-}" = "--baseline" ]; then
  rev="${2:?usage: $0 [--baseline REV]}"
  tree="${MLA_BASELINE_DIR:-/tmp/mla-baseline}"
  [ -d "$tree" ] || git -C "$root" worktree add --detach "$tree" "$rev" > /dev/null
  git -C "$tree" checkout -q --detach "$rev"
  mkdir -p "$tree/build"
  "$tree/scripts/check-static-tools.sh" "$tree/build" > /dev/null
  base="$(mktemp -d)"
  strip -o "$base/mla-run" "$tree/build/static/bin/mla-run"
  tar -C "$base" -cf - mla-run | xz -T2 -6 > "$bundle/baseline-tools.tar.xz"
  rm -rf "$base"
  echo "baseline: $(git -C "$tree" log -1 --format='%h %s' | cut -c1-72)"
fi
baseline="$root/../shared/bench/torch_mla_decode.py"
[ -f "$baseline" ] && cp "$baseline" "$bundle/"
du -sh "$bundle" | awk '{print "bundle: " $1}'
