#!/usr/bin/env bash
# Fails when libs/contracts/src/generated is not what `buf generate` makes from proto/.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r libs/contracts/src/generated "$tmp/before"
npx buf generate
if ! diff -r "$tmp/before" libs/contracts/src/generated >/dev/null; then
  echo "generated code is out of date: run 'npm run codegen' and commit the result" >&2
  diff -r "$tmp/before" libs/contracts/src/generated | head -20 >&2
  exit 1
fi
echo "generated code matches proto/"
