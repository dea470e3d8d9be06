#!/usr/bin/env bash
# render-users.sh GRANTS [--extra USERS_JSON] SITE...
# Prints nats-server's `authorization { users = [...] }` block: every user of GRANTS
# (deploy/nats/grants.json, generated from libs/contracts/src/nats-permissions.ts), one agent
# user per SITE from its per-site grant, and the users of USERS_JSON (a JSON array of grants:
# the test harness's own). Passwords are never in the output: each user's password is the
# environment variable CAIRN_NATS_PASSWORD_<USER> (upper case, "-" as "_"), which nats-server
# reads when it loads the file. The one renderer of Cairn's NATS users: the dev cluster, the
# test harness and deploy/nats/users.conf all come from it (ADR 0010). Needs jq.
# `allowResponses: true` becomes `allow_responses: { max: 1, expires: "35m" }`: one reply per
# request received, within 35 minutes. nats-server's `allow_responses: true` allows only 2
# minutes, and a materialisation (images.materialize, agent image-materialize) may be
# answered after up to 30 (docs/images.md); a later reply would be refused.
set -euo pipefail
usage() { echo "usage: render-users.sh GRANTS [--extra USERS_JSON] SITE..." >&2; exit 2; }
[[ $# -ge 1 ]] || usage
grants=$1
shift
extra=/dev/null
if [[ ${1:-} == --extra ]]; then
  [[ $# -ge 2 ]] || usage
  extra=$2
  shift 2
fi
for site in "$@"; do
  [[ $site =~ ^[a-z][a-z0-9-]{0,31}$ ]] || { echo "render-users.sh: '$site' is not a site name" >&2; exit 2; }
done
sites=$(printf '%s\n' "$@" | jq -R . | jq -s 'map(select(length > 0)) | unique')
extra_users=$(jq -s 'add // []' "$extra")

jq -r --argjson sites "$sites" --argjson extra "$extra_users" '
  def check(re; what): if type == "string" and test(re) then . else error("render-users.sh: bad \(what): \(tojson)") end;
  def subjects: map(check("^[A-Za-z0-9_$*>.-]{1,256}$"; "subject") | tojson) | "[" + join(", ") + "]";
  def side: "{ allow: " + (.allow | subjects) + (if (.deny | length) > 0 then ", deny: " + (.deny | subjects) else "" end) + " }";
  def variable: "CAIRN_NATS_PASSWORD_" + (.user | ascii_upcase | gsub("-"; "_"));
  def entry:
    (.user | check("^[A-Za-z0-9_-]{1,64}$"; "user name")) as $user
    | "    # " + (.role | gsub("[\\r\\n]"; " ")) + "\n"
    + "    { user: " + ($user | tojson) + ", password: $" + variable + ", permissions: {\n"
    + "        publish: " + (.permissions.publish | side) + "\n"
    + "        subscribe: " + (.permissions.subscribe | side) + "\n"
    + "        allow_responses: " + (if .permissions.allowResponses == true then "{ max: 1, expires: \"35m\" }" else "false" end) + "\n"
    + "    } }";
  . as $doc
  | ($doc.users + [$sites[] as $site | $doc.perSite[] | walk(if type == "string" then gsub($doc.sitePlaceholder | gsub("(?<c>[{}])"; "\\\(.c)"); $site) else . end)] + $extra) as $all
  | if ($all | map(.user) | length) != ($all | map(.user) | unique | length) then error("render-users.sh: a user is listed twice") else . end
  | "authorization {\n  users = [\n" + ($all | map(entry) | join("\n")) + "\n  ]\n}"
' "$grants"
