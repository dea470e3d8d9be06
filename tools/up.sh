#!/usr/bin/env bash
# Brings Cairn up on this machine and runs a sample job end to end:
#   1. the dev cluster (Slurm, munge, NATS+JetStream, PostgreSQL, OCI registry + test image),
#   2. npm packages (if missing),
#   3. every Cairn service as a background process (logs and pids in .cairn/),
#   4. `cairn job submit --watch` of a containerised command, printing its result,
#   5. the active-learning example workflow (examples/active-learning), watched to its end,
#      then its loop's metrics as a table and chart.
# The scheduler uses an embedded PostgreSQL (PGlite) unless CAIRN_DATABASE_URL is set.
# `bash tools/up.sh down` stops the services (the dev cluster keeps running).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN="$ROOT/.cairn"
SERVICES=(scheduler images staging provenance agent gateway)

# SIGTERM every service, then wait for each to end (at most 20 s, then SIGKILL): a new
# scheduler must not start while the old one still holds the embedded database.
stop_services() {
  local pids=() pid svc i
  for svc in "${SERVICES[@]}"; do
    if [[ -f "$RUN/$svc.pid" ]]; then
      pid=''
      read -r pid <"$RUN/$svc.pid" || true
      if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        pids+=("$pid")
      fi
      rm -f "$RUN/$svc.pid"
    fi
  done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "up: process $pid did not stop on SIGTERM within 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

if [[ "${1:-}" == "down" ]]; then
  stop_services
  echo "Cairn services stopped (the dev cluster runs on: tools/dev-cluster/dev-cluster.sh down)"
  exit 0
fi

bash tools/dev-cluster/dev-cluster.sh up
# shellcheck disable=SC1091
source "${CAIRN_DEV_STATE:-/var/lib/cairn-dev}/env"
[[ -d node_modules ]] || npm ci --no-audit --no-fund

mkdir -p "$RUN"
stop_services
# NATS takes no anonymous clients: the services connect as the dev cluster's services user
# (CAIRN_NATS_USER/PASSWORD from its env file), the agent as its site's confined user.
: "${CAIRN_NATS_USER:?no NATS user in the dev cluster env file; run tools/dev-cluster/dev-cluster.sh up}"
: "${CAIRN_DEV_AGENT_NATS_USER:?no agent NATS user in the dev cluster env file; run tools/dev-cluster/dev-cluster.sh up}"
site=${CAIRN_DEV_AGENT_SITE:-dev}
export CAIRN_DATA_DIR="$RUN/data" CAIRN_SITE=$site CAIRN_SITES=$site CAIRN_DEFAULT_SITE=$site
# Jobs run as the dev cluster's unprivileged job user (the agent refuses root); it must not
# read the services' logs and data here, only reach the agent's directory.
export CAIRN_AGENT_JOB_USER="${CAIRN_AGENT_JOB_USER:-cairn-job}"
chmod 0711 "$RUN"
for svc in "${SERVICES[@]}"; do
  if [[ $svc == agent ]]; then
    CAIRN_NATS_USER=$CAIRN_DEV_AGENT_NATS_USER CAIRN_NATS_PASSWORD=$CAIRN_DEV_AGENT_NATS_PASSWORD \
      nohup node -r ./tools/register.js "apps/$svc/src/main.ts" >"$RUN/$svc.log" 2>&1 &
  else
    nohup node -r ./tools/register.js "apps/$svc/src/main.ts" >"$RUN/$svc.log" 2>&1 &
  fi
  echo $! >"$RUN/$svc.pid"
done

deadline=$((SECONDS + 60))
for svc in "${SERVICES[@]}"; do
  until grep -q "\"msg\":\"cairn-$svc ready\"" "$RUN/$svc.log" 2>/dev/null; do
    read -r pid <"$RUN/$svc.pid"
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "cairn-$svc did not start; its log ($RUN/$svc.log) ends with:" >&2
      tail -n 5 "$RUN/$svc.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "==> cairn-$svc ready (log: .cairn/$svc.log)"
done

echo
echo "==> sample job: a containerised command through gateway -> scheduler -> agent -> Slurm"
node -r ./tools/register.js apps/cli/src/main.ts job submit --image lab/busybox:1.36 --name sample --time 2m --watch -- \
  /bin/sh -c 'echo "Hello from $(hostname), inside a container, in Slurm job $SLURM_JOB_ID"'
echo
echo "==> sample workflow: examples/active-learning (train, evaluate, select in a loop until val_accuracy >= 0.92)"
log="$RUN/sample-workflow.out"
node -r ./tools/register.js apps/cli/src/main.ts workflow submit examples/active-learning/workflow.yaml --watch | tee "$log"
run_id=$(grep -m 1 'submitted' "$log" | grep -oE '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}' | head -n 1 || true)
[[ -n $run_id ]] || { echo "up: no run id in the output of workflow submit" >&2; exit 1; }
node -r ./tools/register.js apps/cli/src/main.ts workflow metrics "$run_id"
echo
echo "Cairn is up: gRPC on 127.0.0.1:50051. Try: tools/cairn job list, tools/cairn workflow get $run_id"
echo "Stop the services with: bash tools/up.sh down"
