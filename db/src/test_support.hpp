#pragma once
// Shared bits of the db unit tests: run a coroutine on a private loop, and a pool on one.
#include <boost/asio/io_context.hpp>

#include "db/db.hpp"
#include "db/testing.hpp"
#include "evp/testing/run.hpp"

namespace evp::db::test {

/// Runs `a` on `io` until the loop is out of work (the tests check what detached tasks did);
/// rethrows its exception; a hang fails with a message (evp::testing::run_until_idle).
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> a, evp::testing::CallSite where = {}) {
  return evp::testing::run_until_idle(io, std::move(a), evp::testing::kDefaultDeadline, {}, where);
}

/// A migrated scratch database and a pool on a private loop.
struct PoolFixture {
  explicit PoolFixture(Config cfg = {}) {
    cfg.url = tdb.url();
    pool = std::make_unique<Pool>(io.get_executor(), cfg);
  }
  template <typename T>
  T run(asio::awaitable<T> a, evp::testing::CallSite where = {}) {
    return test::run(io, std::move(a), where);
  }
  testing::TempDatabase tdb;
  asio::io_context io;
  std::unique_ptr<Pool> pool;
};

}  // namespace evp::db::test
