#!/bin/bash
# cairn-wrap-element ATTEMPT_DIR (see libs/site-agent/src/element-launch.ts, ADR 0016)
# One element of an array job, run as the job user, in ONE container start: the items of
# element $SLURM_ARRAY_TASK_ID not yet recorded with exit code 0 (a requeued element skips
# them) go, as the item runner's work list (ATTEMPT_DIR/elements/<k>, the agent's, not
# writable by jobs: per item its index, working directory, argument count and arguments,
# NUL-separated), to the runner's standard input; the container is started with the
# agent's argument vector (ATTEMPT_DIR/element-launch, ending with the runner's path) and
# only Cairn's documented job variables. The runner (cairn-items.c) runs the items one after
# another and reports each on file descriptor 3; for each report this wrapper hashes the
# item's declared outputs in its directory (cairn-hash.sh) and appends its line to
# ATTEMPT_DIR/out/items-<element>.jsonl, as cairn-wrap-array did. Element 0 hashes the job's
# declared inputs once, before the container starts. SIGTERM is passed on to the runner,
# which passes it on to the running item and starts no other. Exits 0 only when every item
# succeeded; 70 when no item ran because the work list was malformed or did not reach the
# runner whole (empty, or standard input closed). No user string is parsed by this shell.
set -u
dir=$1
out="$dir/out"
element=${SLURM_ARRAY_TASK_ID:?cairn-wrap-element runs only as an array task}
# When this shell ends (any exit, or a SIGTERM; not a SIGKILL), an empty marker tells the
# agent that this run of the element ended: it then lists Slurm (out-signals.ts) instead of
# waiting for its back-off. One name per run of the element (a requeue is a new name). A hint
# only: the agent's outcome still comes from Slurm's listing and the item records.
trap ': >"$out/ended-$element.${SLURM_RESTART_COUNT:-0}"' EXIT
export PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}"
# USER and HOME of the job user: cairn-job-env.sh.
# @include cairn-job-env.sh
# @include cairn-hash.sh
read -r host </proc/sys/kernel/hostname 2>/dev/null || host=$HOSTNAME
results="$out/items-$element.jsonl"
malformed() {
  echo "cairn-wrap-element: malformed element file $dir/elements/$element" >&2
  exit 70
}
mapfile -d '' -t launch <"$dir/element-launch"
((${#launch[@]} > 0)) || malformed
if ((element == 0)) && [[ -f $dir/hash-inputs ]]; then
  hash_inputs "$dir"
  # One line written in place: whole once it has ended (as cairn-wrap.sh's records).
  printf '{"inputs":%s}\n' "$inputs" >"$out/inputs.json"
fi
# A first run of the element (no records yet: nothing to skip) hands its element file to the
# runner as it is: the runner checks the whole list before running anything (exit 70 when it
# is malformed or empty), and 8 elements starting at once on 2 cores do not each spend tens of
# milliseconds walking it in bash. A later run (a requeue) checks it here and drops the items
# recorded with exit code 0 by an earlier run.
todo=()
if [[ -f $results ]]; then
  mapfile -d '' -t fields <"$dir/elements/$element"
  declare -A succeeded=()
  while IFS= read -r line; do
    [[ $line =~ ^\{\"item\":([0-9]+),\"exitCode\":0, ]] && succeeded[${BASH_REMATCH[1]}]=1
  done <"$results"
  i=0
  while ((i < ${#fields[@]})); do
    item=${fields[i]}
    argc=${fields[i + 2]:-x}
    [[ $item =~ ^[0-9]+$ && $argc =~ ^[0-9]+$ ]] && ((argc > 0 && i + 3 + argc <= ${#fields[@]})) || malformed
    [[ -n ${succeeded[$item]:-} ]] || todo+=("${fields[@]:i:3+argc}")
    i=$((i + 3 + argc))
  done
  ((${#todo[@]} > 0)) || exit 0
else
  [[ -s $dir/elements/$element ]] || exit 0
fi
# Turns the runner's reports into records; it outlives a SIGTERM to write the last one, and
# ends at the runner's "end" line (or when no process holds the pipe any more).
record() {
  trap '' TERM INT
  local item rc started ended stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
  while IFS=' ' read -r item rc started ended; do
    [[ $item == end ]] && break
    # An item may reach the runner's pipe (/proc/<runner>/fd/3): only well-formed reports
    # become records, so no text of an item ever lands in a JSON line.
    [[ $item =~ ^[0-9]+$ && $rc =~ ^[0-9]+$ && $started =~ $stamp && $ended =~ $stamp ]] || continue
    hash_outputs "$dir" "$item"
    printf '{"item":%d,"exitCode":%d,"startedAt":"%s","endedAt":"%s","host":"%s"%s}\n' \
      "$item" "$rc" "$started" "$ended" "$host" "${outputs:+,\"outputs\":$outputs}" >>"$results"
  done
}
find_runtime "${launch[0]}" || runtime=/nonexistent/${launch[0]}
# The work list is fed by a child of this shell: a process substitution in the runtime's own
# redirections would be a child of the runtime (ch-run takes any child's end for its command's).
if ((${#todo[@]} > 0)); then
  exec {list}< <(printf '%s\0' "${todo[@]}")
else
  exec {list}<"$dir/elements/$element"
fi
exec {reports}> >(exec {list}<&- && record)
recorder=$!
child=
trap '[[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null' TERM INT
env -i "${job_env[@]}" "$runtime" "${launch[@]:1}" 3>&"$reports" {reports}>&- <&"$list" {list}<&- &
child=$!
exec {reports}>&- {list}<&-
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
while kill -0 "$recorder" 2>/dev/null; do
  wait "$recorder"
done
# 70: the runner ran nothing, its work list being malformed or not reaching it (as above).
((rc == 0)) && exit 0
((rc == 70)) && exit 70
exit 1
