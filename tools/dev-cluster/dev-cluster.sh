#!/usr/bin/env bash
# dev-cluster.sh: bring up Cairn's real backing services on one Debian 12 machine.
#
# Parts: munge, Slurm 22.05 (slurmctld + slurmd, one node, partition "debug"),
# NATS 2.9 with JetStream, PostgreSQL 15, an OCI registry (distribution 2.8) and two
# test images in that registry, checked end to end with Charliecloud: a small busybox
# image and a Debian 12 image with python3 and NumPy (built with mmdebstrap, no Docker).
# Debian's chromium (with fonts) for the portal's browser tests; python3-prov and rdflib
# for the provenance exports' tests.
# A third image, lab/cairn-examples:1, is the python image plus the runnable examples'
# scripts (examples/*/app/*.py at /app/<example>/): one umoci layer, rebuilt only when
# those files change. And the unprivileged user cairn-job (own group), which Cairn's
# agent runs every job as (it refuses root).
#
# The dev identity world: the local users alice, bob and carol (own groups, homes), and
# Slurm accounting (slurmdbd over MariaDB, started before slurmctld) that enforces who may
# charge which account: alice-lab (alice; her default), genomics (alice, bob; bob's
# default), ops (carol), and cairn (root and cairn-job; their default). sbatch refuses any
# other account; sacct shows every job's account and user. MariaDB listens on its socket
# only; slurmdbd's database password is generated once into $STATE/slurmdbd/db.secret.
#
# The dev IdP (tools/dev-idp, the oidc-provider package) on 127.0.0.1:5556: OpenID provider
# of alice, bob and carol for `cairn login` and the tests, clients cairn-cli (device flow),
# cairn-portal and cairn-ci (client credentials). Its passwords, client secret, cookie keys
# and signing keys are generated once into $STATE/idp (root only, 0600 files). It runs from
# this checkout's node_modules (npm ci first if there is none).
#
# The images tests' registries (tools/dev-cluster/registries.sh): a basic-auth registry on
# 127.0.0.1:5001, a token-auth registry on 127.0.0.1:5002 with its token server
# (tools/dev-registry-auth) on 127.0.0.1:5003, one containers-auth.json (0600) with the
# credentials of both (generated once), lab/busybox:1.36 in both, and a multi-platform index
# 127.0.0.1:5000/lab/multiarch:1 (linux/amd64 and linux/arm64, different configs).
#
# Usage: dev-cluster.sh [up|status|down|env|clear-jobs]
#   up      (default) install missing Debian packages, start every part that is not
#           already answering, write $STATE/env, print a status table. Idempotent.
#   status  one line per part, up or down; exit 0 only if every part is up.
#   down    stop everything up started; keeps all data. Idempotent.
#   env     print $STATE/env (source it: `. <(dev-cluster.sh env)`).
#   clear-jobs  cancel every job Slurm still holds and wait until its queue is empty and
#           the node idle. slurmctld keeps jobs across restarts (StateSaveLocation), so a
#           machine used before (a benchmark's sweep, a run left going) would start them
#           again under the next test run; CI calls this after up.
#
# Environment:
#   CAIRN_DEV_STATE    state directory (default /var/lib/cairn-dev)
#   CAIRN_DEV_SITES    sites that get a NATS agent user (space-separated; default dev;
#                      the env file names the first one's user)
#   CAIRN_DEV_TIMEOUT  seconds to wait for each part to answer (default 30)
#   CAIRN_DEV_BUILD_TIMEOUT  seconds allowed for the python image's mmdebstrap
#                      run (default 900)
#   CAIRN_EXAMPLES_DIR the examples whose app/*.py go into the examples image
#                      (default: examples/ of this checkout)
#
# Machine facts this relies on are in /work/shared/FIELD-NOTES.md: no systemd,
# apt-get never starts daemons, every daemon is started here by hand.
set -euo pipefail

STATE="${CAIRN_DEV_STATE:-/var/lib/cairn-dev}"
LOGS="$STATE/logs"
TIMEOUT="${CAIRN_DEV_TIMEOUT:-30}"
BUILD_TIMEOUT="${CAIRN_DEV_BUILD_TIMEOUT:-900}"

PACKAGES=(slurm-wlm munge nats-server postgresql charliecloud-runtime squashfs-tools
  squashfuse skopeo umoci docker-registry busybox-static jq curl python3-grpcio
  python3-grpc-tools procps protobuf-compiler libprotobuf-dev mmdebstrap)
PACKAGES+=(mariadb-server slurmdbd) # Slurm accounting
PACKAGES+=(openssl) # the private CA and server certificates (tools/tls/make-certs.sh)
PACKAGES+=(gcc libc6-dev) # the agent builds its static item runner (ADR 0016)
# The portal's browser tests: Debian's Chromium, driven by playwright-core (never a
# downloaded browser), and fonts for it to draw text with (--no-install-recommends leaves
# Chromium without any).
PACKAGES+=(chromium fonts-liberation fonts-dejavu-core)
# The provenance exports' tests: an independent PROV implementation reads every PROV-JSON
# export (python3-prov), and rdflib parses the RO-Crate's JSON-LD.
PACKAGES+=(python3-prov python3-rdflib)
# The images tests' registries with authentication (tools/dev-cluster/registries.sh):
# htpasswd -B makes the basic-auth registry's bcrypt entry.
PACKAGES+=(apache2-utils)

# Slurm
SLURM_CONF=/etc/slurm/slurm.conf
SLURM_PARTITION=debug
SLURMCTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
SLURM_LOG_DIR=/var/log/slurm
# Slurm accounting: slurmdbd over MariaDB. MariaDB listens on its Unix socket only
# (no TCP port) with its data in the Debian default /var/lib/mysql; its options are
# MARIADB_CONF, and MARIADB_STAMP holds the hash of the options the running server was
# started with (a change restarts it). slurmdbd's database password is generated once
# into ACCT_DB_SECRET (root only, 0600) and reaches slurmdbd through SLURMDBD_CONF
# (slurm only, 0600).
SLURM_CLUSTER=cairn-dev
SLURMDBD_CONF=/etc/slurm/slurmdbd.conf
SLURMDBD_PID=/run/slurmdbd.pid
SLURMDBD_PORT=6819
ACCT_DIR="$STATE/slurmdbd"
ACCT_DB=slurm_acct_db
ACCT_DB_USER=slurm
ACCT_DB_SECRET="$ACCT_DIR/db.secret"
MARIADB_CONF="$ACCT_DIR/mariadb.cnf"
MARIADB_STAMP="$ACCT_DIR/mariadb.cnf.running"
MARIADB_PID="$ACCT_DIR/mariadbd.pid"
MARIADB_DATA=/var/lib/mysql
MARIADB_SOCKET=/run/mysqld/mysqld.sock
# Slurm accounts and who may charge them (AccountingStorageEnforce=associations, so Slurm
# itself refuses any other account). Each PEOPLE_ASSOCS entry is user:account[,account...]
# with the user's default account first. SERVICE_ACCOUNT is for root and the job user
# (JOB_USER), which Cairn and its tests submit as; it is their default.
SLURM_SERVICE_ACCOUNT=cairn
SLURM_ACCOUNTS=(alice-lab genomics ops "$SLURM_SERVICE_ACCOUNT")
PEOPLE_ASSOCS=("alice:alice-lab,genomics" "bob:genomics" "carol:ops")
# munge
MUNGE_PID=/run/munge/munged.pid
# The unprivileged user (and group of the same name) Cairn's jobs run as.
JOB_USER=cairn-job
# The dev identity world's people: local POSIX users (own primary group, uid >= 1000,
# a home directory), the same names as the dev IdP's accounts.
PEOPLE=(alice bob carol)
# NATS
NATS_DIR="$STATE/nats"
NATS_CONF="$NATS_DIR/nats.conf"
NATS_PID="$NATS_DIR/nats.pid"
NATS_URL=tls://127.0.0.1:4222
NATS_MONITOR=http://127.0.0.1:8222
# TLS only, and every connection is authenticated: one user per service and one per site's
# agent, each held to the subjects it needs. The users come from deploy/nats/grants.json
# (generated from libs/contracts/src/nats-permissions.ts) through the one renderer,
# tools/nats-users/render-users.sh, into NATS_USERS. Each user's password is generated once
# into NATS_PASSWORDS/<user>.password (root only, 0600) and reaches nats-server in its
# environment (CAIRN_NATS_PASSWORD_<USER>), so no config file holds a secret; the services
# read theirs with CAIRN_NATS_PASSWORD_FILE. NATS_STAMP holds the hash of the config the
# running server was started with, so a changed config restarts it.
NATS_USERS="$NATS_DIR/users.conf"
NATS_PASSWORDS="$NATS_DIR/passwords"
NATS_STAMP="$NATS_DIR/nats.conf.running"
read -r -a NATS_SITES <<<"${CAIRN_DEV_SITES:-dev}"
CAIRN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NATS_GRANTS="$CAIRN_ROOT/deploy/nats/grants.json"
# A private CA and one server certificate (SANs 127.0.0.1, localhost) for NATS and the
# gateway's gRPC port, made once by tools/tls/make-certs.sh; clients trust TLS_DIR/ca.pem.
TLS_DIR="$STATE/tls"
# PostgreSQL
PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
# The test role's password is generated once into PG_SECRET (root only, 0600); the env file
# (0600) hands the URL with it to the tests (database_url); status shows it without.
PG_SECRET="$STATE/postgres/cairn.secret"
DATABASE_URL_SHOWN="postgres://cairn@127.0.0.1:$PG_PORT/cairn"
# OCI registry and test image
REGISTRY=127.0.0.1:5000
REGISTRY_DIR="$STATE/registry"
REGISTRY_CONF="$REGISTRY_DIR/config.yml"
REGISTRY_PID="$REGISTRY_DIR/registry.pid"
TEST_REPO=lab/busybox
TEST_TAG=1.36
TEST_IMAGE="$REGISTRY/$TEST_REPO:$TEST_TAG"
TEST_VERIFIED="$STATE/test-image.verified" # digest last checked with ch-run
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
# Python test image: Debian 12 + python3 + python3-numpy, built with mmdebstrap.
# Change PY_TAG whenever the recipe changes: an existing tag is never rebuilt.
PY_REPO=lab/python-numpy
PY_TAG=1
PY_IMAGE="$REGISTRY/$PY_REPO:$PY_TAG"
PY_SUITE=bookworm
PY_PACKAGES=python3,python3-numpy
PY_CACHE="$STATE/images/python-numpy" # OCI layout kept after a build (pushed again after a registry wipe)
PY_VERIFIED="$STATE/python-image.verified" # digest last checked with ch-run
PY_LOCK="$STATE/python-image.lock"
# Examples image: the python image plus examples/*/app/*.py under /app/<example>/ and
# empty /cairn/{run,work,data} bind targets, as one more layer (umoci insert) on the cached
# python layout. The same tag is rebuilt whenever its inputs change: the scripts, the
# python image or EX_RECIPE (bump it when the recipe below changes).
EX_REPO=lab/cairn-examples
EX_TAG=1
EX_IMAGE="$REGISTRY/$EX_REPO:$EX_TAG"
EX_RECIPE=1
EX_SRC="${CAIRN_EXAMPLES_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/examples}"
EX_CACHE="$STATE/images/cairn-examples" # OCI layout of the last build (pushed again after a registry wipe)
EX_INPUTS="$STATE/examples-image.inputs" # hash of the inputs EX_CACHE was built from
EX_VERIFIED="$STATE/examples-image.verified" # digest last checked with ch-run
EX_LOCK="$STATE/examples-image.lock"

