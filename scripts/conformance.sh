#!/usr/bin/env bash
# Runs OpenStack's own Tempest (47.0.0) against a fresh pocketstack and prints
# "N passed, N failed, N skipped" as its last line (exit 0 only when nothing failed).
#
#   bash scripts/conformance.sh [--driver fake|qemu] [--list NAME]... [--regex RE]
#                               [--exclude-regex RE] [--workdir DIR] [--timeout SEC]
#                               [--concurrency 1|2] [--port PORT] [--keep]
#
# Default: the interoperability guideline's compute list (interop-2020.06-compute) on the
# fake driver (two simulated compute hosts), every microversion pocketstack advertises
# ("latest"). It installs Tempest when it is missing (into .tempest-venv, pinned by the
# harness's constraints), starts a cloud in WORKDIR/cloud on a free port (or --port, or
# $POCKETSTACK_CONFORMANCE_PORT),
# creates what Tempest needs (an external network with a subnet, the flavors), writes the
# feature flags (scripts/conformance/tempest-extra.conf: ON for what docs/api-coverage.md
# claims; WORKDIR/driver.conf: the number of compute hosts), runs the harness and writes
# WORKDIR/summary.json
# (per service: passed/failed/skipped, skip reasons, wall time; see bench/conformance.py).
#
# The harness (run-tempest.sh and the lists) is the project's shared one: found at
# $POCKETSTACK_TEMPEST_HARNESS, else ../shared/tempest beside this checkout, else /work/shared/tempest.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"

DRIVER=fake
LISTS=()
REGEX=""
EXCLUDE=""
WORKDIR=""
TIMEOUT=2400
CONCURRENCY=2
PORT="${POCKETSTACK_CONFORMANCE_PORT:-}"
KEEP=false
while [ $# -gt 0 ]; do
  case "$1" in
    --driver) DRIVER="$2"; shift 2 ;;
    --list) LISTS+=("$2"); shift 2 ;;
    --regex) REGEX="$2"; shift 2 ;;
    --exclude-regex) EXCLUDE="$2"; shift 2 ;;
    --workdir) WORKDIR="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --keep) KEEP=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ ${#LISTS[@]} -eq 0 ] && [ -z "$REGEX" ]; then LISTS=(interop-2020.06-compute); fi

HARNESS="${POCKETSTACK_TEMPEST_HARNESS:-}"
for candidate in "$HARNESS" "$REPO/../shared/tempest" /work/shared/tempest; do
  if [ -n "$candidate" ] && [ -x "$candidate/run-tempest.sh" ]; then HARNESS="$(cd "$candidate" && pwd)"; break; fi
done
[ -x "$HARNESS/run-tempest.sh" ] || { echo "conformance.sh: the Tempest harness was not found (set POCKETSTACK_TEMPEST_HARNESS)" >&2; exit 2; }

bash scripts/setup.sh
VENV="${TEMPEST_VENV:-$REPO/.tempest-venv}"
# The stamp holds the harness's constraints: a new pin installs again.
want=$(sha256sum "$HARNESS/constraints.txt" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/tempest" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$want" ]; then
  echo "conformance.sh: installing Tempest into $VENV"
  rm -rf "$VENV"
  bash "$HARNESS/install.sh" "$VENV" >"$REPO/.tempest-venv.log" 2>&1 || { tail -20 "$REPO/.tempest-venv.log" >&2; exit 2; }
  echo "$want" >"$VENV/.stamp"
fi

[ -n "$WORKDIR" ] || WORKDIR="$(mktemp -d /tmp/pocketstack-conformance.XXXXXX)"
mkdir -p "$WORKDIR"
WORKDIR="$(cd "$WORKDIR" && pwd)"
DD="$WORKDIR/cloud"
PS="$REPO/.venv/bin/pocketstack"
OS="$REPO/.venv/bin/openstack"
down() { "$PS" down --data-dir "$DD" $($KEEP || echo --purge) >/dev/null 2>&1 || true; }
trap down EXIT

