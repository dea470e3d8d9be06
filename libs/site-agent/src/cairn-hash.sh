# cairn-hash.sh: included in both wrappers (see hashed-files.ts). Hashes the files a job
# declared, where it runs: its outputs (listed by the agent in ATTEMPT_DIR/hash-outputs:
# the run's directory, the step's directory, then each output relative to it) and its
# inputs from outside the run (ATTEMPT_DIR/hash-inputs: absolute paths). Both lists are
# NUL-separated and the agent's (jobs cannot write them). Paths reach programs as
# arguments after "--", never through the shell's parsing. Each file is read once
# (sha256sum), its size is stat's.

# The most files one job or item reports (MAX_HASHED_FILES in libs/contracts).
max_hashed=64

# Every helper below sets a variable rather than printing: a command substitution costs a
# fork, and an array job runs these once per item.

# digest_of PATH: sets digest to "<sha256> <size> <kind>" of a regular file, or of a
# directory (the sha256 of the sorted lines "<sha256>  <relative path>" sha256sum prints for
# every regular file below it, symbolic links not followed; its size the sum of theirs).
# Fails for anything else (a FIFO, a device) and when a file cannot be read.
digest_of() {
  local path=$1 sum size
  digest=
  if [[ -f $path && ! -L $path ]]; then
    sum=$(sha256sum <"$path") || return 1
    size=$(stat -c %s -- "$path") || return 1
    digest="${sum%% *} $size file"
  elif [[ -d $path && ! -L $path ]]; then
    sum=$(cd -- "$path" && set -o pipefail &&
      find . -mindepth 1 -type f -printf '%P\0' | xargs -0 -r sha256sum -- | LC_ALL=C sort | sha256sum) || return 1
    size=$(cd -- "$path" && set -o pipefail && find . -mindepth 1 -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }') || return 1
    digest="${sum%% *} $size dir"
  else
    return 1
  fi
}

# resolve PATH (absolute): sets real to where PATH is with every symbolic link resolved.
# The directories are resolved by the shell itself (cd -P); realpath runs only when the
# last component is a link. Fails when PATH does not exist.
resolve() {
  local path=$1 here=$PWD CDPATH=
  real=
  if [[ -L $path ]]; then
    real=$(realpath -e -- "$path" 2>/dev/null)
    return
  fi
  [[ -e $path ]] || return 1
  cd -P -- "${path%/*}/" 2>/dev/null || return 1
  real=${PWD%/}/${path##*/}
  cd -- "$here"
}

# hash_declared BOUNDARY BASE PATH...: sets hashed to a JSON array with the digest of each
# PATH (BASE/PATH when BASE is set) by its position in the list: {"i":N,"sha256":..,
# "size":..,"kind":..}. With a BOUNDARY, a path whose real location lies outside it (a
# symbolic link out of the run) is not hashed. What is not hashed is said on stderr; the
# agent reports the declared paths missing from the array as unhashed.
hash_declared() {
  local boundary=$1 base=$2 i=0 sep= path sum size kind
  shift 2
  hashed='['
  for path in "$@"; do
    ((i < max_hashed)) || break
    [[ -n $base ]] && path="$base/$path"
    if ! resolve "$path"; then
      printf 'cairn-wrap: not hashed (missing): %s\n' "$path" >&2
    elif [[ -n $boundary && $real != "$boundary" && $real != "$boundary"/* ]]; then
      printf 'cairn-wrap: not hashed (leads out of the run): %s\n' "$path" >&2
    elif ! digest_of "$real"; then
      printf 'cairn-wrap: not hashed (not a readable file or directory): %s\n' "$path" >&2
    else
      read -r sum size kind <<<"$digest"
      printf -v hashed '%s%s{"i":%d,"sha256":"%s","size":%s,"kind":"%s"}' "$hashed" "$sep" "$i" "$sum" "$size" "$kind"
      sep=,
    fi
    i=$((i + 1))
  done
  hashed+=']'
}

# hash_inputs ATTEMPT_DIR: sets inputs to the JSON array of the declared inputs' digests
# ("" without any).
hash_inputs() {
  inputs=
  [[ -f $1/hash-inputs ]] || return 0
  local -a list
  mapfile -d '' -t list <"$1/hash-inputs"
  hash_declared '' '' "${list[@]}"
  inputs=$hashed
}

# hash_outputs ATTEMPT_DIR [ITEM]: sets outputs to the JSON array of the declared outputs'
# digests, in the step's directory (an item's: <step dir>/ITEM), never outside the run (""
# without any). The run's directory is resolved once per wrapper.
hash_outputs() {
  outputs=
  [[ -f $1/hash-outputs ]] || return 0
  if [[ -z ${hash_list+set} ]]; then
    mapfile -d '' -t hash_list <"$1/hash-outputs"
    ((${#hash_list[@]} >= 2)) && resolve "${hash_list[0]}" && hash_boundary=$real || hash_boundary=/nonexistent
  fi
  ((${#hash_list[@]} >= 2)) || return 0
  hash_declared "$hash_boundary" "${hash_list[1]}${2:+/$2}" "${hash_list[@]:2}"
  outputs=$hashed
}
