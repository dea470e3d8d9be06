# cairn-job-env.sh: included in both wrappers (see job-environment.ts). Sets job_env, the
# whole environment a job's container runtime starts with: Cairn's documented job
# variables (docs/configuration.md, "What a job sees"), nothing else of the host's.
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
resolve_runtime() {
  local found
  found=$(type -P -- "$1") || { echo "cairn-wrap: $1 not found on PATH ($PATH)" >&2; return 127; }
  printf '%s' "$found"
}
