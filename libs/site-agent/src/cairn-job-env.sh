# cairn-job-env.sh: included in all the wrappers (see job-environment.ts). First sets USER and
# HOME of the user the job runs as, then job_env, the whole environment a job's container
# runtime starts with: Cairn's documented job variables (docs/configuration.md, "What a job
# sees"), nothing else of the host's.
# Who the job runs as, from passwd, by the uid it runs with (a job root submits for another
# user gets only PATH and SLURM_* of the agent's environment, sbatchEnvironment in
# slurm-args.ts: no USER, and root's HOME would be wrong): ch-run needs USER. bash asks
# passwd itself (getpwuid), with no fork (a one-second job pays each one): its prompt escape
# \u is the user's name, and ~ with HOME unset is the user's home.
user_escape='\u'
USER=${user_escape@P}
[[ $USER == 'I have no name!' ]] && USER=
unset HOME
HOME=~
export USER HOME="${HOME:-/tmp}"
job_env=(
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "HOME=/tmp"
  "USER=$USER"
  "LOGNAME=$USER"
)
for name in SLURM_JOB_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_CPUS_PER_TASK SLURM_JOB_NODELIST SLURM_JOB_NUM_NODES; do
  if [[ -n ${!name:-} ]]; then job_env+=("$name=${!name}"); fi
done
# The runtime is found on the wrapper's PATH, then started with the job's environment.
# find_runtime NAME: sets runtime to its path as `type -P` finds it, without a fork (bash's
# command hash; a shell builtin's name is still looked up with type -P); fails, saying so,
# when NAME is not an executable on PATH (a NAME with a slash is taken as it is).
find_runtime() {
  runtime=
  if [[ $1 == */* ]]; then
    [[ -f $1 && -x $1 ]] && runtime=$1
  elif hash -- "$1" 2>/dev/null && [[ -n ${BASH_CMDS[$1]-} ]]; then
    runtime=${BASH_CMDS[$1]}
  else
    runtime=$(type -P -- "$1")
  fi
  [[ -n $runtime ]] && return 0
  echo "cairn-wrap: $1 not found on PATH ($PATH)" >&2
  return 127
}
resolve_runtime() {
  local found
  found=$(type -P -- "$1") || { echo "cairn-wrap: $1 not found on PATH ($PATH)" >&2; return 127; }
  printf '%s' "$found"
}
# stamp VAR: sets VAR to the time now, UTC, as 2026-12-02T09:30:00.123Z, without a fork
# (EPOCHREALTIME and printf's strftime; whatever the locale's decimal separator).
stamp() {
  local t=${EPOCHREALTIME//[!0-9]/}
  TZ=UTC0 printf -v "$1" '%(%Y-%m-%dT%H:%M:%S)T.%sZ' "${t:0:${#t}-6}" "${t:${#t}-6:3}"
}
