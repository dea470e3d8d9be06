#!/bin/bash
# cairn-wrap ATTEMPT_DIR (see libs/site-agent/src/batch-script.ts)
set -u
dir=$1
export USER="${USER:-$(id -un)}"
host=$(hostname)
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
started=$(now)
printf '{"startedAt":"%s","host":"%s","slurmJobId":"%s"}\n' "$started" "$host" "${SLURM_JOB_ID:-}" >"$dir/start.json.tmp"
mv -f "$dir/start.json.tmp" "$dir/start.json"
mapfile -d '' -t argv <"$dir/argv"
"${argv[@]}" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
printf '{"startedAt":"%s","endedAt":"%s","host":"%s","exitCode":%d,"slurmJobId":"%s"}\n' \
  "$started" "$(now)" "$host" "$rc" "${SLURM_JOB_ID:-}" >"$dir/exit.json.tmp"
mv -f "$dir/exit.json.tmp" "$dir/exit.json"
exit "$rc"