# Dev IdP (tools/dev-idp): issuer IDP_ISSUER, access tokens for audience IDP_AUDIENCE. Its
# state (the generated secrets, the signing keystore) is IDP_STATE; IDP_STAMP holds the hash
# of the code and settings the running IdP was started with (a change restarts it: its
# sessions and refresh tokens are in memory, so people log in again).
IDP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IDP_HOST=127.0.0.1
IDP_PORT=5556
IDP_ISSUER="http://$IDP_HOST:$IDP_PORT"
IDP_AUDIENCE=cairn
IDP_STATE="$STATE/idp"
IDP_PID="$IDP_STATE/idp.pid"
IDP_STAMP="$IDP_STATE/idp.running"
# The web portal tools/up.sh starts with the gateway (HTTPS with the dev certificate, HTTP/2):
# its redirect URI is registered for the IdP's cairn-portal client, with the plain-HTTP one a
# developer may use instead (CAIRN_PORTAL_PLAINTEXT=true on 127.0.0.1:8080).
PORTAL_URL="https://127.0.0.1:8443"
PORTAL_REDIRECT_URIS=("$PORTAL_URL/auth/callback" "http://127.0.0.1:8080/auth/callback")

ENV_FILE="$STATE/env"

# The images tests' registries: basic auth on 127.0.0.1:5001, token auth on 127.0.0.1:5002
# with its token server (tools/dev-registry-auth) on 127.0.0.1:5003, one auth file with the
# credentials of both, and a multi-platform index in the open registry.
# shellcheck source=tools/dev-cluster/registries.sh
. "$CAIRN_ROOT/tools/dev-cluster/registries.sh"

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

# Microseconds since the epoch (EPOCHREALTIME's separator depends on the locale).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }

# elapsed START_US: "1.8 s"
elapsed() {
  local us=$(($(now_us) - $1))
  printf '%d.%d s' $((us / 1000000)) $(((us / 100000) % 10))
}

# say PART MESSAGE: a progress line.
say() { printf '==> %s: %s\n' "$1" "$2"; }

# die MESSAGE [LOG]: print an error (and the tail of LOG if given), exit 1.
die() {
  printf 'dev-cluster: error: %s\n' "$1" >&2
  if [[ -n ${2:-} && -r ${2:-} ]]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 15 "$2" >&2 || true
  fi
  exit 1
}

need_root() {
  [[ $EUID -eq 0 ]] || die "'$1' must run as root (it installs packages and starts daemons)"
}

# wait_until PART LOG [--pid PIDFILE NAME] CMD...: run CMD until it succeeds, at
# most $TIMEOUT seconds. With --pid, give up at once if that process has exited.
wait_until() {
  local part=$1 log=$2 pidfile='' name=''
  shift 2
  if [[ ${1:-} == --pid ]]; then
    pidfile=$2 name=$3
    shift 3
  fi
  local deadline=$(($(now_us) + TIMEOUT * 1000000))
  until "$@"; do
    if [[ -n $pidfile ]] && ! pid_alive "$pidfile" "$name"; then
      die "$part exited while starting; see its log: $log" "$log"
    fi
    if (($(now_us) >= deadline)); then
      die "$part did not answer within ${TIMEOUT} s; see its log: $log" "$log"
    fi
    sleep 0.2
  done
}

# pid_alive PIDFILE NAME: the pid in PIDFILE is a running process called NAME.
# Reads with `read`, not $(<file): in bash 5.2 a $(<file) whose file vanished
# (daemons delete their pid files as they exit) ends the script under set -e
# even inside `if` or `||`.
pid_alive() {
  local pid comm
  read -r pid 2>/dev/null <"$1" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
  [[ $comm == "$2" ]]
}

# stop_pidfile PART PIDFILE NAME: SIGTERM the process, wait, SIGKILL if it lingers.
stop_pidfile() {
  local part=$1 file=$2 name=$3 t0 pid
  t0=$(now_us)
  if ! pid_alive "$file" "$name"; then
    say "$part" "not running"
    rm -f "$file"
    return 0
  fi
  read -r pid 2>/dev/null <"$file" || pid=
  if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
  local i
  for ((i = 0; i < 75; i++)); do # 15 s
    pid_alive "$file" "$name" || break
    sleep 0.2
  done
  if pid_alive "$file" "$name"; then
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
    say "$part" "did not stop on SIGTERM, killed"
  fi
  rm -f "$file"
  say "$part" "stopped ($(elapsed "$t0"))"
}

# http_ok URL [CURL ARGS...]: URL answers 2xx within 2 s.
http_ok() {
  local url=$1
  shift
  curl -fs --max-time 2 -o /dev/null "$@" "$url"
}

# write_if_changed FILE: write stdin to FILE only if the content differs.
# Returns 0 if FILE was (re)written, 1 if it was already up to date.
write_if_changed() {
  local file=$1 tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$file"
  return 0
}

# ---------------------------------------------------------------------------
# Health checks (used by up, status and down)
# ---------------------------------------------------------------------------

munge_up() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

slurmctld_up() {
  local out
  out=$(scontrol ping 2>/dev/null) || return 1
  [[ $out == *"is UP"* ]]
}

slurmd_up() { pid_alive "$SLURMD_PID" slurmd; }

mariadb_up() { mariadb-admin --protocol=socket --socket="$MARIADB_SOCKET" ping >/dev/null 2>&1; }

# slurmdbd runs and takes connections on its port.
slurmdbd_up() {
  pid_alive "$SLURMDBD_PID" slurmdbd && (exec 3<>"/dev/tcp/127.0.0.1/$SLURMDBD_PORT") 2>/dev/null
}

# The controller holds every association up sets (it enforces them from its cache).
accounting_up() {
  local have
  have=$(acct_controller_assocs) || return 1
  [[ -z $(comm -23 <(acct_wanted_assocs | sort) <(sort <<<"$have")) ]]
}

# The node's state as sinfo prints it (idle, mix, alloc, down*, drain, ...).
slurm_node_state() { sinfo -h -N -n "$(hostname -s)" -o %t 2>/dev/null | head -n 1; }

nats_up() { http_ok "$NATS_MONITOR/jsz"; }

# NATS answers and refuses anonymous clients.
nats_secure_up() { nats_up && nats_auth_required; }

postgres_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }

registry_up() { http_ok "http://$REGISTRY/v2/"; }

# tag_up REPO TAG: the registry has REPO:TAG (an OCI manifest).
tag_up() {
  http_ok "http://$REGISTRY/v2/$1/manifests/$2" -I -H "Accept: $OCI_MANIFEST"
}

# tag_digest REPO TAG: the registry's digest for REPO:TAG (empty if absent).
tag_digest() {
  curl -fsI --max-time 2 -H "Accept: $OCI_MANIFEST" \
    "http://$REGISTRY/v2/$1/manifests/$2" 2>/dev/null |
    tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }' || true
}

test_image_up() { tag_up "$TEST_REPO" "$TEST_TAG"; }
test_image_digest() { tag_digest "$TEST_REPO" "$TEST_TAG"; }
python_image_up() { tag_up "$PY_REPO" "$PY_TAG"; }
python_image_digest() { tag_digest "$PY_REPO" "$PY_TAG"; }
examples_image_up() { tag_up "$EX_REPO" "$EX_TAG"; }
examples_image_digest() { tag_digest "$EX_REPO" "$EX_TAG"; }

# ---------------------------------------------------------------------------
# up: packages
# ---------------------------------------------------------------------------

