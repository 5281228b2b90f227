#!/usr/bin/env bash
# Builds mla-opt and mla-run with MLA_STATIC_TOOLS=ON into <build>/static and
# checks that they need nothing but the C library and libm at run time (what a GPU machine
# without LLVM has), and that they still work.
#   usage: scripts/check-static-tools.sh <build dir>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: $0 <build dir>}/static"

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLA_STATIC_TOOLS=ON > "$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
fi
ninja -C "$build" mla-opt mla-run > "$build.build.log" 2>&1 \
  || { tail -50 "$build.build.log"; exit 1; }

for tool in "$build/bin/mla-opt" "$build/bin/mla-run"; do
  # Every shared library the tool loads, by soname.
  needed=$(ldd "$tool" | awk '/=>/ {print $1}' | sort -u | tr '\n' ' ')
  for lib in $needed; do
    case "$lib" in
      libc.so.*|libm.so.*) ;;
      *) echo "FAIL: static $tool needs $lib (only libc and libm allowed)"; exit 1 ;;
    esac
  done
  echo "static $(basename "$tool"): $(stat -c %s "$tool") bytes, needs: $needed"
done
"$build/bin/mla-opt" --mla-pipeline "$root/examples/deepseek-v3-decode.mlir" \
  | grep -q "mla.output_proj" \
  || { echo "FAIL: static mla-opt did not run the default pipeline"; exit 1; }
"$build/bin/mla-run" "$root/test/Tools/Inputs/add.mlir" --random | grep -q "^result 0:" \
  || { echo "FAIL: static mla-run did not run a function"; exit 1; }
