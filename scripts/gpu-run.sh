#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .bundle/ carried:
# unpacks the static tools, lit and FileCheck, runs the GPU test folder
# (test/Integration/GPU) under lit with every CHECK line live, the same
# tests under compute-sanitizer memcheck (and the decode kernel's tests
# under racecheck), the PyTorch baseline and the benchmark, and prints the
# benchmark table last. Logs and JSON go to $OUT.
#   MLA_STAGES    which of "probe tests aot memcheck racecheck torch bench" to
#                 run (all; probe: bench/wgmma_layout_probe.cu, the wgmma
#                 shared-memory conventions checked outside the compiler;
#                 aot: the GPU libraries gpu-bundle.sh made with mla-aot,
#                 called on torch CUDA tensors against the reference)
#   MLA_TESTS     lit --filter regex on the GPU tests' names (all)
#   MLA_RACECHECK_TESTS regex of the tests racecheck runs (decode-kernel)
#   MLA_BENCH_ARGS extra arguments of bench/mla_bench.py
#   layer         (a stage, not in the default list) bench/layer_bench.py:
#                 the layer's GEMMs next to torch.matmul and the V3 layer
#                 decode step next to PyTorch eager (MLA_LAYER_ARGS)
#   prefill       (a stage, not in the default list) bench/prefill_bench.py:
#                 the fused prefill next to PyTorch's prefill attention and
#                 SDPA alone (MLA_PREFILL_ARGS)
#   stalls        (a stage, not in the default list) bench/prefill_stalls.py:
#                 Nsight Compute's sections of one prefill_attention launch
#                 per key-tile variant (MLA_STALLS_ARGS), reports in $OUT/stalls
#   compare       (a stage, not in the default list) the benchmark of a
#                 baseline mla-run (.bundle/baseline-tools.tar.xz, made by
#                 scripts/gpu-bundle.sh --baseline REV; its GPU pipeline and
#                 kernels, this tree's mla-opt for the fusion before them)
#                 and of this one, alternately MLA_COMPARE_ROUNDS times (2),
#                 same shapes and arguments, each table printed;
#                 MLA_COMPARE_BENCH=prefill compares bench/prefill_bench.py
#                 (MLA_PREFILL_ARGS, e.g. "--ncu --skip-torch") instead
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-/tmp/mla-out}"
mkdir -p "$out"
tools=/tmp/mla-tools
mkdir -p "$tools"
xz -dc "$root/.bundle/tools.tar.xz" | tar -C "$tools" -xf -
export PATH="$tools:$PATH" PYTHONPATH="$root/python" PYTHONUNBUFFERED=1
# Where the NVVM target finds libdevice (lit passes CUDA_HOME on).
export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

stages=" ${MLA_STAGES:-probe tests aot memcheck racecheck torch bench} "
want() { [[ "$stages" == *" $1 "* ]]; }
filter="${MLA_TESTS:-}"
tests=0

if want probe; then
echo "== wgmma layout probe"
nvcc="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
"$nvcc" -gencode arch=compute_90a,code=sm_90a -O2 -o /tmp/mla-wgmma-probe \
  "$root/bench/wgmma_layout_probe.cu" && /tmp/mla-wgmma-probe 2>&1 | tee "$out/wgmma-probe.log"
fi

# lit over the GPU folder with the bundle's tools in TOOLS (a folder holding
# mla-opt, mla-run, FileCheck, not, count): an exec root of its own with
# scripts/gpu-lit.site.cfg.py, test/lit.cfg.py as in CI.
run_lit() {
  local tools_dir=$1 tests_filter=$2 exec_root
  shift 2
  exec_root="$(mktemp -d /tmp/mla-lit.XXXX)"
  mkdir -p "$exec_root/test/Integration/GPU"
  cp "$root/scripts/gpu-lit.site.cfg.py" "$exec_root/test/lit.site.cfg.py"
  MLA_SRC_ROOT="$root" MLA_TOOLS_DIR="$tools_dir" PYTHONPATH="$tools:$root/python" \
    python3 -c "import sys; from lit.main import main; sys.argv[0] = 'lit'; main()" \
    "$@" ${tests_filter:+--filter "$tests_filter"} "$exec_root/test/Integration/GPU"
}

if want tests; then
echo "== GPU tests (lit, FileCheck)"
run_lit "$tools" "$filter" -v -j "${MLA_LIT_JOBS:-4}" 2>&1 | tee "$out/gpu-tests.log"
tests=${PIPESTATUS[0]}
fi

sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
# sanitize TOOL FILTER TIMEOUT CLEAN-PATTERN [TOOL OPTIONS...]: runs the GPU
# tests whose names match FILTER with every mla-run under compute-sanitizer
# TOOL (the tests call mla-run by path: they get a wrapper) and counts the
# processes whose summary matches CLEAN-PATTERN. Logs: $out/TOOL.log.
sanitize() {
  local tool=$1 tests_filter=$2 limit=$3 clean_pattern=$4
  shift 4
  local wrapped=/tmp/mla-$tool
  mkdir -p "$wrapped"
  for t in mla-opt FileCheck not count; do ln -sf "$tools/$t" "$wrapped/$t"; done
  cat > "$wrapped/mla-run" <<WRAPPER
#!/bin/sh
exec "$sanitizer" --tool $tool $* --error-exitcode 3 --log-file "$out/$tool.%p.log" "$tools/mla-run" "\$@"
WRAPPER
  chmod +x "$wrapped/mla-run"
  timeout "$limit" bash -c "$(declare -f run_lit); root='$root' tools='$tools' \
    run_lit '$wrapped' '$tests_filter' -j '${MLA_LIT_JOBS:-4}'" > "$out/$tool-tests.out" 2>&1
  local status=$?
  local summaries clean
  summaries=$(cat "$out"/$tool.*.log 2>/dev/null | grep -c "SUMMARY" || true)
  clean=$(cat "$out"/$tool.*.log 2>/dev/null | grep -c "$clean_pattern" || true)
  tail -1 "$out/$tool-tests.out"
  echo "$tool: exit $status, $clean of $summaries mla-run processes clean ($clean_pattern)"
  cat "$out"/$tool.*.log > "$out/$tool.log" 2>/dev/null; rm -f "$out"/$tool.*.log
}

