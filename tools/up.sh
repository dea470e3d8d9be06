#!/usr/bin/env bash
# Brings Cairn up on this machine and runs a sample job end to end:
#   1. the dev cluster (Slurm, munge, NATS+JetStream, PostgreSQL, OCI registry + test image),
#   2. npm packages (if missing),
#   3. every Cairn service as a background process (logs and pids in .cairn/),
#   4. `cairn login` as alice at the dev IdP (the device flow, her part played by
#      tools/dev-login.ts), then `cairn whoami`; carol (an admin) publishes the active-learning
#      example as a template (examples/active-learning/template.yaml),
#   5. `cairn job submit --watch` of a containerised command as alice, printing its result,
#   6. the active-learning example workflow (examples/active-learning), watched to its end,
#      then its loop's metrics as a table and chart,
#   7. the web portal's URL and a login that works (the gateway serves the portal's built
#      bundle, dist/apps/portal, built here with `npx nx run portal:build` when missing or stale).
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

# The portal's production bundle, which the gateway serves: built when missing or older
# than its sources.
portal_index=dist/apps/portal/index.html
if [[ ! -f $portal_index ]] || [[ -n $(find apps/portal libs/portal-client libs/portal-ui libs/portal-views -newer "$portal_index" -type f -print -quit 2>/dev/null) ]]; then
  echo "==> building the portal (npx nx run portal:build)"
  NX_DAEMON=false npx nx run portal:build --outputStyle=static
fi

mkdir -p "$RUN"
stop_services
# NATS takes only TLS clients with a user: each service connects as its own (cairn-<service>),
# the agent as its site's (agent-<site>), each reading its password from the dev cluster's
# file (CAIRN_NATS_PASSWORD_FILE). The gateway serves gRPC over TLS with the dev cluster's
# certificate; the CLI trusts its CA (CAIRN_GRPC_CA, from the env file).
: "${CAIRN_DEV_NATS_PASSWORD_DIR:?no NATS passwords in the dev cluster env file; run tools/dev-cluster/dev-cluster.sh up}"
: "${CAIRN_DEV_TLS_DIR:?no TLS certificates in the dev cluster env file; run tools/dev-cluster/dev-cluster.sh up}"
site=${CAIRN_DEV_AGENT_SITE:-dev}
export CAIRN_DATA_DIR="$RUN/data" CAIRN_SITE=$site CAIRN_SITES=$site CAIRN_DEFAULT_SITE=$site
# Images (docs/images.md): unqualified names on the dev registry (CAIRN_REGISTRY's default is
# docker.io), the dev cluster's three registries over plain HTTP and allowed at every site,
# the credentials of the basic-auth and token-auth ones from the dev auth file.
dev_registries=$(printf '%s\n' "${CAIRN_REGISTRY:-127.0.0.1:5000}" "${CAIRN_DEV_BASIC_REGISTRY:-}" "${CAIRN_DEV_TOKEN_REGISTRY:-}" | awk 'NF && !seen[$0]++' | paste -sd, -)
export CAIRN_REGISTRY="${CAIRN_REGISTRY:-127.0.0.1:5000}" CAIRN_INSECURE_REGISTRIES="$dev_registries" CAIRN_REGISTRY_ALLOW="${CAIRN_REGISTRY_ALLOW:-$dev_registries}"
if [[ -n ${CAIRN_DEV_REGISTRY_AUTH_FILE:-} && -r $CAIRN_DEV_REGISTRY_AUTH_FILE ]]; then
  export CAIRN_REGISTRY_AUTH_FILE=$CAIRN_DEV_REGISTRY_AUTH_FILE
