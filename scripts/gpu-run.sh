#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .bundle/ carried:
# unpacks the static tools, runs the GPU test folder (test/Integration/GPU,
# through scripts/run-tests.py: no lit or FileCheck there), the same tests
# under compute-sanitizer memcheck (and the decode kernel's test under
# racecheck), the PyTorch baseline and the benchmark, and prints the
# benchmark table last. Logs and JSON go to $OUT.
#   MLA_STAGES    which of "tests memcheck racecheck torch bench" to run (all)
#   MLA_TESTS     regex on the GPU test files' names (all)
#   MLA_BENCH_ARGS extra arguments of bench/mla_bench.py
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-/tmp/mla-out}"
mkdir -p "$out"
tools=/tmp/mla-tools
mkdir -p "$tools"
xz -dc "$root/.bundle/tools.tar.xz" | tar -C "$tools" -xf -
export PATH="$tools:$PATH" PYTHONPATH="$root/python" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

stages=" ${MLA_STAGES:-tests memcheck racecheck torch bench} "
want() { [[ "$stages" == *" $1 "* ]]; }
filter="${MLA_TESTS:-}"
tests=0

if want tests; then
echo "== GPU tests"
python3 "$root/scripts/run-tests.py" --verbose --filter "$filter" --tools "$tools" \
  "$root/test/Integration/GPU" 2>&1 | tee "$out/gpu-tests.log"
tests=${PIPESTATUS[0]}
fi

sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
if want memcheck; then
echo "== compute-sanitizer memcheck over the GPU test folder (every mla-run process)"
# The tests call mla-run by path: give them one that runs under memcheck.
checked=/tmp/mla-memcheck
mkdir -p "$checked"
ln -sf "$tools/mla-opt" "$checked/mla-opt"
cat > "$checked/mla-run" <<WRAPPER
#!/bin/sh
exec "$sanitizer" --tool memcheck --error-exitcode 3 --log-file "$out/memcheck.%p.log" "$tools/mla-run" "\$@"
WRAPPER
chmod +x "$checked/mla-run"
timeout "${MLA_MEMCHECK_TIMEOUT:-420}" python3 "$root/scripts/run-tests.py" --filter "$filter" \
  --tools "$checked" "$root/test/Integration/GPU" > "$out/memcheck-tests.out" 2>&1
memcheck=$?
summaries=$(cat "$out"/memcheck.*.log 2>/dev/null | grep -c "ERROR SUMMARY" || true)
clean=$(cat "$out"/memcheck.*.log 2>/dev/null | grep -c "ERROR SUMMARY: 0 errors" || true)
tail -1 "$out/memcheck-tests.out"
echo "memcheck: exit $memcheck, $clean of $summaries mla-run processes with 0 errors"
cat "$out"/memcheck.*.log > "$out/memcheck.log" 2>/dev/null; rm -f "$out"/memcheck.*.log
fi

if want racecheck; then
echo "== compute-sanitizer racecheck over the decode kernel's test (shared-memory hazards)"
raced=/tmp/mla-racecheck
mkdir -p "$raced"
ln -sf "$tools/mla-opt" "$raced/mla-opt"
cat > "$raced/mla-run" <<WRAPPER
#!/bin/sh
exec "$sanitizer" --tool racecheck --racecheck-report hazard --error-exitcode 3 --log-file "$out/racecheck.%p.log" "$tools/mla-run" "\$@"
WRAPPER
chmod +x "$raced/mla-run"
timeout "${MLA_RACECHECK_TIMEOUT:-300}" python3 "$root/scripts/run-tests.py" --filter decode-kernel \
  --tools "$raced" "$root/test/Integration/GPU" > "$out/racecheck-tests.out" 2>&1
racecheck=$?
summaries=$(cat "$out"/racecheck.*.log 2>/dev/null | grep -c "RACECHECK SUMMARY" || true)
clean=$(cat "$out"/racecheck.*.log 2>/dev/null | grep -c "RACECHECK SUMMARY: 0 hazards" || true)
tail -1 "$out/racecheck-tests.out"
echo "racecheck: exit $racecheck, $clean of $summaries mla-run processes with 0 hazards"
cat "$out"/racecheck.*.log > "$out/racecheck.log" 2>/dev/null; rm -f "$out"/racecheck.*.log
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
echo "GPU tests exit: $tests"
exit $tests
