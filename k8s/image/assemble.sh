#!/usr/bin/env bash
# Assembles the node's runtime into OUT_DIR: @jinlian/node with its production dependency closure,
# workspace packages included as real copies (each limited to its package.json "files"), all
# pinned by pnpm-lock.yaml. The Dockerfile's runtime stage copies OUT_DIR and nothing else, and
# tests/image/runtime.int.spec.ts starts the node from the same output, so there is no list of
# packages to keep in step with the node's dependencies.
#
# Usage (after `pnpm install --frozen-lockfile` and `pnpm build`): k8s/image/assemble.sh OUT_DIR
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 OUT_DIR (a new or empty directory)" >&2
  exit 64
fi
# Absolute before the cd below, so a relative OUT_DIR means relative to the caller.
out="$(realpath -m "$1")"
cd "$(dirname "$0")/../.."

# What the runtime reads besides node_modules: compiled output and the reflection descriptor set.
for built in packages/node/dist/main.js packages/chassis/dist/telemetry/bootstrap.js proto/gen/jinlian.binpb; do
  if [ ! -f "$built" ]; then
    echo "assemble: $built is missing; run \`pnpm build\` first" >&2
    exit 1
  fi
done
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "assemble: $out is not empty" >&2
  exit 1
fi

# pnpm 10 deploys from the shared lockfile only with injected workspace packages (the default
# "legacy" deploy re-resolves every version from the registry instead). Injection is enabled for
# this command only: the workspace itself keeps symlinked packages for development.
# --offline: everything comes from the store the preceding install filled; nothing is resolved.
pnpm --config.inject-workspace-packages=true --filter @jinlian/node \
  deploy --prod --frozen-lockfile --offline --reporter=append-only "$out" >&2
