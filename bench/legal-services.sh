#!/usr/bin/env bash
# The legal-services benchmarks: 万所联万会 pairing at 10,000 × 10,000 against a greedy baseline and
# an exact reference, and matching one request against 10,000 providers against a raw scoring
# loop, each in the same run (see docs/benchmarks.md). Pure computation: no Kafka, no PostgreSQL.
#
#   bash bench/legal-services.sh      about 10 s on 2 cores
#   BENCH_SEED=7 BENCH_MATCH_RUNS=500 bash bench/legal-services.sh
set -euo pipefail
# shellcheck source=bench/prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
# Its own project: only this benchmark, so the other scenarios' sources are not its concern.
pnpm exec tsc -p bench/tsconfig.legal-services.json
node bench/dist/legal-services.js
