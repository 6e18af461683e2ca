#!/usr/bin/env bash
# Prints the node image's NODE_OPTIONS (the `ENV NODE_OPTIONS="…"` line of k8s/image/Dockerfile),
# so local nodes (scripts/start.sh) and the benchmarks (bench/run.sh, bench/footprint.mts) run
# with the V8 settings the image has, from one place.
set -euo pipefail
sed -n 's/^ENV NODE_OPTIONS="\(.*\)"$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../k8s/image/Dockerfile"
