// Pipelined autocommit queries (Config::pipeline) against a real PostgreSQL.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>

#include "test_support.hpp"

using namespace evp::db;
using test::PoolFixture;

TEST_CASE("pipeline: concurrent queries share one connection, each gets its own result") {
  PoolFixture f(Config{.pool_size = 1, .pipeline = true});
  f.run(f.pool->start());  // so the pipelined connection opens while nobody waits
  f.run(f.pool->query("SELECT 1"));
  int ok = 0;
  std::size_t max_in_flight_connections = 0;
  for (int i = 0; i < 200; ++i) {
    asio::co_spawn(
        f.io,
        [&, i]() -> asio::awaitable<void> {
          Param second = i % 3 == 0 ? null() : param(i);
          auto r = co_await f.pool->query("SELECT $1::int * 2, $2::text", params(i, second));
          max_in_flight_connections = std::max(max_in_flight_connections, f.pool->stats().connections);
          if (r.get_int(0, 0) == 2 * i && r.is_null(0, 1) == (i % 3 == 0)) ++ok;
        },
        asio::detached);
  }
  f.io.restart();
  f.io.run();
  CHECK(ok == 200);
  // The leased connection from start() plus the pipelined one: no connection per query.
  CHECK(f.pool->stats().connections == 2);
  CHECK(f.tdb.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") == "3");
}

TEST_CASE("pipeline: an error fails only its own query; bad SQL is not cached") {
  PoolFixture f(Config{.pool_size = 1, .pipeline = true});
  f.tdb.exec("CREATE TABLE p (id int PRIMARY KEY)");
  f.run(f.pool->query("SELECT 1"));
  std::vector<std::string> outcome(6);
  const char* sql[] = {
      "INSERT INTO p VALUES ($1)", "INSERT INTO p VALUES ($1)", "SELEC $1", "SELECT $1::int", "SELEC $1",
      "INSERT INTO p VALUES ($1)"};
  const int value[] = {1, 1, 0, 5, 0, 2};
  for (int i = 0; i < 6; ++i) {
    asio::co_spawn(
        f.io,
        [&, i]() -> asio::awaitable<void> {
          try {
            auto r = co_await f.pool->query(sql[i], params(value[i]));
            outcome[i] = "ok";
          } catch (const Error& e) {
            outcome[i] = e.sqlstate();
          }
        },
        asio::detached);
  }
  f.io.restart();
  f.io.run();
  CHECK(outcome[0] == "ok");
  CHECK(outcome[1] == "23505");  // duplicate of the row the previous query inserted
  CHECK(outcome[2] == "42601");
  CHECK(outcome[3] == "ok");
  CHECK(outcome[4] != "ok");  // same bad SQL (the name was forgotten or never valid)
  CHECK(outcome[5] == "ok");
  CHECK(f.tdb.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM p") == "1,2");
  // The connection is still fine and a corrected statement works.
  CHECK_THROWS_AS(f.run(f.pool->query("SELEC 1")), Error);
  CHECK(f.run(f.pool->query("SELECT 3")).get_int(0, 0) == 3);
  CHECK(f.pool->last_error().empty());
}

TEST_CASE("pipeline: a killed connection fails its queries and is replaced") {
  PoolFixture f(Config{.pool_size = 1, .pipeline = true});
  std::string pid(f.run(f.pool->query("SELECT pg_backend_pid()")).get(0, 0));
  // Terminate the backend while a statement is running on it.
  bool lost = false;
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await f.pool->query("SELECT pg_sleep(5)");
        } catch (const Error& e) {
          lost = e.connection_lost();
        }
      },
      asio::detached);
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        auto lease = co_await f.pool->acquire();
        // Wait until the backend is really in pg_sleep, then kill it.
        for (;;) {
          auto r = co_await lease->query(
              "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE "
              "'%pg_sleep(5)%' AND state = 'active'",
              params(pid));
          if (r.get_int(0, 0) == 1) break;
        }
        co_await lease->query("SELECT pg_terminate_backend($1)", params(pid));
      },
      asio::detached);
  f.io.restart();
  f.io.run();
  CHECK(lost);
  CHECK_FALSE(f.pool->last_error().empty());
  std::string pid2(f.run(f.pool->query("SELECT pg_backend_pid()")).get(0, 0));
  CHECK(pid2 != pid);
  CHECK(f.pool->last_error().empty());
  CHECK(f.pool->stats().reconnects >= 1);
}
