#!/usr/bin/env bash
# `buf breaking` for the contracts: on a branch, against main; on main itself, against the
# previous commit (what the last change did). BUF_AGAINST overrides, e.g. a tag of a release.
set -euo pipefail
cd "$(dirname "$0")/.."
against="${BUF_AGAINST:-}"
if [ -z "$against" ]; then
  branch="$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo HEAD)"
  if [ "$branch" != main ] && git rev-parse --verify -q main >/dev/null; then
    against="main"
  elif git rev-parse --verify -q HEAD~1 >/dev/null; then
    against="HEAD~1"
  else
    echo "buf breaking: no earlier revision to compare with; skipped" >&2
    exit 0
  fi
fi
if ! git cat-file -e "$against:proto/buf.yaml" 2>/dev/null; then
  echo "buf breaking: $against has no proto/buf.yaml; nothing to compare" >&2
  exit 0
fi
cd proto
./node_modules/.bin/buf breaking --against "../.git#ref=$(git rev-parse "$against"),subdir=proto"
echo "buf breaking: contracts compatible with $against" >&2
