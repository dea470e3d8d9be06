#!/bin/bash
# cairn-wrap-array ATTEMPT_DIR (see libs/site-agent/src/array-element.ts)
# One element of an array job, run as the job user: runs the items of element
# $SLURM_ARRAY_TASK_ID one after another, each with its own argument vector (from the
# agent's ATTEMPT_DIR/elements/<k>, not writable by jobs) and only Cairn's documented job
# variables plus CAIRN_ITEM_INDEX, and appends one JSON line per item to
# ATTEMPT_DIR/out/items-<element>.jsonl. Items already recorded with exit code 0 (a
# requeued element) are skipped. Exits 0 only when every item succeeded. No user string
# is parsed by this shell. Each item's declared outputs are hashed in its directory when it
# ends and put in its line (cairn-hash.sh); element 0 hashes the job's declared inputs
# once, before its first item, into ATTEMPT_DIR/out/inputs.json.
set -u
dir=$1
out="$dir/out"
element=${SLURM_ARRAY_TASK_ID:?cairn-wrap-array runs only as an array task}
# When this shell ends, an empty marker tells the agent that this run of the element ended
# (see cairn-wrap-element.sh and out-signals.ts: a hint that makes the agent list Slurm now).
trap ': >"$out/ended-$element.${SLURM_RESTART_COUNT:-0}"' EXIT
export PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}"
# USER and HOME of the job user: cairn-job-env.sh.
# @include cairn-job-env.sh
# @include cairn-hash.sh
host=$(hostname)
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
results="$out/items-$element.jsonl"
mapfile -d '' -t fields <"$dir/elements/$element"
if ((element == 0)) && [[ -f $dir/hash-inputs ]]; then
  hash_inputs "$dir"
  # One line written in place: whole once it has ended (as cairn-wrap.sh's records).
  printf '{"inputs":%s}\n' "$inputs" >"$out/inputs.json"
fi
child=
trap '[[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null' TERM INT
failed=0
i=0
while ((i < ${#fields[@]})); do
  item=${fields[i]}
  argc=${fields[i + 1]:-x}
  if [[ ! $item =~ ^[0-9]+$ || ! $argc =~ ^[0-9]+$ ]]; then
    echo "cairn-wrap-array: malformed element file $dir/elements/$element" >&2
    exit 70
  fi
  args=("${fields[@]:i+2:argc}")
  i=$((i + 2 + argc))
  if [[ -f $results ]] && grep -q "^{\"item\":$item,\"exitCode\":0," "$results"; then
    continue
  fi
  started=$(now)
  runtime=$(resolve_runtime "${args[0]}") || runtime=/nonexistent/${args[0]}
  env -i "${job_env[@]}" "CAIRN_ITEM_INDEX=$item" "$runtime" "${args[@]:1}" &
  child=$!
  wait "$child"
  rc=$?
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    rc=$?
  done
  child=
  ended=$(now)
  hash_outputs "$dir" "$item"
  printf '{"item":%d,"exitCode":%d,"startedAt":"%s","endedAt":"%s","host":"%s"%s}\n' \
    "$item" "$rc" "$started" "$ended" "$host" "${outputs:+,\"outputs\":$outputs}" >>"$results"
  ((rc == 0)) || failed=1
done
exit "$failed"
