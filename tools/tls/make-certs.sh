#!/usr/bin/env bash
# make-certs.sh DIR: a private CA and one server certificate signed by it, for Cairn's two
# network doors (NATS and the gateway's gRPC port) on one machine. Made once: files that
# exist are kept (run it again, nothing changes); a server certificate that no longer
# verifies against the CA is made anew. Used by tools/dev-cluster/dev-cluster.sh and the
# test harness (libs/testing, test-tls.ts).
#   DIR/ca.pem      the CA certificate (0644): what clients verify the servers with
#   DIR/ca.key      the CA key (0600): never leaves DIR
#   DIR/server.pem  the server certificate (0644), SANs 127.0.0.1 and localhost
#   DIR/server.key  its key (0600)
set -euo pipefail
[[ $# -eq 1 && $1 == /* ]] || { echo "usage: make-certs.sh /absolute/dir" >&2; exit 2; }
dir=$1
umask 077
mkdir -p "$dir"
chmod 0755 "$dir"
days_ca=3650
days_server=825

if [[ ! -s $dir/ca.pem || ! -s $dir/ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days "$days_ca" \
    -keyout "$dir/ca.key.tmp" -out "$dir/ca.pem.tmp" -subj "/CN=Cairn private CA $(hostname -s)" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  mv -f "$dir/ca.key.tmp" "$dir/ca.key"
  mv -f "$dir/ca.pem.tmp" "$dir/ca.pem"
  rm -f "$dir/server.pem" "$dir/server.key"
fi
chmod 0600 "$dir/ca.key"
chmod 0644 "$dir/ca.pem"

if [[ ! -s $dir/server.pem || ! -s $dir/server.key ]] ||
  ! openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null 2>&1; then
  ext=$(mktemp "$dir/ext.XXXXXX")
  csr=$(mktemp "$dir/csr.XXXXXX")
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' >"$ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout "$dir/server.key.tmp" -out "$csr" -subj "/CN=localhost" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -CAserial "$dir/ca.srl" \
    -days "$days_server" -sha256 -extfile "$ext" -out "$dir/server.pem.tmp" 2>/dev/null
  rm -f "$ext" "$csr"
  mv -f "$dir/server.key.tmp" "$dir/server.key"
  mv -f "$dir/server.pem.tmp" "$dir/server.pem"
fi
chmod 0600 "$dir/server.key"
chmod 0644 "$dir/server.pem"
