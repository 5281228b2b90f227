#!/usr/bin/env bash
# Builds mla and runs every test: the lit suite (check-mla) through ctest, one
# ctest entry per test folder, and the generated documentation. Ends with
# ctest's summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MLA_BUILD_DIR:-$root/build}"

"$root/scripts/build.sh" all mlir-doc
cd "$build"
ctest --output-on-failure
