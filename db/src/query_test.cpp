// Pool::query against a real PostgreSQL: parameters, NULLs, prepared reuse, SQL errors.
#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace evp::db;
using test::PoolFixture;

TEST_CASE("query: parameters, NULLs and typed getters") {
  PoolFixture f;
  auto r = f.run(f.pool->query("SELECT $1::text AS a, $2::int8 AS b, $3::bool AS c, $4::text AS d",
                               params("héllo 'x'", std::int64_t{-42}, true, null())));
  REQUIRE(r.rows() == 1);
  CHECK(r.get(0, r.column("a")) == "héllo 'x'");
  CHECK(r.get_int(0, r.column("b")) == -42);
  CHECK(r.get_bool(0, r.column("c")));
  CHECK(r.is_null(0, r.column("d")));
  CHECK(r.opt(0, 3) == std::nullopt);
  CHECK(r.opt(0, 0) == std::optional<std::string>("héllo 'x'"));
  CHECK_THROWS_AS(r.column("nope"), Error);
  CHECK_THROWS_AS(r.get(1, 0), Error);
  CHECK_THROWS_AS(r.get_int(0, 0), Error);
}

TEST_CASE("query: a string literal parameter is text, not a boolean") {
  PoolFixture f;
  auto r = f.run(f.pool->query("SELECT $1::text", params("abc")));
  CHECK(r.get(0, 0) == "abc");
}

TEST_CASE("query: affected rows and command status") {
  PoolFixture f;
  f.tdb.exec("CREATE TABLE t (id int PRIMARY KEY, v text)");
  auto ins = f.run(f.pool->query("INSERT INTO t VALUES ($1, $2), ($3, $4)", params(1, "a", 2, null())));
  CHECK(ins.affected() == 2);
  CHECK(ins.command_status() == "INSERT 0 2");
  auto sel = f.run(f.pool->query("SELECT v FROM t ORDER BY id"));
  REQUIRE(sel.rows() == 2);
  CHECK(sel.get(0, 0) == "a");
  CHECK(sel.is_null(1, 0));
  CHECK(sel.get(1, 0).empty());
}

TEST_CASE("query: statements are prepared once per connection and reused") {
  PoolFixture f(Config{.pool_size = 1});
  for (int i = 0; i < 5; ++i) {
    auto r = f.run(f.pool->query("SELECT $1::int + 1", params(i)));
    CHECK(r.get_int(0, 0) == i + 1);
  }
  auto r = f.run(f.pool->query("SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1'"));
  CHECK(r.get_int(0, 0) == 1);
  auto total = f.run(f.pool->query("SELECT count(*) FROM pg_prepared_statements"));
  CHECK(total.get_int(0, 0) == 3);  // the SELECT above, the count(*) with WHERE, this one
}

TEST_CASE("query: errors carry SQLSTATE and leave the connection usable") {
  PoolFixture f(Config{.pool_size = 1});
  f.tdb.exec("CREATE TABLE u (id int PRIMARY KEY)");
  f.run(f.pool->query("INSERT INTO u VALUES ($1)", params(1)));
  try {
    f.run(f.pool->query("INSERT INTO u VALUES ($1)", params(1)));
    FAIL("duplicate insert did not throw");
  } catch (const Error& e) {
    CHECK(e.unique_violation());
    CHECK(e.sqlstate() == "23505");
    CHECK_FALSE(e.connection_lost());
    CHECK(std::string(e.what()).find("u_pkey") != std::string::npos);
  }
  // Syntax error at prepare time: not cached, reported with 42601.
  try {
    f.run(f.pool->query("SELEC 1"));
    FAIL("syntax error did not throw");
  } catch (const Error& e) {
    CHECK(e.sqlstate() == "42601");
  }
  CHECK(f.run(f.pool->query("SELECT count(*) FROM u")).get_int(0, 0) == 1);
  auto s = f.pool->stats();
  CHECK(s.errors == 2);
  CHECK(s.connections == 1);
  CHECK(f.pool->last_error().empty());
}

TEST_CASE("query: wrong parameter count is an error, not a crash") {
  PoolFixture f;
  CHECK_THROWS_AS(f.run(f.pool->query("SELECT $1::int, $2::int", params(1))), Error);
  CHECK(f.run(f.pool->query("SELECT 7")).get_int(0, 0) == 7);
}

TEST_CASE("TempDatabase: migrated, helpers work, dropped afterwards") {
  std::string name;
  {
    testing::TempDatabase tdb;
    name = tdb.name();
    CHECK(name.rfind("evp_t_", 0) == 0);
    CHECK(tdb.scalar("SELECT count(*) FROM schema_migrations") != "0");
    CHECK(tdb.scalar("SELECT to_regclass('push_subscriptions') IS NOT NULL") == "t");
    tdb.exec("CREATE TABLE x (a int); INSERT INTO x VALUES (1), (2)");
    CHECK(tdb.scalar("SELECT sum(a) FROM x") == "3");
    CHECK(tdb.scalar("SELECT NULL") == "");
    CHECK_THROWS_AS(tdb.scalar("SELECT 1 WHERE false"), std::runtime_error);
    CHECK_THROWS_AS(tdb.exec("SELEC"), std::runtime_error);
  }
  testing::TempDatabase other(testing::TempDatabase::Options{.migrate = false});
  CHECK(other.scalar("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "0");
  CHECK(other.scalar("SELECT to_regclass('schema_migrations') IS NULL") == "t");
}

TEST_CASE("TempDatabase: a clear error when EVP_TEST_DATABASE_URL is unset") {
  std::string saved = testing::TempDatabase::admin_url();
  ::unsetenv("EVP_TEST_DATABASE_URL");
  try {
    testing::TempDatabase tdb;
    FAIL("constructed without EVP_TEST_DATABASE_URL");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("EVP_TEST_DATABASE_URL") != std::string::npos);
  }
  ::setenv("EVP_TEST_DATABASE_URL", saved.c_str(), 1);
}

TEST_CASE("TempDatabase::url_with_database") {
  using testing::TempDatabase;
  CHECK(TempDatabase::url_with_database("postgresql://postgres@127.0.0.1:5432/evpower", "x") ==
        "postgresql://postgres@127.0.0.1:5432/x");
  CHECK(TempDatabase::url_with_database("host=/tmp/s port=5 user=u password=p@w dbname=a", "b") ==
        "postgresql://u:p%40w@:5/b?host=%2Ftmp%2Fs");
}
