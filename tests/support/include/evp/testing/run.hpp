#pragma once
/// Test support: run a coroutine to completion, with a deadline.
///
///   evp::testing::run(io, pool.start());                      // this thread drives `io`
///   auto n = evp::testing::run(io, count_rows(), 5s);          // a tighter deadline
///   evp::testing::Loop loop;                                   // io_context on its own thread
///   auto r = loop.run(client.request(...));                    // waits here for the result
///
/// The value of the coroutine is returned and its exception rethrown.
///
/// **When the deadline passes, the process aborts.** It prints one line to stderr naming
/// what hung (`what`, or the file and line of the call) and the limit, then calls
/// std::abort(): CTest reports the test as failed ("Subprocess aborted") with the message
/// in its output. Throwing instead would unwind the caller's stack while the hung coroutine
/// (which usually captured locals by reference) is still alive on the loop and may resume
/// later into freed memory; returning would let a hang pass as green. Every awaited
/// operation in a test has its own, shorter timeout: the deadline only catches a hang, so
/// it is generous (60 s unless the call says otherwise).
///
/// Header-only; needs only Boost.Asio.
#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string_view>
#include <thread>
#include <utility>

namespace evp::testing {

/// Where run() was called from, for the message. Not std::source_location: Clang 15
/// evaluates source_location::current() in a template's default argument where the template
/// is declared, so every message would name this header; the builtins in a constructor's
/// default arguments give the caller's file and line with GCC 12 and Clang 15 alike.
struct CallSite {
  const char* file;
  unsigned line;
  constexpr CallSite(const char* f = __builtin_FILE(), unsigned l = __builtin_LINE()) : file(f), line(l) {}
};

/// The deadline of run() when the caller does not choose one.
inline constexpr std::chrono::milliseconds kDefaultDeadline = std::chrono::seconds(60);

/// Prints "evp::testing: <what> did not finish within <limit> ..." to stderr and aborts.
/// `what` empty: the call site (file:line) names it.
[[noreturn]] inline void deadline_passed(std::string_view what, std::chrono::milliseconds limit,
                                         const CallSite& where) {
  if (what.empty())
    std::fprintf(stderr, "evp::testing: the coroutine run at %s:%u did not finish within %.1f s; aborting\n",
                 where.file, where.line, static_cast<double>(limit.count()) / 1000);
  else
    std::fprintf(stderr, "evp::testing: %.*s (run at %s:%u) did not finish within %.1f s; aborting\n",
                 static_cast<int>(what.size()), what.data(), where.file, where.line,
                 static_cast<double>(limit.count()) / 1000);
  std::fflush(stderr);
  std::abort();
}

/// Runs `aw` on `io`, driving `io` from this thread (with whatever else is on it: pool
/// sockets, timers, dispatchers) until `aw` completes; returns its value or rethrows its
/// exception. `io` may be stopped or out of work before and after. Aborts with a message
/// when `aw` has not completed within `limit` (see the top of this header).
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> aw, std::chrono::milliseconds limit = kDefaultDeadline,
      std::string_view what = {}, CallSite where = {}) {
  auto future = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) deadline_passed(what, limit, where);
    if (io.stopped()) io.restart();  // it stops whenever it runs out of work
    io.run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100)));
  }
  return future.get();
}

/// Like run(), and then keeps driving `io` until it is out of work: what the coroutine left
/// behind (detached tasks, handlers posted as it ended) has run too when this returns. The
/// same deadline covers both; a loop that never runs out of work (a listening socket)
/// reaches it, so this is for loops that only carry the test's own work.
template <class T>
T run_until_idle(boost::asio::io_context& io, boost::asio::awaitable<T> aw,
                 std::chrono::milliseconds limit = kDefaultDeadline, std::string_view what = {},
                 CallSite where = {}) {
  auto future = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  io.restart();
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) deadline_passed(what, limit, where);
    io.run_for(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    if (!io.stopped()) continue;  // time slice over, work left
    if (future.wait_for(std::chrono::seconds(0)) == std::future_status::ready) break;
    io.restart();
  }
  return future.get();
}

/// Waits for `future` (of work done on another thread) up to `limit`; its value or its
/// exception. Aborts with a message when it is not ready in time.
template <class T>
T wait(std::future<T>& future, std::chrono::milliseconds limit = kDefaultDeadline, std::string_view what = {},
       CallSite where = {}) {
  if (future.wait_for(limit) != std::future_status::ready) deadline_passed(what, limit, where);
  return future.get();
}

/// Runs `aw` on `io`, which another thread runs, and waits here for it (same deadline
/// behaviour as run()).
template <class T>
T run_on(boost::asio::io_context& io, boost::asio::awaitable<T> aw, std::chrono::milliseconds limit = kDefaultDeadline,
         std::string_view what = {}, CallSite where = {}) {
  auto future = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  return wait(future, limit, what, where);
}

/// One io_context on a background thread for everything a test talks to (simulated
/// stations, HTTP clients). The test's thread never touches those objects directly: it hands
/// a coroutine to run(), which executes it on the loop and waits for its result, so
/// single-threaded objects are only ever used from the loop's thread.
class Loop {
 public:
  /// `default_limit`: the deadline of run() when the call gives none. 5 minutes by default:
  /// end-to-end tasks (a storm of transactions) run far longer than a unit test's coroutine.
  explicit Loop(std::chrono::milliseconds default_limit = std::chrono::minutes(5))
      : default_limit_(default_limit), work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~Loop() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  boost::asio::io_context& io() { return io_; }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  /// Runs `task` on the loop and returns its result (exceptions are rethrown here). Aborts
  /// with a message when it has not finished within the loop's default limit.
  template <class T>
  T run(boost::asio::awaitable<T> task, CallSite where = {}) {
    return run_on(io_, std::move(task), default_limit_, "a task on the test loop", where);
  }
  /// The same with its own limit.
  template <class T>
  T run(boost::asio::awaitable<T> task, std::chrono::milliseconds limit,
        CallSite where = {}) {
    return run_on(io_, std::move(task), limit, "a task on the test loop", where);
  }

 private:
  std::chrono::milliseconds default_limit_;
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace evp::testing
