# registries.sh: the images tests' registries, sourced by dev-cluster.sh (uses its helpers:
# say, die, wait_until, pid_alive, stop_pidfile, http_ok, now_us, elapsed, write_if_changed).
#
# - A basic-auth registry (distribution 2.8, `auth: htpasswd:` with a bcrypt entry made by
#   `htpasswd -B`) on BASIC_REGISTRY with its own storage.
# - A token-auth registry (distribution's `auth: token:`) on TOKEN_REGISTRY, whose realm is
#   the dev token server (tools/dev-registry-auth, Node) on TOKEN_AUTH_URL: it checks Basic
#   credentials and signs RS256 JWTs carrying its self-signed certificate (x5c); the registry
#   trusts that certificate (rootcertbundle). Only REGISTRY_USER gets pull/push; anonymous
#   requests get a token with no access.
# - One containers-auth.json (REGISTRY_AUTH_FILE, 0600) with the credentials of both. The
#   passwords, the token server's key and certificate are generated once into AUTH_DIR
#   (root only, 0700; files 0600).
# - Both hold lab/busybox:1.36 (copied from the open registry), and the open registry holds a
#   multi-platform OCI index MULTIARCH_IMAGE: linux/amd64 and linux/arm64 manifests of the
#   same busybox layer with different configs.

AUTH_DIR="$STATE/registry-auth"
REGISTRY_USER=cairn-dev
REGISTRY_AUTH_FILE="$AUTH_DIR/containers-auth.json"
BASIC_REGISTRY=127.0.0.1:5001
BASIC_DIR="$STATE/registry-basic"
BASIC_PASSWORD_FILE="$AUTH_DIR/basic.password"
BASIC_HTPASSWD="$AUTH_DIR/basic.htpasswd"
TOKEN_REGISTRY=127.0.0.1:5002
TOKEN_DIR="$STATE/registry-token"
TOKEN_PASSWORD_FILE="$AUTH_DIR/token.password"
TOKEN_AUTH_HOST=127.0.0.1
TOKEN_AUTH_PORT=5003
TOKEN_AUTH_URL="http://$TOKEN_AUTH_HOST:$TOKEN_AUTH_PORT"
TOKEN_REALM="$TOKEN_AUTH_URL/token"
TOKEN_SERVICE=cairn-dev-registry
TOKEN_ISSUER=cairn-dev-registry-auth
TOKEN_KEY="$AUTH_DIR/token-signing.key"
TOKEN_CERT="$AUTH_DIR/token-signing.pem"
TOKEN_AUTH_PID="$AUTH_DIR/token-server.pid"
TOKEN_AUTH_STAMP="$AUTH_DIR/token-server.running"
AUTH_REPO=lab/busybox
AUTH_TAG=1.36
MULTIARCH_REPO=lab/multiarch
MULTIARCH_TAG=1
MULTIARCH_IMAGE="$REGISTRY/$MULTIARCH_REPO:$MULTIARCH_TAG"
MULTIARCH_PLATFORMS=(amd64 arm64)
OCI_INDEX=application/vnd.oci.image.index.v1+json

