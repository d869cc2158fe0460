// db_bench <database-url> [concurrency=64] [queries=20000] [pool_size=8]
// Prints queries per second through db::Pool for a prepared SELECT and a prepared INSERT,
// issued by `concurrency` coroutines on one io_context, leased connections and (when the
// pool supports it) pipelined autocommit queries; and transactions per second for a
// three-statement Pool::transaction (SELECT, INSERT, UPDATE), whose round trips dominate
// when the database is not on the same host. Creates and drops a table evp_bench_<pid>.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "db/db.hpp"

namespace asio = boost::asio;
using namespace evp::db;

namespace {

struct Run {
  std::string label;
  std::string sql;
  bool insert;
  bool transaction = false;  // `sql` is a table name; three statements in one transaction
};

double measure(asio::io_context& io, Pool& pool, const Run& run, int concurrency, int total) {
  int next = 0, failed = 0;
  auto worker = [&]() -> asio::awaitable<void> {
    while (next < total) {
      int i = next++;
      try {
        if (run.transaction) {
          co_await pool.transaction([&](Connection& tx) -> asio::awaitable<void> {
            co_await tx.query("SELECT $1::int", params(i));
            co_await tx.query("INSERT INTO " + run.sql + " (id, payload) VALUES ($1, $2)", params(i, "tx"));
            co_await tx.query("UPDATE " + run.sql + " SET payload = $2 WHERE id = $1", params(-i, "none"));
          });
        } else if (run.insert) {
          co_await pool.query(run.sql, params(i, "payload-" + std::to_string(i)));
        } else {
          co_await pool.query(run.sql, params(i));
        }
      } catch (const Error& e) {
        if (failed++ == 0) std::fprintf(stderr, "query failed: %s\n", e.what());
      }
    }
  };
  auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < concurrency; ++c) asio::co_spawn(io, worker(), asio::detached);
  io.restart();
  io.run();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed > 0) std::fprintf(stderr, "%d queries failed\n", failed);
  return total / secs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: db_bench <database-url> [concurrency=64] [queries=20000] [pool_size=8]\n");
    return 2;
  }
  std::string url = argv[1];
  int concurrency = argc > 2 ? std::atoi(argv[2]) : 64;
  int total = argc > 3 ? std::atoi(argv[3]) : 20000;
  std::size_t pool_size = argc > 4 ? std::atoi(argv[4]) : 8;
  std::string table = "evp_bench_" + std::to_string(::getpid());

  asio::io_context io;
  auto run_sync = [&](asio::awaitable<void> a) {
    auto f = asio::co_spawn(io, std::move(a), asio::use_future);
    io.restart();
    io.run();
    f.get();
  };
  try {
    for (bool pipeline : {false, true}) {
      Pool pool(io.get_executor(), Config{.url = url, .pool_size = pool_size, .pipeline = pipeline});
      run_sync([&]() -> asio::awaitable<void> {
        co_await pool.start();
        co_await pool.query("DROP TABLE IF EXISTS " + table);
        co_await pool.query("CREATE TABLE " + table + " (id int, payload text)");
      }());
      const Run runs[] = {{"SELECT $1", "SELECT $1::int", false},
                          {"INSERT", "INSERT INTO " + table + " (id, payload) VALUES ($1, $2)", true},
                          {"TX 3 stmts", table, false, true}};
      for (const auto& run : runs) {
        if (run.transaction && pipeline) continue;  // transactions always lease a connection
        measure(io, pool, run, concurrency, std::min(total, 2000));  // warm-up: connections, prepares
        double qps = measure(io, pool, run, concurrency, total);
        std::printf(run.transaction ? "%-10s pipeline=%-3s pool=%zu concurrency=%d transactions=%d: %.0f transactions/s\n"
                                    : "%-10s pipeline=%-3s pool=%zu concurrency=%d queries=%d: %.0f queries/s\n",
                    run.label.c_str(),
                    pipeline ? "on" : "off", pool_size, concurrency, total, qps);
      }
      run_sync([&]() -> asio::awaitable<void> { co_await pool.query("DROP TABLE IF EXISTS " + table); }());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "db_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
