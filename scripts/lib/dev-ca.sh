#!/usr/bin/env bash
# A development certificate authority for gRPC over mutual TLS (docs/security.md, "Mutual TLS"):
# what cert-manager does in the clusters, done with openssl in a directory of the run, so that
# scripts/start.sh (JINLIAN_TLS=1) and the tests can run the nodes as deployed. Never for production.
#   bash scripts/lib/dev-ca.sh <dir> <name>...
# Makes <dir>/ca.pem and ca-key.pem once, then for each name <dir>/<name>.pem and <name>-key.pem:
# an ECDSA P-256 certificate for both server and client use, naming DNS:<name>, DNS:localhost,
# IP:127.0.0.1 and URI:spiffe://jinlian/<name> (the identity a node sees the caller by). An
# existing certificate is kept unless it expires within a day; delete it to renew it.
set -euo pipefail

[ $# -ge 2 ] || {
  echo "usage: $0 <dir> <name>..." >&2
  exit 64
}
dir="$1"
shift
command -v openssl >/dev/null || {
  echo "dev-ca.sh: openssl is required (apt-get install openssl)" >&2
  exit 69
}
mkdir -p "$dir"
chmod 700 "$dir"
umask 077

fresh() { [ -f "$1" ] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1; }

if ! fresh "$dir/ca.pem"; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/O=Jinlian development/CN=Jinlian development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  # A new CA makes every certificate it did not sign useless.
  for old in "$dir"/*.pem; do
    case "$(basename "$old")" in ca.pem | ca-key.pem) ;; *) rm -f "$old" ;; esac
  done
fi

for name in "$@"; do
  [[ "$name" =~ ^[a-z0-9][a-z0-9.-]{0,62}$ ]] || {
    echo "dev-ca.sh: '$name' is not a DNS label" >&2
    exit 64
  }
  fresh "$dir/$name.pem" && continue
  ext="$(mktemp)"
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1,URI:spiffe://jinlian/$name" >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=Jinlian development/CN=$name" \
    -keyout "$dir/$name-key.pem" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial -days 7 \
    -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
done
