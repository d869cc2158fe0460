// Pool behaviour against a real PostgreSQL: transactions, waiters, timeouts.
#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "test_support.hpp"

using namespace evp::db;
using test::PoolFixture;
namespace asio = boost::asio;

namespace {
/// Parks coroutines until `n` have arrived (deterministic interleaving, no sleeps).
struct Barrier {
  Barrier(asio::any_io_executor ex, int n) : timer(ex, asio::steady_timer::time_point::max()), left(n) {}
  asio::awaitable<void> arrive() {
    if (--left <= 0) {
      timer.cancel();
      co_return;
    }
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  asio::steady_timer timer;
  int left;
};
}  // namespace

TEST_CASE("transaction: commit, rollback on exception, swallowed error") {
  PoolFixture f;
  f.tdb.exec("CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL)");
  f.run(f.pool->transaction([](Connection& tx) -> asio::awaitable<void> {
    co_await tx.query("INSERT INTO acc VALUES ($1, $2)", params(1, 100));
    co_await tx.query("INSERT INTO acc VALUES ($1, $2)", params(2, 0));
  }));
  CHECK(f.tdb.scalar("SELECT sum(bal) FROM acc") == "100");

  CHECK_THROWS_WITH_AS(f.run(f.pool->transaction([](Connection& tx) -> asio::awaitable<void> {
    co_await tx.query("UPDATE acc SET bal = bal - 10 WHERE id = $1", params(1));
    throw std::runtime_error("business rule");
  })),
                       "business rule", std::runtime_error);
  CHECK(f.tdb.scalar("SELECT bal FROM acc WHERE id = 1") == "100");

  // The body catches an SQL error and carries on: COMMIT turns into ROLLBACK, and the
  // caller must hear about it.
  CHECK_THROWS_AS(f.run(f.pool->transaction([](Connection& tx) -> asio::awaitable<void> {
    co_await tx.query("UPDATE acc SET bal = 0 WHERE id = $1", params(1));
    try {
      co_await tx.query("INSERT INTO acc VALUES ($1, $2)", params(2, 5));
    } catch (const Error&) {
    }
  })),
                  Error);
  CHECK(f.tdb.scalar("SELECT bal FROM acc WHERE id = 1") == "100");
  // The connection went back to the pool clean.
  CHECK(f.run(f.pool->query("SELECT 1")).get_int(0, 0) == 1);
  CHECK(f.tdb.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE "
                     "'idle in transaction%'") == "0");
}

TEST_CASE("transaction: serialization failures are retried") {
  PoolFixture f(Config{.pool_size = 2});
  f.tdb.exec("CREATE TABLE c (id int PRIMARY KEY, n int NOT NULL); INSERT INTO c VALUES (1, 0)");
  Barrier barrier(f.io.get_executor(), 2);
  int runs = 0;
  auto increment = [&]() -> asio::awaitable<void> {
    co_await f.pool->transaction([&](Connection& tx) -> asio::awaitable<void> {
      ++runs;
      co_await tx.query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      auto r = co_await tx.query("SELECT n FROM c WHERE id = 1");
      auto n = r.get_int(0, 0);
      co_await barrier.arrive();  // both have read the old value before either writes
      co_await tx.query("UPDATE c SET n = $1 WHERE id = 1", params(n + 1));
    });
  };
  auto both = [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    int done = 0;
    std::exception_ptr err;
    Barrier finished(ex, 3);
    for (int i = 0; i < 2; ++i) {
      asio::co_spawn(ex, increment(), [&](std::exception_ptr e) {
        if (e) err = e;
        ++done;
        asio::co_spawn(ex, finished.arrive(), asio::detached);
      });
    }
    co_await finished.arrive();
    if (err) std::rethrow_exception(err);
  };
  f.run(both());
  CHECK(f.tdb.scalar("SELECT n FROM c") == "2");
  CHECK(runs == 3);  // one of the two ran again
}

