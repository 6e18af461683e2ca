#!/usr/bin/env bash
# The whole test suite, from a fresh machine: toolchain, dependencies, code generation and build,
# contract lint, type checks, then unit, integration and end-to-end tests against a real Kafka
# broker and a real PostgreSQL (provisioned by tests/harness unless KAFKA_BROKERS/DATABASE_URL
# are set). Extra arguments go to jest, e.g. `bash scripts/test.sh --selectProjects unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

pnpm install --frozen-lockfile --reporter=silent
pnpm --silent build # the process-level tests run the compiled node
pnpm --silent --filter @jinlian/proto lint
pnpm exec tsc -p tests/tsconfig.json
pnpm exec tsc -p tsconfig.specs.json # the unit specs beside the code: jest only strips their types
pnpm exec jest --ci --maxWorkers=2 "$@"
