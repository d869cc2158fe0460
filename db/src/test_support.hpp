#pragma once
// Shared bits of the db unit tests: run a coroutine to completion on a private loop.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "db/db.hpp"
#include "db/testing.hpp"

namespace evp::db::test {

/// Runs `a` on `io` until the loop is out of work; rethrows its exception.
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> a) {
  auto fut = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  io.run();
  return fut.get();
}

/// A migrated scratch database and a pool on a private loop.
struct PoolFixture {
  explicit PoolFixture(Config cfg = {}) {
    cfg.url = tdb.url();
    pool = std::make_unique<Pool>(io.get_executor(), cfg);
  }
  template <typename T>
  T run(asio::awaitable<T> a) {
    return test::run(io, std::move(a));
  }
  testing::TempDatabase tdb;
  asio::io_context io;
  std::unique_ptr<Pool> pool;
};

}  // namespace evp::db::test
