// Migration runner against a real PostgreSQL.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"

using namespace evp::db;
using test::PoolFixture;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() / ("evp_mig_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) { std::ofstream(path / name) << text; }
  fs::path path;
  static inline int counter = 0;
};
}  // namespace

TEST_CASE("migrate: the repository's migrations are idempotent and roll back") {
  PoolFixture f;  // TempDatabase already applied every migration with the real runner
  const std::string dir = testing::TempDatabase::default_migrations_dir();
  auto count = f.tdb.scalar("SELECT count(*) FROM schema_migrations");
  CHECK(count != "0");
  CHECK(f.run(migrate(*f.pool, dir)).empty());
  CHECK(f.tdb.scalar("SELECT count(*) FROM schema_migrations") == count);

  auto newest = f.tdb.scalar("SELECT max(version) FROM schema_migrations");
  auto back = f.run(rollback(*f.pool, dir, 1));
  REQUIRE(back.size() == 1);
  CHECK(back[0] == newest);
  CHECK(f.tdb.scalar("SELECT count(*) FROM schema_migrations WHERE version = '" + newest + "'") == "0");

  // Everything down, then everything up again: each .down.sql undoes its migration.
  auto all_back = f.run(rollback(*f.pool, dir, 100));
  CHECK(f.tdb.scalar("SELECT count(*) FROM schema_migrations") == "0");
  CHECK(f.tdb.scalar("SELECT to_regclass('stations') IS NULL") == "t");
  CHECK(f.tdb.scalar("SELECT to_regclass('push_subscriptions') IS NULL") == "t");
  auto again = f.run(migrate(*f.pool, dir));
  CHECK(again.size() == all_back.size() + 1);
  CHECK(f.tdb.scalar("SELECT count(*) FROM schema_migrations") == count);
  CHECK(f.tdb.scalar("SELECT to_regclass('push_subscriptions') IS NOT NULL") == "t");
}

TEST_CASE("migrate: order, multi-statement files, failure names the file and applies nothing of it") {
  testing::TempDatabase tdb(testing::TempDatabase::Options{.migrate = false});
  asio::io_context io;
  Pool pool(io.get_executor(), Config{.url = tdb.url()});
  TempDir dir;
  dir.write("010_second.sql", "ALTER TABLE a ADD COLUMN y int; INSERT INTO a(x, y) VALUES (2, 3);");
  dir.write("002_first.sql",
            "CREATE TABLE a (x int, s text);\n"
            "DO $$ BEGIN INSERT INTO a(x) VALUES (1); END $$;\n"
            "-- a semicolon in a string must not split the file\n"
            "UPDATE a SET s = ';' WHERE x = 1;\n");
  dir.write("002_first.down.sql", "DROP TABLE a;");
  dir.write("notes.txt", "ignored");
  dir.write("011_broken.sql", "CREATE TABLE b (z int); SELECT no_such_function();");

  try {
    test::run(io, migrate(pool, dir.path.string()));
    FAIL("broken migration applied");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("011_broken.sql") != std::string::npos);
    CHECK(e.sqlstate() == "42883");
  }
  CHECK(tdb.scalar("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations") ==
        "002_first,010_second");
  CHECK(tdb.scalar("SELECT count(*) FROM a") == "2");
  CHECK(tdb.scalar("SELECT to_regclass('b') IS NULL") == "t");  // 011 rolled back as a whole

  fs::remove(dir.path / "011_broken.sql");
  CHECK(test::run(io, migrate(pool, dir.path.string())).empty());

  // 010 has no .down.sql: rollback says which file is missing and changes nothing.
  try {
    test::run(io, rollback(pool, dir.path.string(), 1));
    FAIL("rollback without a down file");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("010_second.down.sql") != std::string::npos);
  }
  CHECK(tdb.scalar("SELECT count(*) FROM schema_migrations") == "2");
  // The advisory lock was released: another session can take it.
  CHECK(tdb.scalar("SELECT pg_try_advisory_lock(4242001)") == "t");
}

TEST_CASE("migrate: a missing directory is a clear error") {
  PoolFixture f;
  CHECK_THROWS_WITH_AS(f.run(migrate(*f.pool, "/nonexistent/migrations")), doctest::Contains("/nonexistent/migrations"),
                       Error);
}
