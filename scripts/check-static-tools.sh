#!/usr/bin/env bash
# Builds the tools with MLA_STATIC_TOOLS=ON into <build>/static and checks that
# they need nothing but the C library and libm at run time (what a GPU machine
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
ninja -C "$build" mla-opt > "$build.build.log" 2>&1 || { tail -50 "$build.build.log"; exit 1; }

tool="$build/bin/mla-opt"
# Every shared library the tool loads, by soname, minus the loader itself.
needed=$(ldd "$tool" | awk '/=>/ {print $1}' | sort -u | tr '\n' ' ')
for lib in $needed; do
  case "$lib" in
    libc.so.*|libm.so.*) ;;
    *) echo "FAIL: static $tool needs $lib (only libc and libm allowed)"; exit 1 ;;
  esac
done
"$tool" --mla-pipeline "$root/examples/deepseek-v3-decode.mlir" | grep -q "mla.output_proj" \
  || { echo "FAIL: static $tool did not run the default pipeline"; exit 1; }
echo "static mla-opt: $(stat -c %s "$tool") bytes, needs: $needed"
