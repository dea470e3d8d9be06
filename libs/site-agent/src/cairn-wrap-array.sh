#!/bin/bash
# cairn-wrap-array ATTEMPT_DIR (see libs/site-agent/src/array-element.ts)
# One element of an array job: runs the items of element $SLURM_ARRAY_TASK_ID one after
# another, each with its own argument vector, and appends one JSON line per item to
# items-<element>.jsonl. Items already recorded with exit code 0 (a requeued element) are
# skipped. Exits 0 only when every item succeeded. No user string is parsed by this shell.
set -u
dir=$1
element=${SLURM_ARRAY_TASK_ID:?cairn-wrap-array runs only as an array task}
export USER="${USER:-$(id -un)}"
host=$(hostname)
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
results="$dir/items-$element.jsonl"
mapfile -d '' -t fields <"$dir/elements/$element"
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
  CAIRN_ITEM_INDEX=$item "${args[@]}" &
  child=$!
  wait "$child"
  rc=$?
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    rc=$?
  done
  child=
  printf '{"item":%d,"exitCode":%d,"startedAt":"%s","endedAt":"%s","host":"%s"}\n' \
    "$item" "$rc" "$started" "$(now)" "$host" >>"$results"
  ((rc == 0)) || failed=1
done
exit "$failed"
