#!/usr/bin/env bash
# The long federated suite: the cross-node end-to-end tests, each test node on a Kafka cluster of
# its own and the clusters of a test joined by MirrorMaker 2 as deployed
# (JINLIAN_TEST_FEDERATION=1, tests/support/federation.ts). Slow: every file starts a broker per
# node and restarts MirrorMaker as nodes join. CI runs the short variant instead,
# tests/e2e/federation-mirror-maker.e2e.spec.ts. Extra arguments go to jest, e.g. a file name.
#
# Left out: tests about one node's process, its broker or database (they stop or inspect the
# shared broker), and the chaos and start-script tests, which bring their own infrastructure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

pnpm install --frozen-lockfile --reporter=silent
pnpm --silent build
JINLIAN_TEST_FEDERATION=1 pnpm exec jest --ci --selectProjects e2e --runInBand \
  --testPathIgnorePatterns '/node_modules/' '/dist/' 'chaos-short' 'start-script' 'start-without-kafka' 'node-process' \
  'node-restart' 'kafka-outage' 'postgres-outage' 'federation-mirror-maker' 'bulletin-delivery' \
  "$@"
