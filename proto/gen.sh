#!/usr/bin/env bash
# Generates the TypeScript bindings (ts-proto) and a descriptor set (for gRPC reflection) from
# the contracts. Output lands in gen/ and is never edited by hand.
set -euo pipefail
cd "$(dirname "$0")"
BUF=./node_modules/.bin/buf
rm -rf gen
mkdir -p gen/third_party/google/rpc
# google.rpc.Status and BadRequest are the rich error model; the Buf registry is unreachable,
# so the two files come from the google-proto-files package.
cp node_modules/google-proto-files/google/rpc/status.proto node_modules/google-proto-files/google/rpc/error_details.proto gen/third_party/google/rpc/
cat > gen/third_party/buf.yaml <<'YAML'
version: v2
YAML
"$BUF" generate
"$BUF" generate gen/third_party --template buf.gen.yaml
# One image of every contract (imports included) for server reflection.
"$BUF" build -o gen/jinlian.binpb
echo "proto: generated $(find gen -name '*.ts' | wc -l) TypeScript files" >&2
