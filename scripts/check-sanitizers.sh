#!/usr/bin/env bash
# The sanitizer build (issue 16): mla-opt, mla-run and the fuzz target
# mla-fuzz built with ASan + UBSan and libFuzzer's coverage into
# <build>/sanitize (LLVM's own switches: LLVM_USE_SANITIZER,
# LLVM_USE_SANITIZE_COVERAGE), then one of
#   lit          the whole lit suite with those tools: any sanitizer report
#                fails the test that triggered it;
#   fuzz [SECS]  a bounded libFuzzer run (default 180 s) seeded from test/
#                and examples/ (scripts/fuzz.sh): a finding fails, and its
#                input is left under <build>/sanitize/fuzz/findings.
#   usage: scripts/check-sanitizers.sh <build dir> lit|fuzz [SECS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: $0 <build dir> lit|fuzz [SECS]}/sanitize"
mode="${2:?usage: $0 <build dir> lit|fuzz [SECS]}"

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "-DLLVM_USE_SANITIZER=Address;Undefined" -DLLVM_USE_SANITIZE_COVERAGE=ON \
    > "$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
fi
ninja -C "$build" mla-opt mla-run mla-fuzz mla-aot mla_library_runtime > "$build.build.log" 2>&1 \
  || { tail -50 "$build.build.log"; exit 1; }

# Any report is an error that stops the tool (UBSan's -fno-sanitize-recover
# too); leaks are reported at exit. allow_user_poisoning=0: LLVM's headers
# poison and unpoison BumpPtrAllocator slabs in instrumented code (ours)
# but not in Debian's uninstrumented libMLIR, which allocates from the same
# slabs (the context's uniquer): every such object would read as
# use-after-poison. Heap, stack and global checks are unaffected.
# allocator_may_return_null=1: mla-run reports an allocation it cannot make
# (test/Tools/mla-run.test) instead of ASan stopping it.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allow_user_poisoning=0:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
[ -f "$root/scripts/lsan.supp" ] && export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp}"

case "$mode" in
  lit)
    exec /usr/lib/llvm-22/bin/lit -sv "$build/test" ;;
  fuzz)
    exec "$root/scripts/fuzz.sh" "$build/bin/mla-fuzz" "${3:-180}" "$build/fuzz" ;;
  *)
    echo "usage: $0 <build dir> lit|fuzz [SECS]"; exit 2 ;;
esac