if want memcheck; then
  echo "== compute-sanitizer memcheck over the GPU test folder (every mla-run process)"
  sanitize memcheck "$filter" "${MLA_MEMCHECK_TIMEOUT:-420}" "ERROR SUMMARY: 0 errors"
fi

if want racecheck; then
  echo "== compute-sanitizer racecheck over the decode kernel's test (shared-memory hazards)"
  sanitize racecheck "${MLA_RACECHECK_TESTS:-decode-kernel}" "${MLA_RACECHECK_TIMEOUT:-300}" \
    "RACECHECK SUMMARY: 0 hazards" --racecheck-report hazard
fi

if want aot; then
echo "== mla-aot libraries called from PyTorch"
python3 "$root/test/Integration/GPU/Inputs/aot-torch.py" "$root/.bundle/aot" \
  "$root/test/Integration/CPU/Inputs/small-yarn.json" 2>&1 | tee "$out/aot.log"
echo "== mla.torch as transformers' DeepSeek-V3 attention: 64 greedy tokens"
python3 "$root/test/Integration/GPU/Inputs/deepseek-generate.py" \
  "$root/test/Integration/GPU/Inputs/tiny-deepseek-v3.json" cuda \
  "$root/.bundle/aot/tiny-deepseek-v3-f32" 2>&1 | tee -a "$out/aot.log"
echo "== mla.torch varlen block on CUDA tensors"
python3 "$root/test/python/torch-varlen.py" "$root" cuda \
  "$root/.bundle/aot/tiny-deepseek-v3-f32-varlen" 2>&1 | tee -a "$out/aot.log"
fi

if want torch; then
echo "== PyTorch baseline"
python3 "$root/.bundle/torch_mla_decode.py" ${MLA_TORCH_ARGS:-} --json "$out/torch.json" 2>&1 \
  | tee "$out/torch.log"
fi

if want bench; then
echo "== mla benchmark"
torch_json=(); [ -f "$out/torch.json" ] && torch_json=(--torch-json "$out/torch.json")
python3 "$root/bench/mla_bench.py" --mla-run "$tools/mla-run" "${torch_json[@]}" \
  --json "$out/bench.json" --plot "$out/roofline.png" ${MLA_BENCH_ARGS:-} 2>&1 | tee "$out/bench.log"
fi
if want layer; then
echo "== whole layer"
python3 "$root/bench/layer_bench.py" --mla-run "$tools/mla-run" --json "$out/layer.json" --plot "$out/layer.png" \
  ${MLA_LAYER_ARGS:-} 2>&1 | tee "$out/layer.log"
fi
if want prefill; then
echo "== prefill attention"
python3 "$root/bench/prefill_bench.py" --mla-run "$tools/mla-run" --json "$out/prefill.json" \
  ${MLA_PREFILL_ARGS:-} 2>&1 | tee "$out/prefill.log"
fi
if want stalls; then
echo "== prefill attention stalls (Nsight Compute)"
python3 "$root/bench/prefill_stalls.py" --mla-run "$tools/mla-run" --out "$out/stalls" \
  ${MLA_STALLS_ARGS:-} > "$out/stalls.log" 2>&1
grep -E "^== |Duration|Compute \(SM\) Throughput|Memory Throughput|Registers Per|Issued Ipc|No Eligible|Warp Cycles Per Issued|stall" \
  "$out/stalls.log" | cut -c1-220 | head -80
fi
if want compare; then
echo "== baseline vs this tree, alternately"
baseline=/tmp/mla-baseline
mkdir -p "$baseline"
xz -dc "$root/.bundle/baseline-tools.tar.xz" | tar -C "$baseline" -xf -
for round in $(seq "${MLA_COMPARE_ROUNDS:-2}"); do
  for side in baseline current; do
    dir=$tools; [ "$side" = baseline ] && dir=$baseline
    echo "-- round $round: $side"
    if [ "${MLA_COMPARE_BENCH:-mla}" = prefill ]; then
      python3 "$root/bench/prefill_bench.py" --mla-run "$dir/mla-run" \
        --json "$out/compare-$side-$round.json" ${MLA_PREFILL_ARGS:-} 2>&1 \
        | tee "$out/compare-$side-$round.log" | sed -n '/^| heads/,$p'
    else
      python3 "$root/bench/mla_bench.py" --mla-run "$dir/mla-run" --mla-opt "$tools/mla-opt" \
        --json "$out/compare-$side-$round.json" ${MLA_BENCH_ARGS:-} 2>&1 \
        | tee "$out/compare-$side-$round.log" | sed -n '/^MLA attention/,$p'
    fi
  done
done
fi
echo "GPU tests exit: $tests"
exit $tests
