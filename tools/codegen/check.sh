#!/usr/bin/env bash
# Fails when libs/contracts/src/generated (ts-proto, for Node) or libs/portal-client/src/gen
# (Protobuf-ES, for the browser) is not what `buf generate` makes from proto/.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r libs/contracts/src/generated "$tmp/before"
cp -r libs/portal-client/src/gen "$tmp/before-web"
npx buf generate
for pair in "before:libs/contracts/src/generated" "before-web:libs/portal-client/src/gen"; do
  if ! diff -r "$tmp/${pair%%:*}" "${pair#*:}" >/dev/null; then
    echo "generated code is out of date: run 'npm run codegen' and commit the result" >&2
    diff -r "$tmp/${pair%%:*}" "${pair#*:}" | head -20 >&2
    exit 1
  fi
done
echo "generated code matches proto/"
