# Shared helpers for scripts/run and scripts/test. Source it; do not run it.
# shellcheck shell=bash

EVP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVP_PG_BIN=${EVP_PG_BIN:-/usr/lib/postgresql/15/bin}

evp_log() { printf '\033[1m[evpower]\033[0m %s\n' "$*" >&2; }
evp_die() { printf '\033[1;31m[evpower] error:\033[0m %s\n' "$*" >&2; exit 1; }

evp_sudo() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Packages the build, the server and the tests need (Debian 12).
EVP_PACKAGES=(build-essential cmake ninja-build pkg-config git ca-certificates openssl
  libboost1.81-dev libssl-dev libpq-dev nlohmann-json3-dev libnghttp2-dev libspdlog-dev doctest-dev
  postgresql-15 postgresql-client-15 curl ccache)
# The sanitizer and fuzzing stages of scripts/test (Debian's Clang 15 and its libFuzzer).
EVP_SANITIZER_PACKAGES=(clang-15 libfuzzer-15-dev llvm-15)  # llvm-15: llvm-symbolizer for readable reports

evp_install_deps() {
  local missing=() wanted=("${EVP_PACKAGES[@]}")
  [ "${EVP_NEED_SANITIZERS:-0}" = 1 ] && wanted+=("${EVP_SANITIZER_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node.js runs the independent reference checkers in the tests. A machine may already have
  # a Node.js from outside Debian (whose package conflicts with Debian's npm): only install
  # Debian's when the commands are absent.
  if [ "${EVP_NEED_NODE:-0}" = 1 ]; then
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
  fi
  # The console's browser test drives Debian's Chromium (headless, through puppeteer-core).
  if [ "${EVP_NEED_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    evp_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    evp_sudo apt-get update -q </dev/null
    evp_sudo apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  fi
  # Debian's postgresql package starts a system cluster on 5432; we never use it.
}

evp_build() {  # evp_build <build-dir> [extra cmake args...]; EVP_BUILD_TARGET limits what is built
  local dir=$1; shift
  local gen=() target=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  [ -n "${EVP_BUILD_TARGET:-}" ] && target=(--target "$EVP_BUILD_TARGET")
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$EVP_ROOT" -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  fi
  cmake --build "$dir" --parallel "$(nproc)" "${target[@]}"
}

evp_free_port() {  # prints a free TCP port on 127.0.0.1, starting at $1
  local p=${1:-55432}
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# Runs a PostgreSQL tool as the data directory's owner: PostgreSQL refuses to run as root,
# so as root the cluster belongs to the `postgres` system user.
evp_pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# evp_pg_reachable <data-dir>: true when PostgreSQL's user can own and write the folder
# (as root: the `postgres` user; creates the folder). Root's home is usually private (0700),
# and then nothing below it is reachable by `postgres`.
evp_pg_reachable() {
  mkdir -p "$1" || return 1
  [ "$(id -u)" != 0 ] && return 0
  chown postgres:postgres "$1" && runuser -u postgres -- test -w "$1"
}

# evp_pg_start <data-dir> <port>: creates the cluster if needed, starts it on 127.0.0.1:<port>
# and creates database `evpower`. Prints the database URL.
evp_pg_start() {
  local dir=$1 port=$2
  evp_pg_reachable "$dir" ||
    evp_die "PostgreSQL data folder $dir is not reachable by the postgres user (a parent folder is private); set EVP_PG_DIR to a folder it can reach"
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    evp_pg_as "$EVP_PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; evp_die "initdb failed"; }
  fi
  evp_pg_as "$EVP_PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300 -c fsync=${EVP_PG_FSYNC:-on}" start >/dev/null ||
    { tail -n 30 "$dir/server.log" >&2; evp_die "PostgreSQL did not start"; }
  evp_pg_as "$EVP_PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'evpower'" | grep -q 1 ||
    evp_pg_as "$EVP_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres evpower
  echo "postgresql://postgres@127.0.0.1:$port/evpower"
}

evp_pg_restart() {  # evp_pg_restart <data-dir>: same options (postmaster.opts), stopped or not
  evp_pg_as "$EVP_PG_BIN/pg_ctl" -D "$1" -l "$1/server.log" -m fast -w -t 60 restart >/dev/null ||
    { tail -n 30 "$1/server.log" >&2; evp_die "PostgreSQL did not restart"; }
}

evp_pg_stop() {  # evp_pg_stop <data-dir>
  [ -f "$1/postmaster.pid" ] && evp_pg_as "$EVP_PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1
  return 0
}
