#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .bundle/ carried:
# unpacks the static tools, runs the GPU test folder (test/Integration/GPU,
# through scripts/run-tests.py: no lit or FileCheck there), the same tests
# under compute-sanitizer memcheck, the PyTorch baseline and the benchmark,
# and prints the benchmark table last. Logs and JSON go to $OUT.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-/tmp/mla-out}"
mkdir -p "$out"
tools=/tmp/mla-tools
mkdir -p "$tools"
xz -dc "$root/.bundle/tools.tar.xz" | tar -C "$tools" -xf -
export PATH="$tools:$PATH" PYTHONPATH="$root/python" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

echo "== GPU tests"
python3 "$root/scripts/run-tests.py" --tools "$tools" "$root/test/Integration/GPU" \
  2>&1 | tee "$out/gpu-tests.log"
tests=${PIPESTATUS[0]}

echo "== compute-sanitizer memcheck (one op set and one block)"
sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
"$sanitizer" --tool memcheck --error-exitcode 3 --log-file "$out/memcheck.log" \
  python3 "$root/test/Integration/CPU/ops.py" "$tools/mla-run" cuda > "$out/memcheck-ops.out" 2>&1
echo "memcheck ops: exit $? ($(grep -c 'ERROR SUMMARY: 0 errors' "$out/memcheck.log" || true) clean summaries)"

echo "== PyTorch baseline"
python3 "$root/.bundle/torch_mla_decode.py" --json "$out/torch.json" 2>&1 | tee "$out/torch.log"

echo "== mla benchmark"
python3 "$root/bench/mla_bench.py" --mla-run "$tools/mla-run" --torch-json "$out/torch.json" \
  --json "$out/bench.json" --plot "$out/roofline.png" ${MLA_BENCH_ARGS:-} 2>&1 | tee "$out/bench.log"
echo "GPU tests exit: $tests"
exit $tests
