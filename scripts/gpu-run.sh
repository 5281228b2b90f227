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

echo "== compute-sanitizer memcheck over the GPU test folder (every mla-run process)"
sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
# The tests call mla-run by path: give them one that runs under memcheck.
checked=/tmp/mla-memcheck
mkdir -p "$checked"
ln -sf "$tools/mla-opt" "$checked/mla-opt"
cat > "$checked/mla-run" <<WRAPPER
#!/bin/sh
exec "$sanitizer" --tool memcheck --error-exitcode 3 --log-file "$out/memcheck.%p.log" "$tools/mla-run" "\$@"
WRAPPER
chmod +x "$checked/mla-run"
timeout "${MLA_MEMCHECK_TIMEOUT:-420}" python3 "$root/scripts/run-tests.py" --tools "$checked" \
  "$root/test/Integration/GPU" > "$out/memcheck-tests.out" 2>&1
memcheck=$?
summaries=$(cat "$out"/memcheck.*.log 2>/dev/null | grep -c "ERROR SUMMARY" || true)
clean=$(cat "$out"/memcheck.*.log 2>/dev/null | grep -c "ERROR SUMMARY: 0 errors" || true)
tail -1 "$out/memcheck-tests.out"
echo "memcheck: exit $memcheck, $clean of $summaries mla-run processes with 0 errors"
cat "$out"/memcheck.*.log > "$out/memcheck.log" 2>/dev/null; rm -f "$out"/memcheck.*.log

echo "== PyTorch baseline"
python3 "$root/.bundle/torch_mla_decode.py" --json "$out/torch.json" 2>&1 | tee "$out/torch.log"

echo "== mla benchmark"
python3 "$root/bench/mla_bench.py" --mla-run "$tools/mla-run" --torch-json "$out/torch.json" \
  --json "$out/bench.json" --plot "$out/roofline.png" ${MLA_BENCH_ARGS:-} 2>&1 | tee "$out/bench.log"
echo "GPU tests exit: $tests"
exit $tests
