#!/bin/bash
# cairn-wrap ATTEMPT_DIR (see libs/site-agent/src/batch-script.ts)
# Runs as the job user. Reads the agent's argv (ATTEMPT_DIR/argv, not writable by jobs),
# writes its records to ATTEMPT_DIR/out (the job user's), and runs the command with only
# Cairn's documented job variables (job-environment.sh): nothing of the agent or the host.
# Hashes the declared inputs before the command runs and the declared outputs after it
# ended (cairn-hash.sh), and puts their digests in exit.json.
set -u
dir=$1
out="$dir/out"
export PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}"
# USER and HOME of the job user: cairn-job-env.sh.
# @include cairn-job-env.sh
# @include cairn-hash.sh
read -r host </proc/sys/kernel/hostname 2>/dev/null || host=$HOSTNAME
stamp started
# Each record is written in place as one line, not renamed into place: the agent takes a record
# as there once its line has ended (readJsonRecord), and a job saves the two `mv` starts.
printf '{"startedAt":"%s","host":"%s","slurmJobId":"%s"}\n' "$started" "$host" "${SLURM_JOB_ID:-}" >"$out/start.json"
hash_inputs "$dir"
mapfile -d '' -t argv <"$dir/argv"
find_runtime "${argv[0]}" || runtime=/nonexistent/${argv[0]}
env -i "${job_env[@]}" "$runtime" "${argv[@]:1}" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
stamp ended
hash_outputs "$dir"
printf '{"startedAt":"%s","endedAt":"%s","host":"%s","exitCode":%d,"slurmJobId":"%s"%s%s}\n' \
  "$started" "$ended" "$host" "$rc" "${SLURM_JOB_ID:-}" "${inputs:+,\"inputs\":$inputs}" "${outputs:+,\"outputs\":$outputs}" >"$out/exit.json"
exit "$rc"