TEST_CASE("pool: more concurrent queries than connections wait in line") {
  PoolFixture f(Config{.pool_size = 2});
  std::size_t max_waiting = 0;
  int ok = 0;
  auto one = [&](int i) -> asio::awaitable<void> {
    auto r = co_await f.pool->query("SELECT $1::int, pg_sleep(0.02)", params(i));
    max_waiting = std::max(max_waiting, f.pool->stats().waiting);
    if (r.get_int(0, 0) == i) ++ok;
  };
  for (int i = 0; i < 12; ++i) asio::co_spawn(f.io, one(i), asio::detached);
  f.io.run();
  CHECK(ok == 12);
  auto s = f.pool->stats();
  CHECK(s.connections == 2);
  CHECK(s.idle == 2);
  CHECK(s.waiting == 0);
  CHECK(max_waiting > 0);
  CHECK(s.queries >= 12);
}

TEST_CASE("pool: acquire times out when every connection is leased") {
  PoolFixture f(Config{.pool_size = 1, .acquire_timeout = std::chrono::milliseconds(50)});
  auto body = [&]() -> asio::awaitable<void> {
    auto held = co_await f.pool->acquire();
    std::optional<Error> failure;
    try {
      auto second = co_await f.pool->acquire();
    } catch (const Error& e) {
      failure = e;
    }
    REQUIRE(failure);
    CHECK(std::string(failure->what()).find("timed out") != std::string::npos);
    CHECK(f.pool->stats().waiting == 0);
  };
  f.run(body());
  // The held lease came back: the pool works again.
  CHECK(f.run(f.pool->query("SELECT 1")).get_int(0, 0) == 1);
}

TEST_CASE("pool: statement_timeout cancels a long statement; the connection survives") {
  PoolFixture f(Config{.pool_size = 1, .statement_timeout = std::chrono::milliseconds(100)});
  try {
    f.run(f.pool->query("SELECT pg_sleep(5)"));
    FAIL("pg_sleep(5) was not cancelled");
  } catch (const Error& e) {
    CHECK(e.sqlstate() == "57014");  // query_canceled
    CHECK_FALSE(e.connection_lost());
  }
  CHECK(f.run(f.pool->query("SHOW statement_timeout")).get(0, 0) == "100ms");
  CHECK(f.pool->stats().connections == 1);
}

TEST_CASE("pool: start() fails with the server's message for a wrong database") {
  testing::TempDatabase tdb(testing::TempDatabase::Options{.migrate = false});
  asio::io_context io;
  Pool pool(io.get_executor(), Config{.url = testing::TempDatabase::url_with_database(tdb.url(), "evp_no_such_db")});
  try {
    test::run(io, pool.start());
    FAIL("connected to a missing database");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("evp_no_such_db") != std::string::npos);
    CHECK(e.connection_lost());
  }
  CHECK(pool.last_error().find("evp_no_such_db") != std::string::npos);
  CHECK(pool.stats().connections == 0);
}

TEST_CASE("pool: stop() fails pending acquires") {
  PoolFixture f(Config{.pool_size = 1});
  bool stopped_error = false;
  auto body = [&]() -> asio::awaitable<void> {
    auto held = co_await f.pool->acquire();
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          try {
            co_await f.pool->acquire();
          } catch (const Error& e) {
            stopped_error = std::string(e.what()).find("stopped") != std::string::npos;
          }
        },
        asio::detached);
    asio::steady_timer t(ex, std::chrono::milliseconds(1));
    co_await t.async_wait(asio::use_awaitable);  // let the second acquire park
    CHECK(f.pool->stats().waiting == 1);
    f.pool->stop();
  };
  f.run(body());
  CHECK(stopped_error);
  CHECK(f.pool->stats().connections == 0);
}

TEST_CASE("transaction: BEGIN goes out with the first statement and still precedes it") {
  PoolFixture f(Config{.pool_size = 1});
  f.tdb.exec("CREATE TABLE t (id int PRIMARY KEY)");
  for (int round = 0; round < 2; ++round) {  // first use (Parse in the batch), then prepared
    CAPTURE(round);
    std::string local, xid1, xid2;
    f.run(f.pool->transaction([&](Connection& tx) -> asio::awaitable<void> {
      // A transaction-local setting made by the first statement survives into the second
      // only when BEGIN ran before it (in autocommit it would end with its statement).
      co_await tx.query("SELECT set_config('evp.probe', $1, true)", params("set"));
      auto r = co_await tx.query("SELECT current_setting('evp.probe', true), txid_current()::text");
      local = std::string(r.get(0, 0));
      xid1 = std::string(r.get(0, 1));
      auto r2 = co_await tx.query("SELECT txid_current()::text");
      xid2 = std::string(r2.get(0, 0));
      co_await tx.query("INSERT INTO t VALUES ($1)", params(round));
    }));
    CHECK(local == "set");
    CHECK(xid1 == xid2);
  }
  CHECK(f.tdb.scalar("SELECT count(*) FROM t") == "2");
}

