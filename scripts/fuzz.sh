#!/usr/bin/env bash
# Runs the fuzz target (tools/mla-fuzz, built with libFuzzer by
# scripts/check-sanitizers.sh) for a bounded time, seeded from every .mlir
# file of test/ and examples/ and the kept regression inputs
# (test/Tools/Inputs/fuzz). The corpus it grows is kept in <work dir>/corpus
# for the next run; a finding (crash, sanitizer report, hang over 120 s,
# more than 6 GiB) stops the run with a non-zero exit and is left in
# <work dir>/findings/. Reproduce one with `mla-fuzz <file>` (any build);
# once fixed, keep it under test/Tools/Inputs/fuzz/ as a regression input.
#   usage: scripts/fuzz.sh <mla-fuzz> <seconds> <work dir> [libFuzzer flags...]
# Long runs: scripts/fuzz.sh build/sanitize/bin/mla-fuzz 36000 /tmp/fuzz -jobs=2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzzer="${1:?usage: $0 <mla-fuzz> <seconds> <work dir> [flags...]}"
seconds="${2:?usage: $0 <mla-fuzz> <seconds> <work dir> [flags...]}"
work="${3:?usage: $0 <mla-fuzz> <seconds> <work dir> [flags...]}"
shift 3

mkdir -p "$work/seeds" "$work/corpus" "$work/findings"
# Seeds named by their path, so that a finding's ancestry is readable.
while IFS= read -r file; do
  cp "$root/$file" "$work/seeds/$(echo "$file" | tr '/' '_')"
done < <(cd "$root" && find test examples -name '*.mlir' -size -64k | sort)
cp "$root"/test/Tools/Inputs/fuzz/* "$work/seeds/" 2>/dev/null || true

echo "fuzz: $(ls "$work/seeds" | wc -l) seeds, $(ls "$work/corpus" | wc -l) corpus inputs, ${seconds} s"
status=0
"$fuzzer" "$work/corpus" "$work/seeds" \
  -max_total_time="$seconds" -timeout=120 -rss_limit_mb=6144 -max_len=65536 \
  -artifact_prefix="$work/findings/" -print_final_stats=1 "$@" \
  > "$work/fuzz.log" 2>&1 || status=$?
grep -E "^(#[0-9]+ *(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/fuzz.log" || true
if [ "$status" -ne 0 ]; then
  tail -60 "$work/fuzz.log"
  echo "fuzz: FOUND (exit $status): $(ls "$work/findings")"
  exit 1
fi
echo "fuzz: nothing found in ${seconds} s"
