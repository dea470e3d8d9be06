#!/usr/bin/env bash
# The whole test suite: proto lint, breaking-change and drift checks, then through Nx the
# type-check and lint (no warnings allowed) of every project at once and the unit tests of
# every project, then the portal's
# production bundle, then every project's `integration` target (its test/*.int-spec.ts, and
# test/e2e for project e2e) through the real parts that tools/dev-cluster/dev-cluster.sh starts (this script brings it
# up first). The libraries' integration targets run one at a time, beside the end-to-end
# suites (two at a time, each with a stack of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=0
# CI runs every target for real: Nx keeps its cache under ~/.nx, shared by every clone on
# the machine, and a replayed integration result would not have touched the real parts.
if [[ "${CI:-}" == true ]]; then export NX_SKIP_NX_CACHE=true; fi
# PGlite (the embedded PostgreSQL some specs use) loads its WASM through a dynamic import,
# which Jest's sandbox allows only with this flag.
export NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}"

# Each step prints the seconds since the start, so a run's log shows where its time went.
step() { printf '\n==> [%ds] %s\n' "$SECONDS" "$*"; }

step "dev cluster and npm packages (idempotent: quick when already there)"
bash tools/dev-cluster/dev-cluster.sh up
[[ -d node_modules ]] || npm ci --no-audit --no-fund

step "protos and schemas: buf lint, buf breaking, plain protoc, generated code and workflow JSON Schema up to date"
npx buf lint proto
bash tools/codegen/breaking.sh
protoc -I proto --include_imports --descriptor_set_out=/dev/null proto/cairn/v1/*.proto
bash tools/codegen/check.sh
node -r ./tools/register.js tools/codegen/workflow-schema.ts --check
node -r ./tools/register.js tools/codegen/workflow-validator.ts --check
bash tools/nx/check-int-specs.sh

# Every project's typecheck and lint targets check the same files as these two, but each
# per-project process builds its own TypeScript program over everything its imports reach:
# fifty of them cost about 18 CPU-minutes here, one of each about 2.5 (docs/benchmarks.md, "CI").
step "type-check and lint every project (one TypeScript program per compiler configuration, one ESLint process; nx run tools:typecheck-workspace, tools:lint-workspace)"
npx nx run-many -t typecheck-workspace lint-workspace -p tools --outputStyle=static --parallel=2

step "unit tests of every project (nx run-many -t test)"
npx nx run-many -t test --outputStyle=static --parallel=2

step "the portal's production bundle (npx nx run portal:build: dist/apps/portal, which the gateway serves and the browser suites load)"
npx nx run portal:build --outputStyle=static

# The end-to-end suites (two at a time, each with its own stack) and the libraries'
# integration targets (one at a time) run side by side: most of their time is spent waiting
# on Slurm, so the 2-core machine has room for both (docs/benchmarks.md, "CI: run time").
# The libraries' output is shown after the end-to-end suites', whole.
step "integration and end-to-end tests (nx run-many -t integration: real Slurm, Charliecloud, NATS, PostgreSQL, registry): the libraries' targets, beside the end-to-end suites"
libs_log=$(mktemp /tmp/cairn-int-libs.XXXXXX)
npx nx run-many -t integration --exclude e2e --outputStyle=static --parallel=1 >"$libs_log" 2>&1 &
libs_pid=$!
e2e_rc=0
npx nx run e2e:integration --outputStyle=static || e2e_rc=$?
libs_rc=0
wait "$libs_pid" || libs_rc=$?
step "the libraries' integration targets (ran beside the end-to-end suites; exit $libs_rc)"
cat "$libs_log"
rm -f "$libs_log"
if ((e2e_rc != 0 || libs_rc != 0)); then
  step "failed: end-to-end exit $e2e_rc, libraries' integration exit $libs_rc"
  exit 1
fi
step "done"
