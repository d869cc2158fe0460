#pragma once
/// Test support: run a coroutine to completion on an io_context that also carries other
/// work (pool sockets, timers), with a deadline - a test that would hang fails with a
/// message instead of hanging CI.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <stdexcept>
#include <string>

namespace evp::db::testing {

/// Runs `aw` on `io` (driving `io` from this thread) and returns its result or rethrows its
/// exception. Throws std::runtime_error when it has not finished within `limit`.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> aw,
      std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto fut = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("coroutine did not finish within " + std::to_string(limit.count()) + " s");
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return fut.get();
}

}  // namespace evp::db::testing
