#!/usr/bin/env bash
# ctest driver for `ocpp_strict_node_client`: a scratch database, the real server with
# auto-registration on a free loopback port, and the independent strict-mode Node.js client
# (tests/node/ocpp_strict_client.js) against it. Exits 77 (a failure for CTest) when the prerequisites
# of the environment are missing: EVP_TEST_DATABASE_URL (set by scripts/test), node, or
# the npm packages (scripts/test installs them).
set -euo pipefail
server=${1:?usage: run_strict_client.sh path/to/evpower}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
node_dir=$root/tests/node

[ -n "${EVP_TEST_DATABASE_URL:-}" ] || { echo "cannot run: EVP_TEST_DATABASE_URL is not set (run scripts/test)"; exit 77; }
command -v node >/dev/null || { echo "cannot run: node is not installed"; exit 77; }
[ -d "$node_dir/node_modules/ocpp-rpc" ] || { echo "cannot run: run (cd tests/node && npm ci) first"; exit 77; }
[ -x "$server" ] || { echo "server binary $server is missing"; exit 1; }

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

db=evp_strict_$$_$RANDOM
base=${EVP_TEST_DATABASE_URL%/*}
admin_url=$base/postgres
db_url=$base/$db
work=$(mktemp -d /tmp/evp-strict.XXXXXX)
server_pid=

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  psql "$admin_url" -qtAc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$admin_url" -qtAc "CREATE DATABASE $db" >/dev/null
ocpp_port=$(free_port $((20000 + RANDOM % 20000)))
api_port=$(free_port $((ocpp_port + 1)))

export DATABASE_URL=$db_url
export EVP_ENV=development
export LOG_LEVEL=${LOG_LEVEL:-info}
export OCPP_LISTEN_ADDRESS=127.0.0.1 OCPP_PORT=$ocpp_port OCPP_AUTO_REGISTER=accept
export API_LISTEN_ADDRESS=127.0.0.1 API_PORT=$api_port
export PUSH_NOTIFICATIONS_ENABLED=false
export JWT_SECRET=${JWT_SECRET:-strict-client-test-secret-0123456789abcdef}

"$server" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; exit 1; }
"$server" serve >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$ocpp_port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "server exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done

rc=0
node "$node_dir/ocpp_strict_client.js" --url "ws://127.0.0.1:$ocpp_port/ocpp" --id "NODE-STRICT-$$" || rc=$?
if [ "$rc" != 0 ]; then
  echo "--- server log (last 60 lines)"
  tail -n 60 "$work/server.log"
fi
exit "$rc"