TEST_CASE("transaction: a failing first statement rolls back and leaves the connection clean") {
  PoolFixture f(Config{.pool_size = 1});
  f.tdb.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
  auto sqlstate_of = [&](const char* sql, int value) {
    try {
      f.run(f.pool->transaction([&](Connection& tx) -> asio::awaitable<void> {
        co_await tx.query(sql, params(value));
        co_await tx.query("INSERT INTO t VALUES ($1)", params(100 + value));
      }));
      return std::string("ok");
    } catch (const Error& e) {
      return std::string(e.sqlstate());
    }
  };
  CHECK(sqlstate_of("INSERT INTO t VALUES ($1)", 1) == "23505");  // duplicate: nothing of it stays
  // A syntax error fails the first-use Parse: not remembered, so the same text fails the
  // same way again (not as "prepared statement does not exist"), and a fixed one works.
  CHECK(sqlstate_of("INSER INTO t VALUES ($1)", 2) == "42601");
  CHECK(sqlstate_of("INSER INTO t VALUES ($1)", 2) == "42601");
  CHECK(sqlstate_of("INSERT INTO t VALUES ($1)", 3) == "ok");
  CHECK(f.tdb.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM t") == "1,3,103");
  CHECK(f.run(f.pool->query("SELECT 7")).get_int(0, 0) == 7);
  CHECK(f.tdb.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE "
                     "'idle in transaction%'") == "0");
  CHECK(f.pool->stats().connections == 1);  // the same connection served every round
}

TEST_CASE("transaction: a body that runs no statement, or throws before one, begins nothing") {
  PoolFixture f(Config{.pool_size = 1});
  f.run(f.pool->transaction([](Connection&) -> asio::awaitable<void> { co_return; }));
  CHECK_THROWS_WITH_AS(f.run(f.pool->transaction([](Connection&) -> asio::awaitable<void> {
    throw std::runtime_error("before any statement");
    co_return;
  })),
                       "before any statement", std::runtime_error);
  // Had a BEGIN been left pending, this autocommit statement would open a transaction that
  // never ends and its insert would be lost.
  f.tdb.exec("CREATE TABLE t (id int)");
  f.run(f.pool->query("INSERT INTO t VALUES ($1)", params(1)));
  CHECK(f.tdb.scalar("SELECT count(*) FROM t") == "1");
  CHECK(f.tdb.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE "
                     "'idle in transaction%'") == "0");
}

TEST_CASE("round trips: one per statement, BEGIN with the first, a first Parse with its Execute") {
  PoolFixture f;
  f.tdb.exec("CREATE TABLE rt (id int PRIMARY KEY)");
  f.run(f.pool->start());
  auto trips = [&] { return f.pool->stats().round_trips; };
  auto before = trips();
  f.run(f.pool->query("INSERT INTO rt VALUES ($1)", params(1)));  // Parse + Execute, one Sync
  CHECK(trips() - before == 1);
  before = trips();
  f.run(f.pool->query("INSERT INTO rt VALUES ($1)", params(2)));  // prepared already
  CHECK(trips() - before == 1);
  before = trips();
  f.run(f.pool->transaction([](Connection& tx) -> asio::awaitable<void> {
    co_await tx.query("INSERT INTO rt VALUES ($1)", params(3));  // with BEGIN
    co_await tx.query("INSERT INTO rt VALUES ($1)", params(4));
  }));
  CHECK(trips() - before == 3);  // BEGIN + INSERT, INSERT, COMMIT
  CHECK(f.tdb.scalar("SELECT count(*) FROM rt") == "4");
}
