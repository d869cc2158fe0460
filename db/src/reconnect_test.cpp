// The pool survives a database restart: a private cluster is stopped, restarted and
// started again under a live pool.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/detached.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "test_support.hpp"

using namespace evp::db;
namespace fs = std::filesystem;

namespace {

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE_MESSAGE(p != nullptr, cmd);
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  int rc = ::pclose(p);
  REQUIRE_MESSAGE(rc == 0, "command failed: " << cmd << "\n" << out);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// A private PostgreSQL cluster (scripts/pg), stopped and removed at the end.
struct PrivateCluster {
  PrivateCluster() {
    char tmpl[] = "/tmp/evp-db-reconnect.XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                             fs::perms::others_exec);
    port = free_port();
    url = start();
  }
  ~PrivateCluster() {
    std::system((script() + " stop " + data() + " >/dev/null 2>&1").c_str());
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static std::string script() { return std::string(EVP_TEST_SOURCE_DIR) + "/scripts/pg"; }
  std::string data() const { return dir + "/data"; }
  std::string start() { return sh(script() + " start " + data() + " " + std::to_string(port)); }
  std::string pg_ctl(const std::string& args) {
    std::string as = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    return sh(as + "/usr/lib/postgresql/15/bin/pg_ctl -D " + data() + " -l " + data() + "/server.log -w " + args +
              " 2>&1");
  }
  std::string dir;
  int port = 0;
  std::string url;
};

}  // namespace

TEST_CASE("pool: reconnects after the database restarts or comes back") {
  PrivateCluster pg;
  asio::io_context io;
  Pool pool(io.get_executor(), Config{.url = pg.url, .pool_size = 2, .connect_timeout = std::chrono::seconds(3)});
  // The postmaster start time changes with a restart (a backend pid may be reused).
  auto start_time_query = "SELECT pg_postmaster_start_time()::text";

  // Two open connections, both idle in the pool.
  int ok = 0;
  for (int i = 0; i < 2; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pool.query("SELECT pg_sleep(0.01)");
          ++ok;
        },
        asio::detached);
  }
  io.run();
  REQUIRE(ok == 2);
  REQUIRE(pool.stats().connections == 2);
  std::string started_before(test::run(io, pool.query(start_time_query)).get(0, 0));

  // 1. Restart under the pool.
  pg.pg_ctl("-m fast restart");
  // The stale idle connections are noticed before use (the server's FATAL and EOF are
  // waiting on their sockets), so the next statement runs on a fresh connection. Should
  // one slip through, it fails as a lost connection: never a hang or a crash.
  std::string first;
  try {
    first = std::string(test::run(io, pool.query(start_time_query)).get(0, 0));
  } catch (const Error& e) {
    CHECK(e.connection_lost());
  }
  std::string after(test::run(io, pool.query(start_time_query)).get(0, 0));
  CHECK(after != started_before);
  CHECK(pool.stats().reconnects >= 1);  // broken connections were reported and replaced
  CHECK(pool.last_error().empty());
  MESSAGE("first statement after restart: " << (first.empty() ? std::string("failed") : "ran on a new connection"));

  // 2. Down, then back.
  pg.pg_ctl("-m fast stop");
  auto reconnects = pool.stats().reconnects;
  try {
    test::run(io, pool.query(start_time_query));
    FAIL("query succeeded with the database down");
  } catch (const Error& e) {
    CHECK(e.connection_lost());
  }
  CHECK_FALSE(pool.last_error().empty());
  // Still down: still a clean error (connection refused), no broken leftovers.
  CHECK_THROWS_AS(test::run(io, pool.query(start_time_query)), Error);
  CHECK(pool.last_error().find(std::to_string(pg.port)) != std::string::npos);
  CHECK(pool.stats().connections == 0);

  pg.start();
  CHECK(test::run(io, pool.query("SELECT 41 + 1")).get_int(0, 0) == 42);
  CHECK(pool.last_error().empty());
  CHECK(pool.stats().reconnects > reconnects);
}