fi
# Jobs run as the dev cluster's unprivileged job user (the agent refuses root); it must not
# read the services' logs and data here, only reach the agent's directory.
export CAIRN_AGENT_JOB_USER="${CAIRN_AGENT_JOB_USER:-cairn-job}"
chmod 0711 "$RUN"
# The gateway trusts the dev IdP and maps each person by preferred_username to the POSIX
# user of that name and the Slurm accounts the dev cluster gave them (docs/identity.md).
: "${CAIRN_DEV_IDP_ISSUER:?no dev IdP in the dev cluster env file; run tools/dev-cluster/dev-cluster.sh up}"
export CAIRN_IDENTITY_CONFIG="$RUN/identity.json"
(
  umask 077
  jq -n --arg issuer "$CAIRN_DEV_IDP_ISSUER" --arg audience "${CAIRN_DEV_IDP_AUDIENCE:-cairn}" --arg map "$RUN/identity-map.json" \
    '{issuers: [{issuer: $issuer, audience: $audience}], mappingFile: $map, mapping: [{rule: "template", template: "{preferred_username}"}]}' \
    >"$CAIRN_IDENTITY_CONFIG"
  jq -n --arg a "${CAIRN_DEV_ALICE_ACCOUNTS:-}" --arg b "${CAIRN_DEV_BOB_ACCOUNTS:-}" --arg c "${CAIRN_DEV_CAROL_ACCOUNTS:-}" \
    '{accounts: {alice: ($a | split(",")), bob: ($b | split(",")), carol: ($c | split(","))}}' >"$RUN/identity-map.json"
)
for svc in "${SERVICES[@]}"; do
  user=cairn-$svc
  [[ $svc == agent ]] && user=agent-$site
  if [[ $svc == gateway ]]; then
    # The web portal: HTTPS (HTTP/2) with the same certificate, at the URL whose redirect URI
    # the dev IdP registered for cairn-portal (tools/dev-cluster: PORTAL_URL).
    portal_url=${CAIRN_DEV_PORTAL_URL:-https://127.0.0.1:8443}
    CAIRN_PORTAL_ADDRESS=${portal_url#https://} CAIRN_PORTAL_PUBLIC_URL=$portal_url \
      CAIRN_TLS_CERT_FILE=$CAIRN_DEV_TLS_DIR/server.pem CAIRN_TLS_KEY_FILE=$CAIRN_DEV_TLS_DIR/server.key \
      CAIRN_NATS_USER=$user CAIRN_NATS_PASSWORD_FILE=$CAIRN_DEV_NATS_PASSWORD_DIR/$user.password \
      nohup node -r ./tools/register.js "apps/$svc/src/main.ts" >"$RUN/$svc.log" 2>&1 &
  else
    CAIRN_NATS_USER=$user CAIRN_NATS_PASSWORD_FILE=$CAIRN_DEV_NATS_PASSWORD_DIR/$user.password \
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

# The CLI's settings for the dev cluster (issuer, gateway, its CA), so that tools/cairn works
# in any shell afterwards; a config file of your own is left alone.
cli_config_dir=$HOME/.config/cairn
[[ ${XDG_CONFIG_HOME:-} == /* ]] && cli_config_dir=$XDG_CONFIG_HOME/cairn
if [[ ! -e $cli_config_dir/config.yaml ]] || head -n 1 "$cli_config_dir/config.yaml" | grep -q '^# Written by tools/up.sh'; then
  mkdir -p -m 0700 "$cli_config_dir"
  printf '# Written by tools/up.sh for the dev cluster (delete this line to keep your edits).\nissuer: %s\ngateway: 127.0.0.1:50051\ngrpcCa: %s\n' \
    "$CAIRN_DEV_IDP_ISSUER" "${CAIRN_GRPC_CA:-}" >"$cli_config_dir/config.yaml"
  [[ -n ${CAIRN_GRPC_CA:-} ]] || sed -i '/^grpcCa: $/d' "$cli_config_dir/config.yaml"
fi
export CAIRN_ISSUER=$CAIRN_DEV_IDP_ISSUER

echo
echo "==> cairn login as alice: what a person does is printed below; her part at the dev IdP's pages is played for her"
: "${CAIRN_DEV_IDP_PASSWORDS_FILE:?no dev IdP passwords in the dev cluster env file; run tools/dev-cluster/dev-cluster.sh up}"
node -r ./tools/register.js tools/dev-login.ts alice "$CAIRN_DEV_IDP_PASSWORDS_FILE"
node -r ./tools/register.js apps/cli/src/main.ts whoami

echo
echo "==> the active-learning template, published by carol (an admin), for the portal's Templates page"
# carol logs in with a CLI config of her own (alice's login above stays the default).
carol_config=$RUN/carol-config
mkdir -p -m 0700 "$carol_config/cairn"
cp "$cli_config_dir/config.yaml" "$carol_config/cairn/config.yaml"
XDG_CONFIG_HOME=$carol_config node -r ./tools/register.js tools/dev-login.ts carol "$CAIRN_DEV_IDP_PASSWORDS_FILE" >/dev/null
XDG_CONFIG_HOME=$carol_config node -r ./tools/register.js apps/cli/src/main.ts template publish examples/active-learning/template.yaml

echo
echo "==> sample job, as alice: a containerised command through gateway -> scheduler -> agent -> Slurm"
node -r ./tools/register.js apps/cli/src/main.ts job submit --image lab/busybox:1.36 --name sample --time 2m --watch -- \
  /bin/sh -c 'echo "Hello from $(hostname), inside a container, in Slurm job $SLURM_JOB_ID"'
echo
echo "==> sample workflow, as alice: examples/active-learning (train, evaluate, select in a loop until val_accuracy >= 0.92)"
log="$RUN/sample-workflow.out"
node -r ./tools/register.js apps/cli/src/main.ts workflow submit examples/active-learning/workflow.yaml --watch | tee "$log"
run_id=$(grep -m 1 'submitted' "$log" | grep -oE '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}' | head -n 1 || true)
[[ -n $run_id ]] || { echo "up: no run id in the output of workflow submit" >&2; exit 1; }
node -r ./tools/register.js apps/cli/src/main.ts workflow metrics "$run_id"
echo
echo "Cairn is up: gRPC on 127.0.0.1:50051, you are logged in as alice. Try: tools/cairn job list, tools/cairn workflow get $run_id"
echo "Log in as someone else with tools/cairn login (the dev IdP's passwords: $CAIRN_DEV_IDP_PASSWORDS_FILE)"
echo
echo "The web portal: ${portal_url:-https://127.0.0.1:8443}"
echo "  log in as alice, password $(jq -r .alice "$CAIRN_DEV_IDP_PASSWORDS_FILE") (bob and carol: same file)"
echo "  its certificate is signed by the dev cluster's CA ($CAIRN_DEV_TLS_DIR/ca.pem): trust that CA in your browser, or accept the warning once"
echo "Stop the services with: bash tools/up.sh down"
