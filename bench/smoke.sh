#!/usr/bin/env bash
# The benchmarks' short variant, which CI runs after the tests (.ci/run): every scenario at a
# twentieth of its size, one repetition of each variant, then bench/check-results.mts. It judges
# no figure; it fails when a scenario no longer runs to its end (each worker checks every response
# it gets) or reports a metric that is not a number. About two minutes on 2 cores. It runs alone,
# not beside the test suite: its sixteen worker processes would starve the timing of other tests.
# bench/results/ is left alone. The full run is `bash bench/run.sh` (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
BENCH_SCALE=0.05 BENCH_REPS=1 BENCH_REPORT=0 BENCH_OUT="$out/bench.json" bash bench/run.sh
node bench/check-results.mts "$out/bench.json"
