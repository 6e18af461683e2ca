#!/usr/bin/env bash
# Where a consumed event's CPU goes, layer by layer (pg, knex, knex with telemetry, the subscriber,
# EventConsumer), with Kafka taken out: a diagnostic for docs/performance.md, not a scenario (no
# baseline ratio, not in CI). Needs PostgreSQL only (DATABASE_URL, default the local one).
#
#   bash bench/consume-layers.sh                      about 2 minutes on 2 cores
#   LAYERS_ROUNDS=5 LAYERS_EVENTS=20000 bash bench/consume-layers.sh
set -euo pipefail
# shellcheck source=bench/prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
pnpm exec tsc -p bench/tsconfig.json
# The node image's V8 settings, as every bench worker runs with them.
NODE_OPTIONS="${BENCH_NODE_OPTIONS:-$(bash scripts/image-node-options.sh)}" node bench/dist/diagnostics/consume-layers.js
