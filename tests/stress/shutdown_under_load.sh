#!/usr/bin/env bash
# Shutdown under load: 40 simulated stations run transactions (StartTransaction, MeterValues,
# StopTransaction through PostgreSQL) against the real server when it gets SIGTERM. The
# server must exit 0 and print no sanitizer report (in the sanitizer build a use-after-free
# or leak on the shutdown path ends the process with a report and a non-zero status).
# Usage: shutdown_under_load.sh <evpower> <evp-cp-sim>; needs EVP_TEST_DATABASE_URL.
set -euo pipefail
evpower=$1 sim=$2
: "${EVP_TEST_DATABASE_URL:?set EVP_TEST_DATABASE_URL (scripts/test does)}"

work=$(mktemp -d /tmp/evp-shutdown.XXXXXX)
db=shutdown_$$_$RANDOM
server="" fleet=""
cleanup() {
  [ -n "$fleet" ] && kill "$fleet" 2>/dev/null && wait "$fleet" 2>/dev/null
  [ -n "$server" ] && kill -KILL "$server" 2>/dev/null && wait "$server" 2>/dev/null
  psql "$EVP_TEST_DATABASE_URL" -qXc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- server stderr (tail)" >&2
  tail -n 60 "$work/server.err" >&2 || true
  exit 1
}

psql "$EVP_TEST_DATABASE_URL" -qXc "CREATE DATABASE $db" >/dev/null
db_url=${EVP_TEST_DATABASE_URL%/*}/$db
DATABASE_URL=$db_url "$evpower" migrate >/dev/null

DATABASE_URL=$db_url EVP_ENV=test LOG_LEVEL=warn OCPP_LISTEN_ADDRESS=127.0.0.1 OCPP_PORT=0 OCPP_TLS_PORT=0 \
  API_LISTEN_ADDRESS=127.0.0.1 API_PORT=0 OCPP_AUTO_REGISTER=accept JWT_SECRET=shutdown-test \
  PUSH_NOTIFICATIONS_ENABLED=false DB_POOL_SIZE=4 \
  "$evpower" serve >"$work/server.out" 2>"$work/server.err" &
server=$!

# The listen lines are printed once both listeners are up (deadline: a broken server fails).
ocpp_url=""
for _ in $(seq 600); do
  ocpp_url=$(sed -nE 's|^OCPP: (ws://[^/]+/ocpp)/.*|\1|p' "$work/server.out" | head -n 1)
  [ -n "$ocpp_url" ] && grep -q '^REST: ' "$work/server.out" && break
  kill -0 "$server" 2>/dev/null || fail "server exited at start-up"
  sleep 0.1
done
[ -n "$ocpp_url" ] || fail "server did not print its OCPP address"

"$sim" fleet --url "$ocpp_url" --stations 40 --id-prefix SHUT --mode transactions --rate 200 --duration 60 \
  --call-timeout 10 >"$work/fleet.out" 2>&1 &
fleet=$!

# Under load means: transactions are being written when the signal arrives.
q="SELECT count(*) FROM transactions"
for _ in $(seq 600); do
  n=$(psql "$db_url" -qXtAc "$q" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 20 ] && break
  kill -0 "$fleet" 2>/dev/null || { cat "$work/fleet.out" >&2; fail "fleet ended before the load began"; }
  sleep 0.1
done
[ "${n:-0}" -ge 20 ] || fail "no transactions reached the database"
echo "SIGTERM with $n transactions written and 40 stations busy"

kill -TERM "$server"
rc=0
for _ in $(seq 600); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then fail "server still running 60 s after SIGTERM"; fi
wait "$server" || rc=$?
server=""
if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$work/server.err"; then
  fail "sanitizer report from the server"
fi
[ "$rc" = 0 ] || fail "server exited with status $rc after SIGTERM"
echo "server exited 0 after SIGTERM under load"