ensure_packages() {
  local t0 missing=() p
  t0=$(now_us)
  for p in "${PACKAGES[@]}"; do
    if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    say packages "all ${#PACKAGES[@]} installed ($(elapsed "$t0"))"
    return 0
  fi
  say packages "installing ${missing[*]}"
  # apt must never start daemons (this script starts them); make sure of it
  # on machines that do not already have a policy-rc.d saying so.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
  fi
  local log="$LOGS/apt.log" rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  } >>"$log" 2>&1 || rc=$?
  ((own_policy)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get failed installing: ${missing[*]}; see $log" "$log"
  say packages "installed ${#missing[@]} ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: munge
# ---------------------------------------------------------------------------

start_munge() {
  local t0 log="$LOGS/munged.out"
  t0=$(now_us)
  if munge_up; then
    say munge "already up"
    return 0
  fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    runuser -u munge -- mungekey --create >>"$log" 2>&1 ||
      die "munge: could not create /etc/munge/munge.key; see $log" "$log"
  fi
  mkdir -p /run/munge
  chown munge:munge /run/munge
  chmod 0755 /run/munge
  # munged daemonises itself; its own log is /var/log/munge/munged.log.
  runuser -u munge -- /usr/sbin/munged </dev/null >>"$log" 2>&1 ||
    die "munge: munged failed to start; see $log and /var/log/munge/munged.log" "$log"
  wait_until munge /var/log/munge/munged.log munge_up
  say munge "started ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: Slurm
# ---------------------------------------------------------------------------

# The NodeName line: short hostname plus the hardware slurmd -C detects.
slurm_node_line() {
  local host hw word fields=()
  host=$(hostname -s)
  hw=$(slurmd -C | head -n 1) || die "slurm: 'slurmd -C' failed"
  for word in $hw; do
    case ${word%%=*} in
    CPUs | Boards | SocketsPerBoard | CoresPerSocket | ThreadsPerCore | RealMemory)
      fields+=("$word")
      ;;
    esac
  done
  ((${#fields[@]} == 6)) || die "slurm: unexpected 'slurmd -C' output: $hw"
  echo "NodeName=$host NodeHostname=$host NodeAddr=127.0.0.1 ${fields[*]} State=UNKNOWN"
}

# slurm_conf NODE_LINE
slurm_conf() {
  cat <<EOF
# Written by tools/dev-cluster/dev-cluster.sh; local edits are overwritten.
# Single-node Slurm 22.05 for Cairn development and CI.
ClusterName=$SLURM_CLUSTER
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
# Accounting through slurmdbd: a job must charge an account its user is associated with.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$SLURMDBD_PORT
AccountingStorageEnforce=associations,limits,qos
AccountingStoreFlags=job_comment
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$SLURMCTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$SLURM_LOG_DIR/slurmctld.log
SlurmdLogFile=$SLURM_LOG_DIR/slurmd.log
MaxArraySize=1001
MaxJobCount=100000
MinJobAge=3600
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# An epilog, even one that does nothing, makes slurmd report each job's end with
# MESSAGE_EPILOG_COMPLETE, on which slurmctld schedules at once; without one, the end is
# answered inside the terminate request and the freed slot waits for the controller's
# once-a-second pass (about 0.85 s per array task here; docs/sites.md).
Epilog=/bin/true

$1
PartitionName=$SLURM_PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
}

# Stop slurmctld and slurmd (all jobs are kept in StateSaveLocation).
stop_slurm() {
  local t0
  t0=$(now_us)
  if ! slurmctld_up && ! pid_alive "$SLURMCTLD_PID" slurmctld && ! slurmd_up; then
    say slurm "not running"
    return 0
  fi
  if slurmctld_up; then
    scontrol shutdown >/dev/null 2>&1 || true # stops slurmctld and every slurmd
  fi
  local i
  for ((i = 0; i < 75; i++)); do # 15 s
    pid_alive "$SLURMCTLD_PID" slurmctld || slurmd_up || break
    sleep 0.2
  done
  # Whatever did not follow the shutdown request (e.g. slurmd without a controller).
  pid_alive "$SLURMCTLD_PID" slurmctld && stop_pidfile slurmctld "$SLURMCTLD_PID" slurmctld
  slurmd_up && stop_pidfile slurmd "$SLURMD_PID" slurmd
  say slurm "stopped ($(elapsed "$t0"))"
}

# Node answers and takes jobs; resume it if it came back down or drained.
slurm_node_ready() {
  local st
  st=$(slurm_node_state)
  case $st in
  idle | mix | alloc | comp) return 0 ;;
  down | drain | drng | fail | down~ | drain~)
    scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    ;;
  esac
  return 1
}

start_slurm() {
  local t0 restarted=0
  t0=$(now_us)
  mkdir -p /var/spool/slurmctld /var/spool/slurmd "$SLURM_LOG_DIR" /etc/slurm
  chown slurm:slurm /var/spool/slurmctld "$SLURM_LOG_DIR"

  local node conf
  node=$(slurm_node_line)
  conf=$(slurm_conf "$node")
  if write_if_changed "$SLURM_CONF" <<<"$conf"; then
    say slurm "wrote $SLURM_CONF"
    if slurmctld_up || pid_alive "$SLURMCTLD_PID" slurmctld || slurmd_up; then
      stop_slurm
      restarted=1
    fi
  fi
  # slurmdbd knows the cluster before its controller connects; a controller that ran
  # before the cluster was registered is restarted.
  if register_cluster && { slurmctld_up || pid_alive "$SLURMCTLD_PID" slurmctld || slurmd_up; }; then
    stop_slurm
    restarted=1
  fi

  if slurmctld_up && slurmd_up && slurm_node_ready; then
    say slurm "already up (node $(hostname -s) $(slurm_node_state))"
    return 0
  fi

  # Both daemons daemonise themselves; start output goes to $LOGS, the rest to
  # $SLURM_LOG_DIR. A controller that is still starting is left to finish.
  if ! slurmctld_up && ! pid_alive "$SLURMCTLD_PID" slurmctld; then
    /usr/sbin/slurmctld </dev/null >>"$LOGS/slurmctld.out" 2>&1 ||
      die "slurm: slurmctld failed to start; see $SLURM_LOG_DIR/slurmctld.log and $LOGS/slurmctld.out" \
        "$SLURM_LOG_DIR/slurmctld.log"
  fi
  wait_until slurmctld "$SLURM_LOG_DIR/slurmctld.log" slurmctld_up
  if ! slurmd_up; then
    /usr/sbin/slurmd </dev/null >>"$LOGS/slurmd.out" 2>&1 ||
      die "slurm: slurmd failed to start; see $SLURM_LOG_DIR/slurmd.log and $LOGS/slurmd.out" \
        "$SLURM_LOG_DIR/slurmd.log"
  fi
  wait_until "slurmd (node $(hostname -s) idle in sinfo)" "$SLURM_LOG_DIR/slurmd.log" slurm_node_ready
  say slurm "$( ((restarted)) && echo restarted || echo started) (node $(hostname -s) $(slurm_node_state), $(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: Slurm accounting (MariaDB, slurmdbd, accounts and associations)
# ---------------------------------------------------------------------------

# mariadb_sql: run the SQL on stdin as MariaDB's root (unix_socket authentication), print
# rows tab-separated. SQL goes through stdin so that no password is ever in an argv.
mariadb_sql() { mariadb --protocol=socket --socket="$MARIADB_SOCKET" -N -B; }

# acct_password: slurmdbd's database password, generated into ACCT_DB_SECRET the first time.
acct_password() {
  local pw=''
  if [[ ! -s $ACCT_DB_SECRET ]]; then
    pw=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    [[ ${#pw} -eq 48 ]] || die "accounting: could not read random bytes for a password"
    (umask 077 && echo "$pw" >"$ACCT_DB_SECRET.tmp") && mv -f "$ACCT_DB_SECRET.tmp" "$ACCT_DB_SECRET"
  fi
  chmod 0600 "$ACCT_DB_SECRET"
  read -r pw <"$ACCT_DB_SECRET"
  [[ $pw =~ ^[0-9a-f]{48}$ ]] || die "accounting: $ACCT_DB_SECRET does not hold a password up wrote; remove it and run '$0 up' again"
  echo "$pw"
}

start_mariadb() {
  local t0 log="$LOGS/mariadb.log" want running='' how=started
  t0=$(now_us)
  mkdir -p "$ACCT_DIR"
  chmod 0700 "$ACCT_DIR"
  write_if_changed "$MARIADB_CONF" <<EOF || true
# Written by tools/dev-cluster/dev-cluster.sh; local edits are overwritten.
# Read after Debian's own options (--defaults-extra-file). Only slurmdbd uses this server.
[mysqld]
skip-networking
socket = $MARIADB_SOCKET
# slurmdbd logs an error below half of Slurm's recommended 1024M (pages are used lazily).
innodb_buffer_pool_size = 512M
innodb_lock_wait_timeout = 900
EOF
  want=$(sha256sum <"$MARIADB_CONF" | cut -d ' ' -f 1)
  if mariadb_up; then
    read -r running 2>/dev/null <"$MARIADB_STAMP" || running=''
    if [[ $running == "$want" ]]; then
      say mariadb "already up"
      return 0
    fi
    pid_alive "$MARIADB_PID" mariadbd ||
      die "mariadb: a server not started here answers on $MARIADB_SOCKET; stop it, then run '$0 up' again"
    say mariadb "options changed; restarting"
    stop_pidfile mariadb "$MARIADB_PID" mariadbd
    how=restarted
  fi
  if [[ ! -d $MARIADB_DATA/mysql ]]; then
    mariadb-install-db --user=mysql --datadir="$MARIADB_DATA" --skip-test-db \
      --auth-root-authentication-method=socket >>"$log" 2>&1 ||
      die "mariadb: mariadb-install-db failed; see $log" "$log"
  fi
  mkdir -p "${MARIADB_SOCKET%/*}"
  chown mysql:mysql "${MARIADB_SOCKET%/*}"
  chmod 0755 "${MARIADB_SOCKET%/*}"
  # Errors go to stderr (Debian sets no log_error), so to $log.
  nohup /usr/sbin/mariadbd --defaults-extra-file="$MARIADB_CONF" --user=mysql </dev/null >>"$log" 2>&1 &
  echo $! >"$MARIADB_PID"
  # The forked shell becomes mariadbd a moment later (exec): wait_until checks its name.
  local i
  for ((i = 0; i < 100; i++)); do
    pid_alive "$MARIADB_PID" mariadbd && break
    sleep 0.01
  done
  wait_until mariadb "$log" --pid "$MARIADB_PID" mariadbd mariadb_up
  echo "$want" >"$MARIADB_STAMP"
  say mariadb "$how ($(elapsed "$t0"))"
}

# ensure_acct_db: the database and its user with the current password (idempotent).
ensure_acct_db() {
  local pw
  pw=$(acct_password)
  mariadb_sql >/dev/null 2>>"$LOGS/mariadb.log" <<EOF ||
CREATE DATABASE IF NOT EXISTS $ACCT_DB;
CREATE USER IF NOT EXISTS '$ACCT_DB_USER'@'localhost';
ALTER USER '$ACCT_DB_USER'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL ON $ACCT_DB.* TO '$ACCT_DB_USER'@'localhost';
EOF
    die "mariadb: could not create the database $ACCT_DB and its user; see $LOGS/mariadb.log" "$LOGS/mariadb.log"
}

slurmdbd_conf() {
  cat <<EOF
# Written by tools/dev-cluster/dev-cluster.sh; local edits are overwritten.
AuthType=auth/munge
DbdHost=localhost
DbdPort=$SLURMDBD_PORT
SlurmUser=slurm
DebugLevel=info
LogFile=$SLURM_LOG_DIR/slurmdbd.log
PidFile=$SLURMDBD_PID
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageLoc=$ACCT_DB
StorageUser=$ACCT_DB_USER
StoragePass=$(acct_password)
EOF
}

# write_slurmdbd_conf: SLURMDBD_CONF (slurm only, 0600: it holds the database password)
# if its content changed. Returns 0 if it was (re)written, 1 if it was up to date.
write_slurmdbd_conf() {
  local tmp rc=1
  tmp=$(umask 077 && mktemp "$SLURMDBD_CONF.XXXXXX")
  slurmdbd_conf >"$tmp"
  if [[ -f $SLURMDBD_CONF ]] && cmp -s "$tmp" "$SLURMDBD_CONF"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$SLURMDBD_CONF"
    rc=0
  fi
  chown slurm:slurm "$SLURMDBD_CONF"
  chmod 0600 "$SLURMDBD_CONF"
  return "$rc"
}

start_slurmdbd() {
  local t0 how=started
  t0=$(now_us)
  mkdir -p "$SLURM_LOG_DIR" /etc/slurm
  chown slurm:slurm "$SLURM_LOG_DIR"
  ensure_acct_db
  if write_slurmdbd_conf && pid_alive "$SLURMDBD_PID" slurmdbd; then
    say slurmdbd "wrote $SLURMDBD_CONF; restarting"
    stop_pidfile slurmdbd "$SLURMDBD_PID" slurmdbd
    how=restarted
  fi
  if slurmdbd_up; then
    say slurmdbd "already up"
    return 0
  fi
  if ! pid_alive "$SLURMDBD_PID" slurmdbd; then
    # It daemonises itself; the rest of its output goes to $SLURM_LOG_DIR/slurmdbd.log.
    /usr/sbin/slurmdbd </dev/null >>"$LOGS/slurmdbd.out" 2>&1 ||
      die "slurmdbd: failed to start; see $SLURM_LOG_DIR/slurmdbd.log and $LOGS/slurmdbd.out" \
        "$SLURM_LOG_DIR/slurmdbd.log"
  fi
  wait_until slurmdbd "$SLURM_LOG_DIR/slurmdbd.log" slurmdbd_up
  say slurmdbd "$how ($(elapsed "$t0"))"
}

# sacctmgr_show ENTITY ARGS...: sacctmgr's parsable rows, no header.
sacctmgr_show() { sacctmgr -n -P show "$@"; }

# register_cluster: register the cluster in slurmdbd unless it is. Returns 0 if it
# registered it now, 1 if it already was.
register_cluster() {
  local log="$LOGS/sacctmgr.log" have
  have=$(sacctmgr_show cluster format=cluster 2>>"$log") ||
    die "accounting: sacctmgr cannot reach slurmdbd; see $log and $SLURM_LOG_DIR/slurmdbd.log" "$log"
  grep -qx -- "$SLURM_CLUSTER" <<<"$have" && return 1
  sacctmgr -i add cluster "$SLURM_CLUSTER" >>"$log" 2>&1 ||
    die "accounting: sacctmgr add cluster $SLURM_CLUSTER failed; see $log" "$log"
  say accounting "registered cluster $SLURM_CLUSTER"
}

# acct_users: every user:account[,account...] entry (default account first).
acct_users() {
  printf '%s\n' "${PEOPLE_ASSOCS[@]}" "root:$SLURM_SERVICE_ACCOUNT" "$JOB_USER:$SLURM_SERVICE_ACCOUNT"
}

# acct_wanted_assocs: "account|user" per association up sets.
acct_wanted_assocs() {
  local user account accounts
  while IFS=: read -r user accounts; do
    for account in ${accounts//,/ }; do echo "$account|$user"; done
  done < <(acct_users)
}

# acct_controller_assocs: "account|user" per user association the controller holds.
acct_controller_assocs() {
  local out
  out=$(scontrol -o show assoc_mgr flags=assoc 2>/dev/null) || return 1
  sed -n 's/^ClusterName=[^ ]* Account=\([^ ]*\) UserName=\([^ (]\{1,\}\)(.*/\1|\2/p' <<<"$out"
}

# ensure_accounting: the accounts, the users' associations and their default accounts,
# with one sacctmgr call per kind of change and none when everything is in place. The
# people hold exactly their accounts: any other association of theirs is removed.
ensure_accounting() {
  local t0 log="$LOGS/sacctmgr.log" assocs users account user accounts a entry changes=0 missing=()
  t0=$(now_us)
  assocs=$(sacctmgr_show assoc cluster="$SLURM_CLUSTER" format=account,user 2>>"$log") ||
    die "accounting: sacctmgr cannot list associations; see $log" "$log"
  users=$(sacctmgr_show user format=user,defaultaccount 2>>"$log") ||
    die "accounting: sacctmgr cannot list users; see $log" "$log"
  run_sacctmgr() {
    sacctmgr -i "$@" >>"$log" 2>&1 || die "accounting: sacctmgr $* failed; see $log" "$log"
    changes=$((changes + 1))
  }
  for account in "${SLURM_ACCOUNTS[@]}"; do
    grep -qx -- "$account|" <<<"$assocs" || missing+=("$account")
  done
  if ((${#missing[@]})); then
    run_sacctmgr add account "$(IFS=, && echo "${missing[*]}")" cluster="$SLURM_CLUSTER" organization=cairn-dev
  fi
  while IFS=: read -r user accounts; do
    missing=()
    for a in ${accounts//,/ }; do
      grep -qx -- "$a|$user" <<<"$assocs" || missing+=("$a")
    done
    # A new user's default account is the first one it is added to.
    if ((${#missing[@]})); then
      run_sacctmgr add user "$user" account="$(IFS=, && echo "${missing[*]}")" cluster="$SLURM_CLUSTER"
    fi
    if grep -q -- "^$user|" <<<"$users" && ! grep -qx -- "$user|${accounts%%,*}" <<<"$users"; then
      run_sacctmgr modify user where name="$user" set defaultaccount="${accounts%%,*}"
    fi
  done < <(acct_users)
  for entry in "${PEOPLE_ASSOCS[@]}"; do
    user=${entry%%:*}
    accounts=",${entry#*:},"
    missing=()
    while IFS='|' read -r a _; do
      [[ $accounts == *",$a,"* ]] || missing+=("$a")
    done < <(grep -- "|$user\$" <<<"$assocs" || true)
    if ((${#missing[@]})); then
      run_sacctmgr delete user where name="$user" account="$(IFS=, && echo "${missing[*]}")" cluster="$SLURM_CLUSTER"
    fi
  done
  # slurmdbd pushes changes to the controller; wait until it enforces them.
  wait_until "accounting (the controller's associations)" "$SLURM_LOG_DIR/slurmctld.log" accounting_up
  say accounting "cluster $SLURM_CLUSTER, accounts ${SLURM_ACCOUNTS[*]}: $( ((changes)) && echo "$changes sacctmgr changes" || echo "in place") ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: the unprivileged user Cairn's jobs run as (the agent refuses root)
# ---------------------------------------------------------------------------

job_user_up() { getent passwd "$JOB_USER" >/dev/null 2>&1; }

# ensure_job_user: the user and group $JOB_USER (a system account with no login shell and
# no home), created once; the agent submits its jobs with sbatch --uid/--gid of it.
ensure_job_user() {
  if ! getent group "$JOB_USER" >/dev/null; then
    groupadd --system "$JOB_USER" || die "job user: groupadd $JOB_USER failed"
  fi
  if ! getent passwd "$JOB_USER" >/dev/null; then
    useradd --system --gid "$JOB_USER" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$JOB_USER" ||
      die "job user: useradd $JOB_USER failed"
    say "job user" "created $JOB_USER (uid $(id -u "$JOB_USER"), gid $(id -g "$JOB_USER"))"
  else
    say "job user" "$JOB_USER exists (uid $(id -u "$JOB_USER"), gid $(id -g "$JOB_USER"))"
  fi
}

# ---------------------------------------------------------------------------
# up: the dev identity world's people (local POSIX users)
# ---------------------------------------------------------------------------

people_up() {
  local u
  for u in "${PEOPLE[@]}"; do
    getent passwd "$u" >/dev/null 2>&1 || return 1
  done
}

# ensure_people: alice, bob and carol, each a normal user (uid >= 1000) with a group of
# the same name and a home directory, created once; Cairn runs their jobs as them.
ensure_people() {
  local u made=()
  for u in "${PEOPLE[@]}"; do
    if ! getent passwd "$u" >/dev/null; then
      useradd --create-home --user-group --shell /bin/bash "$u" || die "people: useradd $u failed"
      made+=("$u")
    fi
    (($(id -u "$u") >= 1000)) || die "people: $u exists with uid $(id -u "$u") (< 1000); remove it or give it a normal uid"
    [[ $(id -gn "$u") == "$u" ]] || die "people: $u's primary group is $(id -gn "$u"), not $u"
    # A home only its owner can write (useradd's HOME_MODE; an older one may be 0755).
    chmod go-w "$(getent passwd "$u" | cut -d: -f6)"
  done
  say people "${PEOPLE[*]}$( ((${#made[@]})) && echo " (created ${made[*]})" || echo " exist")"
}

# ---------------------------------------------------------------------------
# up: FUSE for non-root ch-run of SquashFS images
# ---------------------------------------------------------------------------

open_fuse() {
  if [[ -c /dev/fuse ]]; then
    chmod 0666 /dev/fuse
    say fuse "/dev/fuse mode 0666"
  else
    say fuse "no /dev/fuse (SquashFS images will not mount; directory images still work)"
  fi
}

# ---------------------------------------------------------------------------
# up: NATS with JetStream
# ---------------------------------------------------------------------------

# nats_users: every NATS user name (the services', the monitor's, one agent's per site).
nats_users() {
  bash "$CAIRN_ROOT/tools/nats-users/render-users.sh" "$NATS_GRANTS" "${NATS_SITES[@]}" |
    sed -n 's/^    { user: "\([A-Za-z0-9_-]*\)".*/\1/p'
}

# nats_ensure_password NAME: give NAME a random password in NATS_PASSWORDS unless it has one.
nats_ensure_password() {
  local pw file="$NATS_PASSWORDS/$1.password"
  if [[ ! -s $file ]]; then
    pw=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    [[ ${#pw} -eq 48 ]] || die "nats: could not read random bytes for a password"
    (umask 077 && printf '%s\n' "$pw" >"$file.tmp" && mv -f "$file.tmp" "$file")
  fi
  chmod 0600 "$file"
}

# nats_password_env: NAME="VALUE" lines of every user's password variable, for nats-server's
# environment (quoted: nats-server parses a variable's value as a config value, and an
# unquoted hex password that starts with a digit is not a string to it).
nats_password_env() {
  local user var
  while read -r user; do
    var="CAIRN_NATS_PASSWORD_$(tr 'a-z-' 'A-Z_' <<<"$user")"
    printf '%s="%s"\n' "$var" "$(<"$NATS_PASSWORDS/$user.password")"
  done < <(nats_users)
}

# write_private_file FILE: FILE (0600) from stdin, replaced only if its content changed.
write_private_file() {
  local tmp
  tmp=$(umask 077 && mktemp "$1.XXXXXX")
  cat >"$tmp"
  if [[ -f $1 ]] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
  chmod 0600 "$1"
}

# nats_write_conf: the certificates, a password per user, NATS_USERS and NATS_CONF.
nats_write_conf() {
  local site user users
  for site in "${NATS_SITES[@]}"; do
    [[ $site =~ ^[a-z][a-z0-9-]{0,31}$ ]] || die "nats: CAIRN_DEV_SITES: '$site' is not a site name"
  done
  bash "$CAIRN_ROOT/tools/tls/make-certs.sh" "$TLS_DIR" || die "tls: could not make the certificates in $TLS_DIR"
  (umask 077 && mkdir -p "$NATS_PASSWORDS")
  chmod 0700 "$NATS_PASSWORDS"
  users=$(nats_users) && [[ -n $users ]] || die "nats: could not read the users from $NATS_GRANTS"
  while read -r user; do nats_ensure_password "$user"; done <<<"$users"
  bash "$CAIRN_ROOT/tools/nats-users/render-users.sh" "$NATS_GRANTS" "${NATS_SITES[@]}" >"$NATS_USERS.new" ||
    die "nats: could not render the users from $NATS_GRANTS"
  write_private_file "$NATS_USERS" <"$NATS_USERS.new"
  rm -f "$NATS_USERS.new"
  write_private_file "$NATS_CONF" <<EOF
# Written by tools/dev-cluster/dev-cluster.sh; local edits are overwritten.
listen: 127.0.0.1:4222
http: 127.0.0.1:8222
# JetStream appends /jetstream to store_dir.
jetstream {
  store_dir: "$NATS_DIR"
}
# TLS only: clients verify the server with $TLS_DIR/ca.pem (CAIRN_NATS_CA).
tls {
  cert_file: "$TLS_DIR/server.pem"
  key_file: "$TLS_DIR/server.key"
}
# Users only; each password from the environment (CAIRN_NATS_PASSWORD_<USER>).
include "users.conf"
EOF
  # The users of an older dev cluster: one full-rights services user in a shared secret file.
  rm -f "$NATS_DIR/users.secret"
}

# The running server refuses anonymous and plaintext clients (its monitor says auth_required, tls_required).
nats_auth_required() {
  curl -fs --max-time 2 "$NATS_MONITOR/varz" 2>/dev/null | jq -e '.auth_required == true and .tls_required == true' >/dev/null 2>&1
}

start_nats() {
  local t0 log="$LOGS/nats.log" want running=''
  t0=$(now_us)
  mkdir -p "$NATS_DIR"
  chmod 0700 "$NATS_DIR"
  nats_write_conf
  want=$(cat "$NATS_CONF" "$NATS_USERS" "$TLS_DIR/server.pem" | sha256sum | cut -d ' ' -f 1)
  if nats_up; then
    read -r running 2>/dev/null <"$NATS_STAMP" || running=''
    if [[ $running == "$want" ]] && nats_auth_required; then
      say nats "already up"
      return 0
    fi
    # Started with another config (an older run's anonymous one, or other users): restart.
    pid_alive "$NATS_PID" nats-server ||
      die "nats: something not started here answers on $NATS_MONITOR with another configuration; stop it, then run '$0 up' again"
    say nats "configuration changed; restarting"
    stop_pidfile nats "$NATS_PID" nats-server
  fi
  # The passwords reach nats-server in its environment only (readable by root, like the
  # process), exported by the shell's builtin so no command line ever shows them.
  local -a env_pw
  mapfile -t env_pw < <(nats_password_env)
  (export "${env_pw[@]}" && nats-server -t -c "$NATS_CONF") >>"$log" 2>&1 || die "nats: invalid config $NATS_CONF; see $log" "$log"
  (export "${env_pw[@]}" && exec nohup nats-server -c "$NATS_CONF") </dev/null >>"$log" 2>&1 &
  echo $! >"$NATS_PID"
  wait_until nats "$log" --pid "$NATS_PID" nats-server nats_up
  nats_auth_required || die "nats: the server answers without asking for a user or without TLS; see $NATS_CONF" "$log"
  echo "$want" >"$NATS_STAMP"
  say nats "started ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: PostgreSQL
# ---------------------------------------------------------------------------

pg_cluster_status() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $4 }'; }

# pg_sql SQL: run SQL as the postgres superuser, print tuples only.
pg_sql() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres -tAc "$1"); }

# pg_secret: the test role's password (generated once into PG_SECRET, 0600).
pg_secret() {
  local pw
  mkdir -p "$(dirname "$PG_SECRET")"
  chmod 0700 "$(dirname "$PG_SECRET")"
  if [[ ! -s $PG_SECRET ]]; then
    pw=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    [[ ${#pw} -eq 48 ]] || die "postgres: could not read random bytes for a password"
    (umask 077 && printf '%s\n' "$pw" >"$PG_SECRET.tmp" && mv -f "$PG_SECRET.tmp" "$PG_SECRET")
  fi
  chmod 0600 "$PG_SECRET"
  head -n 1 "$PG_SECRET"
}

# database_url: the test database's URL with its password (empty before the first up).
database_url() {
  [[ -s $PG_SECRET ]] || return 0
  printf 'postgres://cairn:%s@127.0.0.1:%s/cairn' "$(head -n 1 "$PG_SECRET")" "$PG_PORT"
}

start_postgres() {
  local t0 log="$LOGS/postgres.out"
  local pglog="/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
  t0=$(now_us)
  local status started=0
  status=$(pg_cluster_status)
  if [[ -z $status ]]; then
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" >>"$log" 2>&1 ||
      die "postgres: pg_createcluster $PG_VERSION $PG_CLUSTER failed; see $log" "$log"
    status=$(pg_cluster_status)
  fi
  if ! postgres_up && [[ $status != online* ]]; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start </dev/null >>"$log" 2>&1 ||
      die "postgres: pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed; see $pglog and $log" "$pglog"
    started=1
  fi
  wait_until postgres "$pglog" postgres_up

  # Role and database for tests (idempotent; also resets the password to the generated one,
  # passed on stdin so it is on no command line).
  local pw verb=CREATE
  pw=$(pg_secret)
  [[ $(pg_sql "SELECT 1 FROM pg_roles WHERE rolname = 'cairn'") == 1 ]] && verb=ALTER
  printf "%s ROLE cairn LOGIN CREATEDB PASSWORD '%s'\n" "$verb" "$pw" |
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres) >/dev/null
  # Tests drop their databases WITH (FORCE): that may have to end an autovacuum worker in
  # them, which belongs to no role, so only pg_signal_backend may.
  pg_sql "GRANT pg_signal_backend TO cairn" >/dev/null
  if [[ $(pg_sql "SELECT 1 FROM pg_database WHERE datname = 'cairn'") != 1 ]]; then
    pg_sql "CREATE DATABASE cairn OWNER cairn" >/dev/null
  fi
  PGPASSWORD=$pw PGCONNECT_TIMEOUT=5 psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U cairn -d cairn \
    -tAc 'SELECT 1' >/dev/null 2>>"$log" ||
    die "postgres: cannot log in as cairn over TCP; see $log and $pglog" "$log"
  say postgres "$( ((started)) && echo started || echo already up), role and database cairn ready ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: OCI registry
# ---------------------------------------------------------------------------

start_registry() {
  local t0 log="$LOGS/registry.log"
  t0=$(now_us)
  mkdir -p "$REGISTRY_DIR/data"
  # Our own config: the packaged one demands htpasswd auth.
  write_if_changed "$REGISTRY_CONF" <<EOF || true
# Written by tools/dev-cluster/dev-cluster.sh; local edits are overwritten.
version: 0.1
log:
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  if registry_up; then
    say registry "already up"
    return 0
  fi
  nohup /usr/bin/docker-registry serve "$REGISTRY_CONF" </dev/null >>"$log" 2>&1 &
  echo $! >"$REGISTRY_PID"
  wait_until registry "$log" --pid "$REGISTRY_PID" docker-registry registry_up
  say registry "started ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: test image (built without Docker) and a ch-run check
# ---------------------------------------------------------------------------

# fill_rootfs DIR: a tiny busybox system.
fill_rootfs() {
  local root=$1 applet
  mkdir -p "$root"/{bin,etc,tmp,proc,dev,sys,home,var/tmp,root,mnt}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 0700 "$root/root"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  while read -r applet; do
    [[ -n $applet && $applet != busybox && $applet != */* ]] || continue
    ln -sfn busybox "$root/bin/$applet"
  done < <(/bin/busybox --list)
  ln -sfn busybox "$root/bin/sh"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  : >"$root/etc/hosts"
  : >"$root/etc/resolv.conf"
}

# build_and_push_test_image WORKDIR
build_and_push_test_image() {
  local work=$1 log="$LOGS/test-image.log"
  local layout="$work/layout" bundle="$work/bundle" arch
  arch=$(dpkg --print-architecture)
  {
    umoci init --layout "$layout" &&
      umoci new --image "$layout:$TEST_TAG" &&
      umoci unpack --rootless --image "$layout:$TEST_TAG" "$bundle"
  } >>"$log" 2>&1 || die "test image: umoci init/new/unpack failed; see $log" "$log"
  fill_rootfs "$bundle/rootfs"
  {
    umoci repack --image "$layout:$TEST_TAG" "$bundle" &&
      umoci config --image "$layout:$TEST_TAG" --config.cmd /bin/sh \
        --architecture "$arch" --os linux &&
      skopeo copy --dest-tls-verify=false "oci:$layout:$TEST_TAG" "docker://$TEST_IMAGE"
  } >>"$log" 2>&1 || die "test image: umoci repack/config or skopeo push failed; see $log" "$log"
}

# check_test_image WORKDIR DIGEST: pull by digest, unpack, run it with ch-run.
check_test_image() {
  local work=$1 digest=$2 log="$LOGS/test-image.log" out
  {
    skopeo copy --src-tls-verify=false "docker://$REGISTRY/$TEST_REPO@$digest" \
      "oci:$work/pulled:check" &&
      umoci unpack --rootless --image "$work/pulled:check" "$work/run"
  } >>"$log" 2>&1 || die "test image: pull by digest or unpack failed; see $log" "$log"
  out=$(USER=root ch-run "$work/run/rootfs" -- /bin/echo ok 2>>"$log") ||
    die "test image: ch-run failed; see $log" "$log"
  [[ $out == ok ]] || die "test image: ch-run printed '$out' instead of 'ok'; see $log" "$log"
}

ensure_test_image() {
  local t0 work digest pushed=0
  t0=$(now_us)
  digest=$(test_image_digest)
  local verified=
  read -r verified 2>/dev/null <"$TEST_VERIFIED" || true
  if [[ -n $digest && $verified == "$digest" ]]; then
    say "test image" "already in registry, ch-run checked ($TEST_IMAGE)"
    return 0
  fi
  mkdir -p "$STATE/tmp"
  work=$(mktemp -d "$STATE/tmp/image.XXXXXX")
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf '$work'" EXIT
  if [[ -z $digest ]]; then
    build_and_push_test_image "$work"
    digest=$(test_image_digest)
    [[ -n $digest ]] || die "test image: pushed but the registry has no $TEST_IMAGE; see $LOGS/test-image.log and $LOGS/registry.log" "$LOGS/registry.log"
    pushed=1
    say "test image" "pushed $TEST_IMAGE ($(elapsed "$t0"))"
  fi
  t0=$(now_us)
  check_test_image "$work" "$digest"
  echo "$digest" >"$TEST_VERIFIED"
  rm -rf "$work"
  trap - EXIT
  say "test image" "$( ((pushed)) || echo "already in registry; ")ch-run by digest printed ok ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# up: python test image (Debian 12 + python3 + NumPy, built with mmdebstrap)
# ---------------------------------------------------------------------------

# debian_sources ARCH: a "deb URI SUITE main" line for each Debian $PY_SUITE suite
# apt on this machine uses (bookworm, bookworm-updates, bookworm-security), so
# mmdebstrap fetches from the same mirror. Asks apt itself, which reads both
# sources.list lines and deb822 .sources files.
debian_sources() {
  # shellcheck disable=SC2016 # $(...) is apt's format syntax, not the shell's
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' \
    'Origin: Debian' 'Component: main' "Architecture: $1" 2>/dev/null |
    awk -v s="$PY_SUITE" '($2 == s || index($2, s "-") == 1) && !seen[$0]++ { print "deb " $1 " " $2 " main" }'
}

# host_aptopts: the host's apt settings that mmdebstrap's own apt needs as well
# (which ignores /etc/apt/apt.conf.d), one --aptopt value per line. This machine
# sets Acquire::Check-Valid-Until "false" for its snapshot-backed mirror.
host_aptopts() {
  apt-config dump --no-empty --format '%f "%v";%n' Acquire::Check-Valid-Until \
    Acquire::Check-Date Acquire::http::Proxy Acquire::https::Proxy 2>/dev/null || true
}

# finish_python_rootfs ROOT: turn the mmdebstrap tree into a runtime image tree.
finish_python_rootfs() {
  local root=$1
  # No device nodes in an image: ch-run and Apptainer provide /dev.
  find "$root/dev" -xdev -mindepth 1 -delete
  # SquashFS images are read-only, so every bind target must already exist;
  # /cairn is where Cairn binds job directories.
  mkdir -p "$root"/{tmp,proc,dev,sys,home,mnt,root,var/tmp,cairn}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 0700 "$root/root"
  chmod 0755 "$root/cairn"
  # mmdebstrap copies in the build machine's hostname and resolv.conf; the runtime
  # binds its own over these files, which must exist.
  rm -f "$root/etc/hostname"
  : >"$root/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  chmod 0644 "$root/etc/resolv.conf" "$root/etc/hosts"
  # mmdebstrap already removed apt's lists and package cache; backup copies too.
  rm -f "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
  # NumPy's own test suites (15 MB; `import numpy` does not use them). Deleted
  # after installation: a dpkg path-exclude for them makes py3compile fail.
  find "$root/usr/lib/python3/dist-packages/numpy" -depth -type d -name tests -exec rm -rf {} +
}

# python_rootfs_sane ROOT: the tree has python3 and passwd/group entries for root
# and nobody (base-passwd's, as mmdebstrap installs them).
python_rootfs_sane() {
  [[ -x $1/usr/bin/python3 ]] &&
    grep -q '^root:x:0:0:' "$1/etc/passwd" && grep -q '^nobody:x:65534:' "$1/etc/passwd" &&
    grep -q '^root:x:0:' "$1/etc/group" && grep -q '^nogroup:x:65534:' "$1/etc/group"
}

# build_python_image WORKDIR LAYOUT: mmdebstrap a root filesystem into a fresh umoci
# bundle, repack it and set its config; the result is LAYOUT:$PY_TAG. Sets the
# caller's unpacked_mb to the size of the root filesystem.
build_python_image() {
  local work=$1 layout=$2 log="$LOGS/python-image.log"
  local bundle="$work/bundle" arch rc=0 sources=() aptopts=()
  arch=$(dpkg --print-architecture)
  mapfile -t sources < <(debian_sources "$arch")
  ((${#sources[@]} > 0)) ||
    die "python image: apt on this machine has no Debian $PY_SUITE source for $arch ('apt-get indextargets' lists none; run 'apt-get update')"
  mapfile -t aptopts < <(host_aptopts)
  {
    umoci init --layout "$layout" &&
      umoci new --image "$layout:$PY_TAG" &&
      umoci unpack --rootless --image "$layout:$PY_TAG" "$bundle"
  } >>"$log" 2>&1 || die "python image: umoci init/new/unpack failed; see $log" "$log"
  # apt downloads as user _apt, which must reach rootfs/var/lib/apt/lists/partial.
  chmod 0755 "$work" "$bundle"

  say "python image" "building: mmdebstrap $PY_SUITE + ${PY_PACKAGES//,/ } from ${sources[0]#deb } (log: $log)"
  printf '=== %s mmdebstrap, sources:\n%s\n' "$(date -u +%FT%TZ)" "$(printf '  %s\n' "${sources[@]}")" >>"$log"
  # --mode=unshare as root: root mode (real ownership, no subuids needed) inside
  # private mount and pid namespaces, so the chroot's /dev, /proc and /sys mounts
  # and any leftover process vanish with mmdebstrap, even when timeout kills it.
  # The merged-usr hook sets up /usr symlinks as debootstrap does, which keeps the
  # usrmerge package and its full perl (50 MB) out of the image. The dpkg
  # excludes and apt options also stay in the image (/etc/dpkg/dpkg.cfg.d and
  # /etc/apt/apt.conf.d/99mmdebstrap), as does this mirror in its sources.list.
  TMPDIR="$work" timeout --kill-after=30 "$BUILD_TIMEOUT" \
    mmdebstrap --mode=unshare --variant=apt --format=directory --verbose \
    --architectures="$arch" --include="$PY_PACKAGES" \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='Acquire::Languages "none"' \
    "${aptopts[@]/#/--aptopt=}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "$PY_SUITE" "$bundle/rootfs" "${sources[@]}" </dev/null >>"$log" 2>&1 || rc=$?
  if ((rc == 124 || rc == 137)); then
    die "python image: mmdebstrap did not finish within $BUILD_TIMEOUT s (CAIRN_DEV_BUILD_TIMEOUT); see $log" "$log"
  elif ((rc != 0)); then
    die "python image: mmdebstrap failed (exit $rc); see $log" "$log"
  fi
  finish_python_rootfs "$bundle/rootfs"
  python_rootfs_sane "$bundle/rootfs" ||
    die "python image: the mmdebstrap tree lacks /usr/bin/python3 or root/nobody in /etc/passwd and /etc/group; see $log" "$log"
  unpacked_mb=$(du -sm "$bundle/rootfs" | cut -f1)
  {
    umoci repack --image "$layout:$PY_TAG" "$bundle" &&
      umoci config --image "$layout:$PY_TAG" --config.cmd /usr/bin/python3 \
        --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --architecture "$arch" --os linux &&
      umoci gc --layout "$layout"
  } >>"$log" 2>&1 || die "python image: umoci repack/config failed; see $log" "$log"
}

# layout_mb LAYOUT TAG: compressed size of the image's layers in MB (as pulled).
layout_mb() {
  skopeo inspect --raw "oci:$1:$2" 2>/dev/null |
    jq -r '[.layers[].size] | add // 0 | (. / 1048576 + 0.5) | floor' 2>/dev/null || echo '?'
}

# check_python_image WORKDIR DIGEST: pull by digest, unpack, make a SquashFS image
# and import numpy in it with ch-run (binding onto /cairn, which must exist).
# Prints "VERSION SQUASHFS_MB".
check_python_image() {
  local work=$1 digest=$2 log="$LOGS/python-image.log" out
  local sqfs="$work/python.sqfs"
  {
    skopeo copy --src-tls-verify=false "docker://$REGISTRY/$PY_REPO@$digest" \
      "oci:$work/pulled:check" &&
      umoci unpack --rootless --image "$work/pulled:check" "$work/run" &&
      mksquashfs "$work/run/rootfs" "$sqfs" -noappend -no-progress
  } >>"$log" 2>&1 || die "python image: pull by digest, unpack or mksquashfs failed; see $log" "$log"
  mkdir -p "$work/bind"
  out=$(USER=root timeout 120 ch-run -b "$work/bind:/cairn" "$sqfs" -- \
    python3 -c 'import numpy; print(numpy.__version__)' 2>>"$log") ||
    die "python image: ch-run of the SquashFS image failed; see $log" "$log"
  [[ $out =~ ^[0-9]+\.[0-9]+[0-9a-z.]*$ ]] ||
    die "python image: ch-run printed '$out' instead of a NumPy version; see $log" "$log"
  echo "$out $(($(stat -c %s "$sqfs") / 1048576))"
}

# python_image_checked: the registry has the tag, and its digest passed the check.
python_image_checked() {
  local digest verified=
  digest=$(python_image_digest)
  read -r verified 2>/dev/null <"$PY_VERIFIED" || true
  [[ -n $digest && $verified == "$digest" ]]
}

ensure_python_image() {
  local t0 work digest lockfd unpacked_mb='' size_mb out version sqfs_mb pushed=0
  local log="$LOGS/python-image.log"
  t0=$(now_us)
  if python_image_checked; then
    say "python image" "already in registry, ch-run checked ($PY_IMAGE)"
    return 0
  fi
  # One build at a time: another `up` (a CI run, say) may be building it now.
  exec {lockfd}>"$PY_LOCK"
  if ! flock -n "$lockfd"; then
    say "python image" "another dev-cluster.sh is building it; waiting for it"
    flock -w "$((BUILD_TIMEOUT + 120))" "$lockfd" ||
      die "python image: another build still holds $PY_LOCK after $((BUILD_TIMEOUT + 120)) s"
    if python_image_checked; then
      exec {lockfd}>&-
      say "python image" "already in registry (built by the other run), ch-run checked ($PY_IMAGE)"
      return 0
    fi
  fi
  mkdir -p "$STATE/tmp" "${PY_CACHE%/*}"
  work=$(mktemp -d "$STATE/tmp/python-image.XXXXXX")
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf --one-file-system '$work'" EXIT
  digest=$(python_image_digest)
  if [[ -z $digest ]]; then
    local how
    if umoci ls --layout "$PY_CACHE" 2>/dev/null | grep -qxF "$PY_TAG"; then
      how="pushed from $PY_CACHE"
    else
      build_python_image "$work" "$work/layout" # sets unpacked_mb
      rm -rf --one-file-system "$PY_CACHE"
      mv "$work/layout" "$PY_CACHE"
      how="built and pushed"
    fi
    skopeo copy --dest-tls-verify=false "oci:$PY_CACHE:$PY_TAG" "docker://$PY_IMAGE" >>"$log" 2>&1 ||
      die "python image: skopeo push to $PY_IMAGE failed; see $log" "$log"
    digest=$(python_image_digest)
    [[ -n $digest ]] || die "python image: pushed but the registry has no $PY_IMAGE; see $log and $LOGS/registry.log" "$LOGS/registry.log"
    pushed=1
    size_mb=$(layout_mb "$PY_CACHE" "$PY_TAG")
    say "python image" "$how $PY_IMAGE ($(elapsed "$t0"), $size_mb MB compressed${unpacked_mb:+, $unpacked_mb MB unpacked})"
  fi
  t0=$(now_us)
  out=$(check_python_image "$work" "$digest")
  read -r version sqfs_mb <<<"$out"
  echo "$digest" >"$PY_VERIFIED"
  rm -rf --one-file-system "$work"
  trap - EXIT
  exec {lockfd}>&-
  say "python image" "$( ((pushed)) || echo "already in registry; ")ch-run of the SquashFS image by digest: numpy $version ($(elapsed "$t0"), SquashFS $sqfs_mb MB)"
}

# ---------------------------------------------------------------------------
# up: examples image (python image + examples/*/app/*.py, one umoci layer)
# ---------------------------------------------------------------------------

# layout_digest LAYOUT TAG: the manifest digest of TAG in an OCI layout (empty if none).
layout_digest() {
  jq -r --arg t "$2" '.manifests[]? | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
    "$1/index.json" 2>/dev/null | head -n 1 || true
}

# examples_app_files: the files that go into the image, NUL-separated, relative to
# $EX_SRC (./<example>/app/<file>.py), in a fixed order.
examples_app_files() {
  (cd "$EX_SRC" && find . -mindepth 3 -maxdepth 3 -type f -path './*/app/*.py' -print0 | LC_ALL=C sort -z)
}

# examples_hash BASE_DIGEST: hash of everything the image is built from: the recipe
# version, the python image (its manifest digest) and each app file's path and content.
examples_hash() {
  {
    printf 'recipe %s\nbase %s\n' "$EX_RECIPE" "$1"
    examples_app_files | (cd "$EX_SRC" && xargs -0 -r sha256sum)
  } | sha256sum | cut -d ' ' -f 1
}

# examples_current HASH: the registry's tag is the cached build of HASH, checked with ch-run.
examples_current() {
  local recorded='' verified='' cached digest
  read -r recorded 2>/dev/null <"$EX_INPUTS" || true
  read -r verified 2>/dev/null <"$EX_VERIFIED" || true
  cached=$(layout_digest "$EX_CACHE" "$EX_TAG")
  digest=$(examples_image_digest)
  [[ $recorded == "$1" && -n $cached && $digest == "$cached" && $verified == "$digest" ]]
}

# build_examples_image WORKDIR LAYOUT HASH: LAYOUT:$EX_TAG = the python layout plus a
# layer with /app/<example>/*.py and one with the /cairn bind targets.
build_examples_image() {
  local work=$1 layout=$2 hash=$3 log="$LOGS/examples-image.log" f ex n=0
  local stage="$work/stage"
  mkdir -p "$layout" "$stage/app" "$stage/cairn"/{run,work,data}
  cp "$PY_CACHE/oci-layout" "$PY_CACHE/index.json" "$layout/"
  # Blobs are content-addressed and never rewritten in place: hard links are safe and
  # cost nothing; copy them if the layouts are on different file systems.
  cp -al "$PY_CACHE/blobs" "$layout/blobs" 2>>"$log" || {
    rm -rf "$layout/blobs"
    cp -a "$PY_CACHE/blobs" "$layout/blobs"
  }
  while IFS= read -r -d '' f; do
    ex=${f#./}
    ex=${ex%%/*}
    install -D -m 0644 "$EX_SRC/$f" "$stage/app/$ex/${f##*/}"
    n=$((n + 1))
  done < <(examples_app_files)
  ((n > 0)) || die "examples image: no examples/*/app/*.py under $EX_SRC (CAIRN_EXAMPLES_DIR)"
  chmod -R u=rwX,go=rX "$stage"
  {
    printf '=== %s build %s: %d app files, inputs %s\n' "$(date -u +%FT%TZ)" "$EX_IMAGE" "$n" "$hash"
    if [[ $EX_TAG != "$PY_TAG" ]]; then
      umoci tag --image "$layout:$PY_TAG" "$EX_TAG" && umoci rm --image "$layout:$PY_TAG"
    fi &&
      umoci insert --image "$layout:$EX_TAG" --history.created_by 'dev-cluster.sh: examples/*/app/*.py' \
        "$stage/app" /app &&
      umoci insert --image "$layout:$EX_TAG" --history.created_by 'dev-cluster.sh: /cairn bind targets' \
        "$stage/cairn" /cairn &&
      umoci config --image "$layout:$EX_TAG" --no-history \
        --config.label "org.cairn.examples.inputs=$hash" &&
      umoci gc --layout "$layout"
  } >>"$log" 2>&1 || die "examples image: umoci insert/config failed; see $log" "$log"
  examples_files=$n
}

# check_examples_image WORKDIR DIGEST: pull by digest, make a SquashFS image and run the
# examples' first steps in it with ch-run, a directory bound at /cairn/run as Cairn does.
# Prints the NumPy version.
check_examples_image() {
  local work=$1 digest=$2 log="$LOGS/examples-image.log" version help
  local sqfs="$work/examples.sqfs" run="$work/bind"
  {
    skopeo copy --src-tls-verify=false "docker://$REGISTRY/$EX_REPO@$digest" \
      "oci:$work/pulled:check" &&
      umoci unpack --rootless --image "$work/pulled:check" "$work/run" &&
      mksquashfs "$work/run/rootfs" "$sqfs" -noappend -no-progress -comp lz4 # 0.3 s; gzip: 12 s
  } >>"$log" 2>&1 || die "examples image: pull by digest, unpack or mksquashfs failed; see $log" "$log"
  mkdir -p "$run"/{prepare,learn/1/train,learn/1/evaluate,learn/1/select,sweep/0}
  # run_in DIR CMD...: run CMD in the image with working directory /cairn/run/DIR.
  run_in() {
    local dir=$1
    shift
    printf '=== ch-run in /cairn/run/%s: %s\n' "$dir" "$*" >>"$log"
    USER=root timeout 120 ch-run -b "$run:/cairn/run" -c "/cairn/run/$dir" "$sqfs" -- "$@" 2>>"$log" ||
      die "examples image: ch-run of '$*' failed; see $log" "$log"
  }
  version=$(run_in . python3 -c 'import numpy; print(numpy.__version__)')
  [[ $version =~ ^[0-9]+\.[0-9]+[0-9a-z.]*$ ]] ||
    die "examples image: ch-run printed '$version' instead of a NumPy version; see $log" "$log"
  help=$(run_in . python3 /app/active-learning/prepare.py --help)
  [[ $help == *--pool-size* ]] ||
    die "examples image: prepare.py --help does not describe --pool-size; see $log" "$log"
  {
    local R=/cairn/run
    run_in prepare python3 /app/active-learning/prepare.py --pool-size 500 --val-size 200
    run_in learn/1/train python3 /app/active-learning/train.py --pool $R/prepare/pool.npz \
      --next $R/learn/0/select/next.json --iteration 1
    run_in learn/1/evaluate python3 /app/active-learning/evaluate.py --model $R/learn/1/train/model.npz \
      --val $R/prepare/val.npz
    run_in learn/1/select python3 /app/active-learning/select.py --model $R/learn/1/train/model.npz \
      --pool $R/prepare/pool.npz --batch 10
    run_in sweep/0 python3 /app/parameter-sweep/simulate.py --seed 0 --duration 0
    run_in . python3 /app/parameter-sweep/summarise.py $R/sweep
  } >>"$log"
  if ! {
    jq -e '.val_accuracy > 0.5' "$run/learn/1/evaluate/metrics.json" &&
      jq -e '(.labelled | length) == 30 and (.batch | length) == 10' "$run/learn/1/select/next.json" &&
      jq -e '.count == 1 and .best_seed == 0' "$run/summary.json"
  } >/dev/null 2>&1; then
    die "examples image: the examples' steps ran in the image but wrote unexpected results; see $log" "$log"
  fi
  echo "$version"
}

ensure_examples_image() {
  local t0 t1 work base hash lockfd cached digest verified='' how='' version examples_files=''
  local log="$LOGS/examples-image.log"
  t0=$(now_us)
  [[ -d $EX_SRC ]] || die "examples image: no examples directory $EX_SRC (set CAIRN_EXAMPLES_DIR)"
  mkdir -p "$STATE/tmp" "${EX_CACHE%/*}"
  # The base: the python image's layout. ensure_python_image keeps it after a build;
  # fetch it from the registry if this state directory never built it.
  if [[ -z $(layout_digest "$PY_CACHE" "$PY_TAG") ]]; then
    skopeo copy --src-tls-verify=false "docker://$PY_IMAGE" "oci:$PY_CACHE:$PY_TAG" >>"$log" 2>&1 ||
      die "examples image: no $PY_CACHE and pulling $PY_IMAGE failed; see $log" "$log"
  fi
  base=$(layout_digest "$PY_CACHE" "$PY_TAG")
  hash=$(examples_hash "$base")
  if examples_current "$hash"; then
    say "examples image" "already in registry, app files unchanged, ch-run checked ($EX_IMAGE, $(elapsed "$t0"))"
    return 0
  fi
  exec {lockfd}>"$EX_LOCK"
  if ! flock -n "$lockfd"; then
    say "examples image" "another dev-cluster.sh is building it; waiting for it"
    flock -w 600 "$lockfd" || die "examples image: another build still holds $EX_LOCK after 600 s"
    if examples_current "$hash"; then
      exec {lockfd}>&-
      say "examples image" "already in registry (built by the other run), ch-run checked ($EX_IMAGE)"
      return 0
    fi
  fi
  work=$(mktemp -d "$STATE/tmp/examples-image.XXXXXX")
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf --one-file-system '$work'" EXIT
  local recorded=''
  read -r recorded 2>/dev/null <"$EX_INPUTS" || true
  cached=$(layout_digest "$EX_CACHE" "$EX_TAG")
  if [[ $recorded != "$hash" || -z $cached ]]; then
    t1=$(now_us)
    build_examples_image "$work" "$work/layout" "$hash" # sets examples_files
    rm -f "$EX_INPUTS"
    rm -rf --one-file-system "$EX_CACHE"
    mv "$work/layout" "$EX_CACHE"
    echo "$hash" >"$EX_INPUTS.tmp" && mv -f "$EX_INPUTS.tmp" "$EX_INPUTS"
    cached=$(layout_digest "$EX_CACHE" "$EX_TAG")
    how="built ($examples_files app files, $(elapsed "$t1"))"
  fi
  digest=$(examples_image_digest)
  if [[ $digest != "$cached" ]]; then
    t1=$(now_us)
    skopeo copy --dest-tls-verify=false "oci:$EX_CACHE:$EX_TAG" "docker://$EX_IMAGE" >>"$log" 2>&1 ||
      die "examples image: skopeo push to $EX_IMAGE failed; see $log" "$log"
    digest=$(examples_image_digest)
    [[ $digest == "$cached" ]] ||
      die "examples image: pushed $cached but the registry has '${digest:-nothing}' for $EX_IMAGE; see $log and $LOGS/registry.log" "$LOGS/registry.log"
    how="${how:+$how, }pushed ($(elapsed "$t1"))"
  fi
  say "examples image" "${how:-already in registry}: $EX_IMAGE ($(layout_mb "$EX_CACHE" "$EX_TAG") MB compressed)"
  read -r verified 2>/dev/null <"$EX_VERIFIED" || true
  if [[ $verified != "$digest" ]]; then
    t1=$(now_us)
    version=$(check_examples_image "$work" "$digest")
    echo "$digest" >"$EX_VERIFIED"
    say "examples image" "ch-run of the SquashFS image by digest: numpy $version, prepare/train/evaluate/select and simulate/summarise ran ($(elapsed "$t1"))"
  fi
  rm -rf --one-file-system "$work"
  trap - EXIT
  exec {lockfd}>&-
  say "examples image" "done ($(elapsed "$t0"))"
}

# examples_stale: a note if examples/*/app/*.py changed since the image was built.
examples_stale() {
  local base recorded=''
  base=$(layout_digest "$PY_CACHE" "$PY_TAG")
  [[ -n $base ]] || return 0
  read -r recorded 2>/dev/null <"$EX_INPUTS" || return 0
  [[ $recorded == "$(examples_hash "$base" 2>/dev/null)" ]] || echo " (stale: examples/*/app changed; run up)"
}

# ---------------------------------------------------------------------------
# up: dev IdP (tools/dev-idp)
# ---------------------------------------------------------------------------

# The IdP answers discovery with the expected issuer.
idp_up() {
  curl -fs --max-time 2 "$IDP_ISSUER/.well-known/openid-configuration" 2>/dev/null |
    jq -e --arg issuer "$IDP_ISSUER" '.issuer == $issuer' >/dev/null 2>&1
}

# idp_cli ARGS...: the dev IdP's command line (init, serve, rotate, retire).
idp_cli() { node -r "$IDP_ROOT/tools/register.js" "$IDP_ROOT/tools/dev-idp/src/main.ts" "$@"; }

start_idp() {
  local t0 log="$LOGS/idp.log" want running=''
  t0=$(now_us)
  command -v node >/dev/null 2>&1 || die "idp: no node on PATH (Cairn needs Node 20 or 22)"
  if [[ ! -d $IDP_ROOT/node_modules ]]; then
    say idp "no node_modules in $IDP_ROOT yet: npm ci"
    (cd "$IDP_ROOT" && npm ci --no-audit --no-fund) >>"$log" 2>&1 || die "idp: npm ci failed; see $log" "$log"
  fi
  [[ -f $IDP_ROOT/node_modules/oidc-provider/package.json ]] ||
    die "idp: $IDP_ROOT/node_modules has no oidc-provider; run npm install there"
  (umask 077 && mkdir -p "$IDP_STATE")
  chmod 0700 "$IDP_STATE"
  # The secrets: made once (0600 files), kept after; only what is missing is created.
  idp_cli init --state "$IDP_STATE" >>"$log" 2>&1 || die "idp: could not create its secrets in $IDP_STATE; see $log" "$log"
  want=$({
    echo "$IDP_ISSUER $IDP_AUDIENCE ${PORTAL_REDIRECT_URIS[*]}"
    cat "$IDP_ROOT"/tools/dev-idp/src/*.ts "$IDP_ROOT/node_modules/oidc-provider/package.json"
  } | sha256sum | cut -d ' ' -f 1)
  if idp_up; then
    read -r running 2>/dev/null <"$IDP_STAMP" || running=''
    if [[ $running == "$want" ]]; then
      say idp "already up"
      return 0
    fi
    pid_alive "$IDP_PID" node || die "idp: something not started here answers on $IDP_ISSUER"
    say idp "code or settings changed; restarting (people log in again)"
    stop_pidfile idp "$IDP_PID" node
  fi
  (cd "$IDP_ROOT" && exec nohup node -r "$IDP_ROOT/tools/register.js" "$IDP_ROOT/tools/dev-idp/src/main.ts" serve --state "$IDP_STATE" --host "$IDP_HOST" --port "$IDP_PORT" --issuer "$IDP_ISSUER" --audience "$IDP_AUDIENCE" "${PORTAL_REDIRECT_URIS[@]/#/--portal-redirect-uri=}") </dev/null >>"$log" 2>&1 &
  echo $! >"$IDP_PID"
  wait_until idp "$log" --pid "$IDP_PID" node idp_up
  echo "$want" >"$IDP_STAMP"
  say idp "started ($(elapsed "$t0")): issuer $IDP_ISSUER, the people's passwords in $IDP_STATE/passwords.json"
}

# ---------------------------------------------------------------------------
# up: env file
# ---------------------------------------------------------------------------

write_env() {
  # 0600: it names where the secrets are (and the test database's password).
  (umask 077 && : >>"$ENV_FILE")
  chmod 0600 "$ENV_FILE"
  cat >"$ENV_FILE" <<EOF
# Cairn dev cluster; source this file. Written by tools/dev-cluster/dev-cluster.sh.
export CAIRN_NATS_URL=$NATS_URL
export CAIRN_NATS_CA=$TLS_DIR/ca.pem
export CAIRN_GRPC_CA=$TLS_DIR/ca.pem
export CAIRN_DEV_TLS_DIR=$TLS_DIR
export CAIRN_DEV_NATS_PASSWORD_DIR=$NATS_PASSWORDS
export CAIRN_DEV_AGENT_SITE=${NATS_SITES[0]}
export CAIRN_TEST_DATABASE_URL=$(database_url)
export CAIRN_REGISTRY=$REGISTRY
export CAIRN_INSECURE_REGISTRIES=$REGISTRY
export CAIRN_TEST_IMAGE=$TEST_IMAGE
export CAIRN_TEST_PYTHON_IMAGE=$PY_IMAGE
export CAIRN_EXAMPLES_IMAGE=$EX_IMAGE
export CAIRN_SLURM_PARTITION=$SLURM_PARTITION
export CAIRN_AGENT_JOB_USER=$JOB_USER
export CAIRN_SLURM_CLUSTER=$SLURM_CLUSTER
export CAIRN_SLURM_SERVICE_ACCOUNT=$SLURM_SERVICE_ACCOUNT
export CAIRN_DEV_IDP_ISSUER=$IDP_ISSUER
export CAIRN_DEV_IDP_AUDIENCE=$IDP_AUDIENCE
export CAIRN_DEV_IDP_STATE=$IDP_STATE
export CAIRN_DEV_IDP_PASSWORDS_FILE=$IDP_STATE/passwords.json
export CAIRN_DEV_IDP_CI_SECRET_FILE=$IDP_STATE/cairn-ci.secret
export CAIRN_DEV_PORTAL_URL=$PORTAL_URL
EOF
  registries_env >>"$ENV_FILE"
  local entry user
  for entry in "${PEOPLE_ASSOCS[@]}"; do
    user=${entry%%:*}
    echo "export CAIRN_DEV_${user^^}_ACCOUNTS=${entry#*:}" >>"$ENV_FILE"
  done
  say env "wrote $ENV_FILE"
}

# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------

cmd_up() {
  need_root up
  local t0
  t0=$(now_us)
  mkdir -p "$STATE" "$LOGS"
  if [[ -r /etc/os-release ]] && ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
    echo "dev-cluster: warning: written for Debian 12 (bookworm); this is not it" >&2
  fi
  ensure_packages
  start_munge
  start_mariadb
  start_slurmdbd
  start_slurm
  open_fuse
  ensure_job_user
  ensure_people
  ensure_accounting
  start_nats
  start_postgres
  start_registry
  ensure_test_image
  ensure_python_image
  ensure_examples_image
  start_idp
  ensure_registries
  write_env
  say up "done ($(elapsed "$t0"))"
  echo
  cmd_status
}

cmd_status() {
  local down=0 host node_state
  host=$(hostname -s)
  node_state=$(slurm_node_state || true)
  # line PART DETAIL CHECK...
  line() {
    local part=$1 detail=$2 state=up
    shift 2
    "$@" || {
      state=down
      down=1
    }
    printf '%-12s %-5s %s\n' "$part" "$state" "$detail"
  }
  line munge "munge -n | unmunge" munge_up
  line mariadb "$MARIADB_SOCKET (database $ACCT_DB)" mariadb_up
  line slurmdbd "127.0.0.1:$SLURMDBD_PORT" slurmdbd_up
  line slurmctld "scontrol ping" slurmctld_up
  line slurmd "node $host: ${node_state:-unknown}, partition $SLURM_PARTITION" slurmd_up
  line "job user" "$JOB_USER (Cairn's jobs run as it)" job_user_up
  line people "${PEOPLE[*]} (local users)" people_up
  line accounting "cluster $SLURM_CLUSTER: ${PEOPLE_ASSOCS[*]}, root and $JOB_USER:$SLURM_SERVICE_ACCOUNT" accounting_up
  line nats "$NATS_URL (JetStream, TLS, one user per service and site, monitor $NATS_MONITOR)" nats_secure_up
  line postgres "$DATABASE_URL_SHOWN (password in $PG_SECRET)" postgres_up
  line registry "http://$REGISTRY/v2/" registry_up
  line "test image" "$TEST_IMAGE" test_image_up
  line "python image" "$PY_IMAGE" python_image_up
  line examples "$EX_IMAGE$(examples_stale)" examples_image_up
  line idp "$IDP_ISSUER (dev OpenID provider; secrets in $IDP_STATE)" idp_up
  registries_status line
  return "$down"
}

cmd_down() {
  need_root down
  mkdir -p "$LOGS"
  stop_slurm
  stop_pidfile slurmdbd "$SLURMDBD_PID" slurmdbd
  stop_pidfile mariadb "$MARIADB_PID" mariadbd
  stop_pidfile munge "$MUNGE_PID" munged
  stop_pidfile nats "$NATS_PID" nats-server
  stop_pidfile registry "$REGISTRY_PID" docker-registry
  stop_pidfile idp "$IDP_PID" node
  stop_registries
  local t0
  t0=$(now_us)
  if [[ $(pg_cluster_status) == online* ]]; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop >>"$LOGS/postgres.out" 2>&1 ||
      die "postgres: pg_ctlcluster stop failed; see $LOGS/postgres.out" "$LOGS/postgres.out"
    say postgres "stopped ($(elapsed "$t0"))"
  else
    say postgres "not running"
  fi
  # Anything still answering was not started by this script (no pid file).
  nats_up && echo "dev-cluster: note: something not started here still answers on $NATS_MONITOR" >&2
  registry_up && echo "dev-cluster: note: something not started here still answers on $REGISTRY" >&2
  idp_up && echo "dev-cluster: note: something not started here still answers on $IDP_ISSUER" >&2
  return 0
}

cmd_clear_jobs() {
  need_root clear-jobs
  slurmctld_up || die "slurm: slurmctld does not answer; run '$0 up' first"
  local t0 ids left i
  t0=$(now_us)
  mapfile -t ids < <(squeue --noheader --all --format=%A)
  if ((${#ids[@]} == 0)); then
    say slurm "queue empty"
    return 0
  fi
  scancel --quiet "${ids[@]}" || true
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    left=$(squeue --noheader --all --format=%A | wc -l)
    if ((left == 0)) && [[ $(slurm_node_state) == idle ]]; then
      say slurm "cancelled ${#ids[@]} job(s) left from before; queue empty, node idle ($(elapsed "$t0"))"
      return 0
    fi
    slurm_node_ready || true # resumes a node that a killed job left drained
    sleep 0.25
  done
  die "slurm: $left job(s) still listed ${TIMEOUT}s after scancel (node $(slurm_node_state)); see $SLURM_LOG_DIR/slurmctld.log" \
    "$SLURM_LOG_DIR/slurmctld.log"
}

cmd_env() {
  [[ -r $ENV_FILE ]] || die "no $ENV_FILE yet; run '$0 up' first"
  cat "$ENV_FILE"
}

main() {
  local cmd=${1:-up}
  case $cmd in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  env) cmd_env ;;
  clear-jobs) cmd_clear_jobs ;;
  -h | --help | help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" ;;
  *) die "unknown subcommand '$cmd' (use up, status, down, env or clear-jobs)" ;;
  esac
}

main "$@"
