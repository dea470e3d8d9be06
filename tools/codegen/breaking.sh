#!/usr/bin/env bash
# `buf breaking`: fails when proto/ breaks the last release of the protos, which is the
# newest git tag protos-v* when there is one, else the committed image proto/baseline.binpb
# (see docs/adr/0008-proto-breaking-baseline.md). Offline: both are local.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=$(git tag --list 'protos-v*' --sort=-v:refname | head -n 1)
if [[ -n "$tag" ]]; then
  against=".git#tag=${tag},subdir=proto"
else
  against="proto/baseline.binpb"
fi
npx buf breaking proto --against "$against"
echo "protos are compatible with ${tag:-proto/baseline.binpb}"
