#pragma once
// One io_context on a background thread for everything the test talks to (simulated
// stations, HTTP clients). The doctest thread never touches those objects directly: it hands
// a coroutine to run(), which executes it on the loop and waits for its result, so the
// single-threaded simulator and clients are only ever used from one thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

namespace evp::e2e {

class Loop {
 public:
  Loop() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~Loop() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  boost::asio::io_context& io() { return io_; }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  /// Runs `task` on the loop and returns its result (exceptions are rethrown here).
  /// Every awaited operation inside has its own timeout; the guard below only catches a
  /// hang, and aborts because the coroutine may still reference the caller's stack.
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future);
    if (future.wait_for(std::chrono::minutes(5)) != std::future_status::ready) {
      std::fprintf(stderr, "e2e: a task on the test loop did not finish within 5 minutes\n");
      std::abort();
    }
    return future.get();
  }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace evp::e2e
