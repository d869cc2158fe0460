#!/usr/bin/env bash
# The README's first command as a newcomer runs it: as root, with the repository in a home
# folder nobody else may enter (0700, like /root). The postgres user cannot reach
# <repo>/.data/pg there, so scripts/run must keep the cluster where it can, say where, get
# the server running, and find the same cluster on the next run.
# Usage: run_from_private_home.sh <source dir> <build dir>. Root only (exit 77: skipped).
set -euo pipefail
src=$1 build=$2
if [ "$(id -u)" != 0 ]; then
  echo "skipped: needs root (the case is root's private home folder)"
  exit 77
fi

home=$(mktemp -d /tmp/evp-home.XXXXXX)
chmod 700 "$home"
repo=$home/project
run="" pg_dir=""
cleanup() {
  [ -n "$run" ] && kill -TERM "$run" 2>/dev/null && wait "$run" 2>/dev/null
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/postmaster.pid" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir" -m fast -w stop >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir" "$pg_dir.initdb.log"
  rm -rf "$home"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- scripts/run output (tail)" >&2
  tail -n 40 "$home/run.log" >&2 || true
  exit 1
}

# The repository as cloned (what scripts/run reads) with the build already done (the test
# suite has just built it; scripts/run finds it up to date).
mkdir -p "$repo"
cp -r "$src/scripts" "$repo/"
ln -s "$build" "$repo/build"

start_run() {  # starts scripts/run in the background and waits for the REST address
  (cd "$repo" && OCPP_PORT=0 OCPP_TLS_PORT=0 API_PORT=0 LOG_LEVEL=info exec scripts/run </dev/null >"$home/run.log" 2>&1) &
  run=$!
  for _ in $(seq 600); do
    grep -q "REST: http://" "$home/run.log" 2>/dev/null && return 0
    kill -0 "$run" 2>/dev/null || fail "scripts/run exited before the server was up"
    sleep 0.2
  done
  fail "the server did not come up within 120 s"
}
stop_run() {  # SIGTERM: a background job of a script ignores SIGINT (scripts/run traps both)
  kill -TERM "$run" 2>/dev/null || true
  wait "$run" 2>/dev/null || true
  run=""
}

start_run
[ -f "$repo/.data/pg-location" ] || fail "no .data/pg-location: where did the cluster go?"
pg_dir=$(cat "$repo/.data/pg-location")
case "$pg_dir" in /var/lib/evpower/pg-*) ;; *) fail "unexpected cluster folder $pg_dir" ;; esac
[ -f "$pg_dir/PG_VERSION" ] || fail "no cluster in $pg_dir"
grep -q "cannot reach $repo/.data/pg" "$home/run.log" || fail "scripts/run did not say where the cluster is"
grep -q "OCPP: ws://" "$home/run.log" || fail "no OCPP address printed"
stop_run
[ -f "$pg_dir/postmaster.pid" ] && fail "stopping scripts/run left PostgreSQL running"

# The next run reuses that cluster (and says so) instead of creating another.
start_run
grep -q "data in $pg_dir" "$home/run.log" || fail "the second run did not reuse $pg_dir"
stop_run
echo "ok: cluster in $pg_dir, reused on the second run"
