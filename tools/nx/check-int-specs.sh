#!/usr/bin/env bash
# Fails when an integration spec (*.int-spec.ts) is in no project's `integration` target,
# i.e. not matched by any jest.int.config.js: every suite must run exactly once.
set -euo pipefail
cd "$(dirname "$0")/../.."
specs=$(git ls-files --cached --others --exclude-standard '*.int-spec.ts' | sort)
covered=$(npx jest -c jest.integration.config.js --listTests | sed "s#^$PWD/##" | sort)
missing=$(comm -23 <(echo "$specs") <(echo "$covered"))
if [[ -n "$missing" ]]; then
  echo "integration specs outside every integration target (add a jest.int.config.js beside the project.json):" >&2
  echo "$missing" >&2
  exit 1
fi
echo "$(echo "$specs" | wc -l) integration specs, each in one project's integration target"