# auth_secret FILE: a random password in FILE (0600) unless it has one; prints it.
auth_secret() {
  local pw
  if [[ ! -s $1 ]]; then
    pw=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    [[ ${#pw} -eq 48 ]] || die "registries: could not read random bytes for a password"
    (umask 077 && printf '%s\n' "$pw" >"$1.tmp" && mv -f "$1.tmp" "$1")
  fi
  chmod 0600 "$1"
  read -r pw <"$1"
  [[ $pw =~ ^[0-9a-f]{48}$ ]] || die "registries: $1 does not hold a password up wrote; remove it and run up again"
  echo "$pw"
}

# ensure_registry_secrets: the passwords, the htpasswd entry, the token server's key and
# certificate, and the auth file, each made once (the htpasswd file again if its password changed).
ensure_registry_secrets() {
  local basic token log="$LOGS/registries.log"
  (umask 077 && mkdir -p "$AUTH_DIR")
  chmod 0700 "$AUTH_DIR"
  basic=$(auth_secret "$BASIC_PASSWORD_FILE")
  token=$(auth_secret "$TOKEN_PASSWORD_FILE")
  # The password goes through stdin (-i), never an argv.
  if ! [[ -s $BASIC_HTPASSWD ]] || ! htpasswd -v -i "$BASIC_HTPASSWD" "$REGISTRY_USER" <<<"$basic" >/dev/null 2>&1; then
    (umask 077 && htpasswd -B -i -c "$BASIC_HTPASSWD.tmp" "$REGISTRY_USER" <<<"$basic" >>"$log" 2>&1) ||
      die "registries: htpasswd -B failed; see $log" "$log"
    mv -f "$BASIC_HTPASSWD.tmp" "$BASIC_HTPASSWD"
  fi
  chmod 0600 "$BASIC_HTPASSWD"
  if [[ ! -s $TOKEN_KEY || ! -s $TOKEN_CERT ]]; then
    (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -subj "/CN=$TOKEN_ISSUER" -keyout "$TOKEN_KEY.tmp" -out "$TOKEN_CERT.tmp" >>"$log" 2>&1) ||
      die "registries: openssl could not make the token server's key and certificate; see $log" "$log"
    mv -f "$TOKEN_KEY.tmp" "$TOKEN_KEY"
    mv -f "$TOKEN_CERT.tmp" "$TOKEN_CERT"
  fi
  chmod 0600 "$TOKEN_KEY" "$TOKEN_CERT"
  write_private_file "$REGISTRY_AUTH_FILE" <<EOF
{
  "auths": {
    "$BASIC_REGISTRY": { "auth": "$(printf '%s:%s' "$REGISTRY_USER" "$basic" | base64 -w0)" },
    "$TOKEN_REGISTRY": { "auth": "$(printf '%s:%s' "$REGISTRY_USER" "$token" | base64 -w0)" }
  }
}
EOF
}

# auth_registry_conf ADDR DIR AUTH_YAML: a registry's config.yml.
auth_registry_conf() {
  cat <<EOF
# Written by tools/dev-cluster/dev-cluster.sh (registries.sh); local edits are overwritten.
version: 0.1
log:
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $2/data
  delete:
    enabled: true
http:
  addr: $1
$3
EOF
}

# registry_asks ADDR: the registry answers /v2/ with 401 to a request without credentials.
registry_asks() {
  [[ $(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://$1/v2/" 2>/dev/null) == 401 ]]
}

# start_auth_registry PART ADDR DIR AUTH_YAML: a registry with authentication, restarted
# when its config or (for htpasswd) the password file changed since it started.
start_auth_registry() {
  local part=$1 addr=$2 dir=$3 t0 log="$LOGS/$1.log" want running='' how=started
  local conf="$dir/config.yml" pidfile="$dir/registry.pid" stamp="$dir/config.running"
  t0=$(now_us)
  mkdir -p "$dir/data"
  auth_registry_conf "$addr" "$dir" "$4" | write_if_changed "$conf" || true
  want=$(cat "$conf" "$BASIC_HTPASSWD" "$TOKEN_CERT" | sha256sum | cut -d ' ' -f 1)
  if registry_asks "$addr" || http_ok "http://$addr/v2/"; then
    read -r running 2>/dev/null <"$stamp" || running=''
    if [[ $running == "$want" ]]; then
      say "$part" "already up"
      return 0
    fi
    pid_alive "$pidfile" docker-registry || die "$part: something not started here answers on $addr; stop it, then run up again"
    stop_pidfile "$part" "$pidfile" docker-registry
    how=restarted
  fi
  nohup /usr/bin/docker-registry serve "$conf" </dev/null >>"$log" 2>&1 &
  echo $! >"$pidfile"
  wait_until "$part" "$log" --pid "$pidfile" docker-registry registry_asks "$addr"
  echo "$want" >"$stamp"
  say "$part" "$how on $addr ($(elapsed "$t0"))"
}

start_basic_registry() {
  start_auth_registry "basic registry" "$BASIC_REGISTRY" "$BASIC_DIR" "auth:
  htpasswd:
    realm: cairn-dev-basic
    path: $BASIC_HTPASSWD"
}

start_token_registry() {
  start_auth_registry "token registry" "$TOKEN_REGISTRY" "$TOKEN_DIR" "auth:
  token:
    realm: $TOKEN_REALM
    service: $TOKEN_SERVICE
    issuer: $TOKEN_ISSUER
    rootcertbundle: $TOKEN_CERT"
}

# ---------------------------------------------------------------------------
# The token server (tools/dev-registry-auth)
# ---------------------------------------------------------------------------

token_auth_up() {
  curl -fs --max-time 2 "$TOKEN_AUTH_URL/healthz" 2>/dev/null |
    jq -e --arg issuer "$TOKEN_ISSUER" '.issuer == $issuer' >/dev/null 2>&1
}

start_token_auth() {
  local t0 log="$LOGS/registry-auth.log" want running='' root="$CAIRN_ROOT"
  t0=$(now_us)
  want=$({
    echo "$TOKEN_AUTH_URL $TOKEN_ISSUER $TOKEN_SERVICE $REGISTRY_USER"
    find "$root/tools/dev-registry-auth/src" -name '*.ts' ! -name '*.spec.ts' -print0 | sort -z | xargs -0 cat
    cat "$TOKEN_CERT" "$TOKEN_PASSWORD_FILE"
  } | sha256sum | cut -d ' ' -f 1)
  if token_auth_up; then
    read -r running 2>/dev/null <"$TOKEN_AUTH_STAMP" || running=''
    if [[ $running == "$want" ]]; then
      say "token server" "already up"
      return 0
    fi
    pid_alive "$TOKEN_AUTH_PID" node || die "token server: something not started here answers on $TOKEN_AUTH_URL"
    say "token server" "code or settings changed; restarting"
    stop_pidfile "token server" "$TOKEN_AUTH_PID" node
  fi
  (cd "$root" && exec nohup node -r "$root/tools/register.js" "$root/tools/dev-registry-auth/src/main.ts" serve \
    --host "$TOKEN_AUTH_HOST" --port "$TOKEN_AUTH_PORT" --issuer "$TOKEN_ISSUER" --service "$TOKEN_SERVICE" \
    --key "$TOKEN_KEY" --cert "$TOKEN_CERT" --user "$REGISTRY_USER" --password-file "$TOKEN_PASSWORD_FILE") \
    </dev/null >>"$log" 2>&1 &
  echo $! >"$TOKEN_AUTH_PID"
  wait_until "token server" "$log" --pid "$TOKEN_AUTH_PID" node token_auth_up
  echo "$want" >"$TOKEN_AUTH_STAMP"
  say "token server" "started ($(elapsed "$t0")): realm $TOKEN_REALM"
}

# ---------------------------------------------------------------------------
# Their images
# ---------------------------------------------------------------------------

# auth_tag_up ADDR: ADDR has lab/busybox:1.36, read with the auth file's credentials.
auth_tag_up() {
  [[ -r $REGISTRY_AUTH_FILE ]] &&
    timeout 10 skopeo inspect --raw --tls-verify=false --authfile "$REGISTRY_AUTH_FILE" \
      "docker://$1/$AUTH_REPO:$AUTH_TAG" >/dev/null 2>&1
}

basic_registry_up() { registry_asks "$BASIC_REGISTRY" && auth_tag_up "$BASIC_REGISTRY"; }
token_registry_up() { registry_asks "$TOKEN_REGISTRY" && token_auth_up && auth_tag_up "$TOKEN_REGISTRY"; }

# ensure_auth_image PART ADDR: copy the open registry's busybox there unless it has it.
ensure_auth_image() {
  local t0 log="$LOGS/registries.log"
  t0=$(now_us)
  if auth_tag_up "$2"; then
    say "$1" "has $2/$AUTH_REPO:$AUTH_TAG"
    return 0
  fi
  skopeo copy --src-tls-verify=false --dest-tls-verify=false --dest-authfile "$REGISTRY_AUTH_FILE" \
    "docker://$TEST_IMAGE" "docker://$2/$AUTH_REPO:$AUTH_TAG" >>"$log" 2>&1 ||
    die "$1: pushing $2/$AUTH_REPO:$AUTH_TAG failed; see $log" "$log"
  auth_tag_up "$2" || die "$1: pushed, but $2/$AUTH_REPO:$AUTH_TAG cannot be read back; see $log" "$log"
  say "$1" "pushed $2/$AUTH_REPO:$AUTH_TAG ($(elapsed "$t0"))"
}

# multiarch_up: the open registry has the index with a manifest for each platform.
multiarch_up() {
  local raw
  raw=$(curl -fs --max-time 2 -H "Accept: $OCI_INDEX" "http://$REGISTRY/v2/$MULTIARCH_REPO/manifests/$MULTIARCH_TAG" 2>/dev/null) || return 1
  jq -e --arg want "$(printf '%s\n' "${MULTIARCH_PLATFORMS[@]}" | sort | paste -sd,)" \
    '.mediaType == "application/vnd.oci.image.index.v1+json" and
     ([.manifests[].platform.architecture] | sort | join(",")) == $want' >/dev/null 2>&1 <<<"$raw"
}

# ensure_multiarch_image: the busybox image's layers under one config per platform (umoci),
# an OCI index over them written into the layout, pushed with skopeo copy --all.
ensure_multiarch_image() {
  local t0 work layout log="$LOGS/multiarch-image.log" arch digest size entries=() index hex
  t0=$(now_us)
  if multiarch_up; then
    say "multiarch image" "already in registry ($MULTIARCH_IMAGE)"
    return 0
  fi
  mkdir -p "$STATE/tmp"
  work=$(mktemp -d "$STATE/tmp/multiarch.XXXXXX")
  layout="$work/layout"
  skopeo copy --src-tls-verify=false "docker://$TEST_IMAGE" "oci:$layout:base" >>"$log" 2>&1 ||
    die "multiarch image: pulling $TEST_IMAGE failed; see $log" "$log"
  for arch in "${MULTIARCH_PLATFORMS[@]}"; do
    {
      umoci tag --image "$layout:base" "$arch" &&
        umoci config --image "$layout:$arch" --architecture "$arch" --os linux \
          --config.label "org.cairn.dev.platform=linux/$arch" \
          --config.env "CAIRN_DEV_PLATFORM=linux/$arch"
    } >>"$log" 2>&1 || die "multiarch image: umoci config for $arch failed; see $log" "$log"
    digest=$(jq -r --arg t "$arch" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$layout/index.json")
    size=$(stat -c %s "$layout/blobs/sha256/${digest#sha256:}")
    entries+=("$(jq -cn --arg d "$digest" --argjson s "$size" --arg a "$arch" \
      '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {architecture: $a, os: "linux"}}')")
  done
  index=$(printf '%s\n' "${entries[@]}" | jq -cs '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}')
  printf '%s' "$index" >"$work/index.blob"
  hex=$(sha256sum <"$work/index.blob" | cut -d ' ' -f 1)
  mv "$work/index.blob" "$layout/blobs/sha256/$hex"
  jq --arg d "sha256:$hex" --argjson s "$(printf '%s' "$index" | wc -c)" --arg t "$MULTIARCH_TAG" \
    '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $t}}]' \
    "$layout/index.json" >"$work/index.json" && mv "$work/index.json" "$layout/index.json"
  skopeo copy --all --dest-tls-verify=false "oci:$layout:$MULTIARCH_TAG" "docker://$MULTIARCH_IMAGE" >>"$log" 2>&1 ||
    die "multiarch image: skopeo copy --all to $MULTIARCH_IMAGE failed; see $log" "$log"
  rm -rf "$work"
  multiarch_up || die "multiarch image: pushed, but $MULTIARCH_IMAGE is not an index of ${MULTIARCH_PLATFORMS[*]}; see $log" "$log"
  say "multiarch image" "pushed $MULTIARCH_IMAGE (index sha256:$hex: ${MULTIARCH_PLATFORMS[*]}, $(elapsed "$t0"))"
}

# ensure_registries: everything above, in order.
ensure_registries() {
  ensure_registry_secrets
  start_basic_registry
  ensure_auth_image "basic registry" "$BASIC_REGISTRY"
  start_token_auth
  start_token_registry
  ensure_auth_image "token registry" "$TOKEN_REGISTRY"
  ensure_multiarch_image
}

# registries_env: the env file's lines for them.
registries_env() {
  cat <<EOF
export CAIRN_DEV_BASIC_REGISTRY=$BASIC_REGISTRY
export CAIRN_DEV_TOKEN_REGISTRY=$TOKEN_REGISTRY
export CAIRN_DEV_REGISTRY_AUTH_FILE=$REGISTRY_AUTH_FILE
export CAIRN_DEV_REGISTRY_DATA_DIR=$REGISTRY_DIR/data
export CAIRN_DEV_MULTIARCH_IMAGE=$MULTIARCH_IMAGE
EOF
}

# registries_status LINE_FUNCTION: their status lines.
registries_status() {
  "$1" "basic reg" "http://$BASIC_REGISTRY/v2/ (htpasswd; $AUTH_REPO:$AUTH_TAG; auth file $REGISTRY_AUTH_FILE)" basic_registry_up
  "$1" "token auth" "$TOKEN_REALM (dev-registry-auth, issuer $TOKEN_ISSUER)" token_auth_up
  "$1" "token reg" "http://$TOKEN_REGISTRY/v2/ (bearer tokens; $AUTH_REPO:$AUTH_TAG)" token_registry_up
  "$1" multiarch "$MULTIARCH_IMAGE (index: ${MULTIARCH_PLATFORMS[*]})" multiarch_up
}

stop_registries() {
  stop_pidfile "basic registry" "$BASIC_DIR/registry.pid" docker-registry
  stop_pidfile "token registry" "$TOKEN_DIR/registry.pid" docker-registry
  stop_pidfile "token server" "$TOKEN_AUTH_PID" node
  rm -f "$BASIC_DIR/config.running" "$TOKEN_DIR/config.running" "$TOKEN_AUTH_STAMP"
}
