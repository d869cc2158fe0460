// The test support library itself: a hung coroutine fails its process with a message
// (checked in a forked child), a finished one returns its value, a throwing one rethrows;
// ChildProcess::stop escalates to SIGKILL.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "evp/testing/process.hpp"
#include "evp/testing/run.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A scratch directory for the children's stdout and stderr files, removed afterwards.
struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/evp-support-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern));
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct ChildResult {
  int status = 0;  // as waitpid() gives it
  std::string err;
};

// Runs `body` in a forked child with its stderr on a pipe; the child exits 0 when `body`
// returns. The parent reads the pipe to its end and reaps the child.
ChildResult in_child(const std::function<void()>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(stdout);  // or the child would print what is buffered a second time
  std::fflush(stderr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], 2);
    // doctest's crash handler would report the abort on the parent's stdout as a crash of
    // this test case: the child dies of the signal itself, as a test binary outside doctest.
    std::signal(SIGABRT, SIG_DFL);
    std::freopen("/dev/null", "w", stdout);
    body();
    std::_Exit(0);
  }
  ::close(fds[1]);
  ChildResult r;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) r.err.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  REQUIRE(::waitpid(pid, &r.status, 0) == pid);
  return r;
}

asio::awaitable<void> never_finishes() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<int> forty_two() {
  asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
  co_await timer.async_wait(asio::use_awaitable);
  co_return 42;
}

asio::awaitable<int> throws() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  throw std::runtime_error("from the coroutine");
}

}  // namespace

TEST_CASE("run: a coroutine that never finishes ends the process with a message at the deadline") {
  const auto start = std::chrono::steady_clock::now();
  auto r = in_child([] {
    asio::io_context io;
    evp::testing::run(io, never_finishes(), 1s, "never_finishes");
  });
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("child stderr: " << r.err);
  CHECK_FALSE((WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0));
  CHECK(WIFSIGNALED(r.status));
  CHECK(r.err.find("never_finishes") != std::string::npos);
  CHECK(r.err.find("did not finish within 1.0 s") != std::string::npos);
  CHECK(took >= 1s);
  CHECK(took < 20s);
}

TEST_CASE("run: without a name the message gives the call site") {
  auto r = in_child([] {
    asio::io_context io;
    evp::testing::run(io, never_finishes(), 200ms);
  });
  INFO("child stderr: " << r.err);
  CHECK(WIFSIGNALED(r.status));
  CHECK(r.err.find("support_test.cpp:") != std::string::npos);
  CHECK(r.err.find("did not finish within 0.2 s") != std::string::npos);
}

TEST_CASE("run: a coroutine that finishes returns its value; one that throws rethrows") {
  asio::io_context io;
  CHECK(evp::testing::run(io, forty_two()) == 42);
  CHECK(evp::testing::run(io, forty_two(), 5s) == 42);  // the loop may be reused after it stopped
  CHECK_THROWS_WITH_AS(evp::testing::run(io, throws()), "from the coroutine", std::runtime_error);
}

TEST_CASE("run_until_idle: returns once what the coroutine left behind has run too") {
  asio::io_context io;
  bool detached_done = false;
  auto leaves_work = [&]() -> asio::awaitable<int> {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer timer(io, 50ms);
          co_await timer.async_wait(asio::use_awaitable);
          detached_done = true;
        },
        asio::detached);
    co_return 7;
  };
  CHECK(evp::testing::run_until_idle(io, leaves_work()) == 7);
  CHECK(detached_done);
}

TEST_CASE("Loop: runs tasks on its thread, returns values, rethrows, and aborts on a hang") {
  {
    evp::testing::Loop loop;
    CHECK(loop.run(forty_two()) == 42);
    CHECK_THROWS_WITH_AS(loop.run(throws()), "from the coroutine", std::runtime_error);
  }
  auto r = in_child([] {
    evp::testing::Loop loop;
    loop.run(never_finishes(), 1s);
  });
  INFO("child stderr: " << r.err);
  CHECK(WIFSIGNALED(r.status));
  CHECK(r.err.find("a task on the test loop") != std::string::npos);
  CHECK(r.err.find("did not finish within 1.0 s") != std::string::npos);
}

TEST_CASE("ChildProcess: stop escalates to SIGKILL when the child ignores SIGTERM") {
  TempDir dir;
  evp::testing::ChildProcess p("ignores-term", {"/bin/sh", "-c", "trap '' TERM; echo ready; sleep 30; exit 0"}, {},
                               dir.path);
  // The trap must be in place before SIGTERM is sent.
  p.wait_stdout<bool>(
      [](const std::string& out) -> std::optional<bool> {
        if (out.find("ready") == std::string::npos) return std::nullopt;
        return true;
      },
      10s);
  const auto start = std::chrono::steady_clock::now();
  const int status = p.stop(1s);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(status == 128 + SIGKILL);
  CHECK_FALSE(p.running());
  CHECK(took >= 1s);
  CHECK(took < 5s);
}

TEST_CASE("ChildProcess: a child that honours SIGTERM stops at once; run_command gives status and stdout") {
  TempDir tmp;
  const std::string& dir = tmp.path;
  evp::testing::ChildProcess p("sleeps", {"/bin/sleep", "30"}, {}, dir);
  CHECK(p.running());
  CHECK(p.stop(10s) == 128 + SIGTERM);

  auto [rc, out] =
      evp::testing::run_command({"/bin/sh", "-c", "echo \"$EVP_SUPPORT_TEST\""}, {{"EVP_SUPPORT_TEST", "hello"}}, dir);
  CHECK(rc == 0);
  CHECK(out == "hello\n");
  auto failed = evp::testing::run_command({"/bin/sh", "-c", "echo oops >&2; exit 3"}, {}, dir);
  CHECK(failed.first == 3);
  CHECK(failed.second.find("oops") != std::string::npos);
}