# Tempest makes a project and users per test class: bcrypt at cost 4 keeps that from
# dominating the run (the default cost 12 is covered by the identity tests and benches).
export POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS=4
# Keystone's password rules are off by default (as in Keystone); turned on here with the
# values tempest-extra.conf tells Tempest, so that its security-compliance tests run.
export POCKETSTACK_SECURITY_COMPLIANCE_LOCKOUT_FAILURE_ATTEMPTS=2
export POCKETSTACK_SECURITY_COMPLIANCE_LOCKOUT_DURATION=5
export POCKETSTACK_SECURITY_COMPLIANCE_UNIQUE_LAST_PASSWORD_COUNT=2
rm -rf "$DD"
[ -n "$PORT" ] || PORT=$("$REPO/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The fake driver simulates two compute hosts, so that Tempest's multi-node tests (cold
# migration between hosts, affinity hints, os-hosts) run; QEMU runs on this one host.
HOSTS=()
printf '[compute]\nmin_compute_nodes = %s\n' "$([ "$DRIVER" = fake ] && echo 2 || echo 1)" >"$WORKDIR/driver.conf"
[ "$DRIVER" = fake ] && HOSTS=(--fake-hosts 2)
"$PS" up --data-dir "$DD" --port "$PORT" --driver "$DRIVER" "${HOSTS[@]}" --detach >"$WORKDIR/up.log" 2>&1 \
  || { cat "$WORKDIR/up.log" >&2; exit 2; }
export OS_CLIENT_CONFIG_FILE="$DD/clouds.yaml"
read -r AUTH_URL ADMIN_PW < <("$REPO/.venv/bin/python" - "$OS_CLIENT_CONFIG_FILE" <<'EOF'
import sys, yaml
auth = yaml.safe_load(open(sys.argv[1]))["clouds"]["pocketstack"]["auth"]
print(auth["auth_url"].rstrip("/") + ("" if auth["auth_url"].rstrip("/").endswith("/v3") else "/v3"), auth["password"])
EOF
)
os() { "$OS" --os-cloud pocketstack "$@"; }
# Swift's reseller admin role (Tempest's account quota tests give it to a user).
os role create ResellerAdmin >/dev/null
NET_ID=$(os network create public --external -f value -c id)
os subnet create --network public --subnet-range 203.0.113.0/24 public-sub -f value -c id >/dev/null
IMAGE_ID=$(os image show tiny -f value -c id)
# Tests filtering servers by image need a second, distinct image: the tiny guest's root
# disk again, with its kernel and ramdisk.
os image save tiny --file "$WORKDIR/tiny.img"
read -r KERNEL_ID RAMDISK_ID < <(echo "$(os image show tiny-kernel -f value -c id) $(os image show tiny-ramdisk -f value -c id)")
IMAGE_ALT_ID=$(os image create tiny-alt --public --disk-format ami --container-format ami --file "$WORKDIR/tiny.img" \
  --property kernel_id="$KERNEL_ID" --property ramdisk_id="$RAMDISK_ID" \
  --property os_command_line="$(os image show tiny -f json | "$REPO/.venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["properties"]["os_command_line"])')" \
  -f value -c id)
rm -f "$WORKDIR/tiny.img"
# Two small flavors: resize needs a second one with a larger disk; small RAM keeps
# QEMU guests light when the qemu driver runs the list.
os flavor create --id 101 --ram 256 --disk 1 --vcpus 1 conformance.small >/dev/null
os flavor create --id 102 --ram 320 --disk 2 --vcpus 1 conformance.alt >/dev/null

# Tempest's network extension tests take the extensions the cloud advertises (as a
# deployment's tempest.conf lists its own): each one advertised must then work.
NET_EXTENSIONS=$(os extension list --network -f value -c Alias | paste -sd, -)

ARGS=(--tempest-venv "$VENV" --auth-url "$AUTH_URL" --password "$ADMIN_PW" --services all
      --image-id "$IMAGE_ID" --image-alt-id "$IMAGE_ALT_ID" --flavor-id 101 --flavor-alt-id 102 --network-id "$NET_ID"
      --compute-max-microversion latest --volume-max-microversion latest
      --extra-conf "$REPO/scripts/conformance/tempest-extra.conf" --extra-conf "$WORKDIR/driver.conf"
      --network-extensions "$NET_EXTENSIONS"
      --concurrency "$CONCURRENCY" --timeout "$TIMEOUT" --workdir "$WORKDIR/tempest")
for l in "${LISTS[@]}"; do ARGS+=(--list "$l"); done
[ -n "$REGEX" ] && ARGS+=(--regex "$REGEX")
[ -n "$EXCLUDE" ] && ARGS+=(--exclude-regex "$EXCLUDE")

START=$(date +%s)
set +e
bash "$HARNESS/run-tempest.sh" "${ARGS[@]}" >"$WORKDIR/tempest.log" 2>&1
RC=$?
set -e
END=$(date +%s)
grep -E '^(Failed:|  tempest\.)' "$WORKDIR/tempest.log" | grep -A1000 '^Failed:' || true
LABEL="${LISTS[*]:-}${REGEX:+ regex $REGEX}"
"$REPO/.venv/bin/python" "$REPO/bench/conformance.py" summarize "$WORKDIR/tempest" \
  --label "$LABEL" --driver "$DRIVER" --seconds $((END - START)) >"$WORKDIR/summary.json"
echo "conformance.sh: workdir $WORKDIR (summary.json, tempest/results.txt, tempest/failures.txt)"
tail -n 1 "$WORKDIR/tempest.log"
exit $RC
