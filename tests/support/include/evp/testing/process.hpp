#pragma once
/// Test support: child processes (the server, the push receiver, commands) run as the real
/// binaries, with stdout and stderr in files under the test's scratch directory, and are
/// stopped by their pid (SIGTERM, then SIGKILL after a grace period).
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evp::testing {

using EnvMap = std::map<std::string, std::string>;

class ChildProcess {
 public:
  /// Starts argv[0] (a path) with the current environment plus `env`; stdout goes to
  /// `<dir>/<name>.out`, stderr to `<dir>/<name>.log`. Throws when it cannot start.
  ChildProcess(std::string name, std::vector<std::string> argv, const EnvMap& env, const std::string& dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (128+signal when
  /// killed by a signal); idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// SIGKILL now (a crash: no shutdown code runs) and reap it. Returns the exit status.
  int kill_now();
  /// Waits for the process to end by itself (SIGKILL after `limit`); the exit status.
  int wait(std::chrono::milliseconds limit);

  std::string out() const;                               ///< stdout so far
  std::string log_tail(std::size_t bytes = 6000) const;  ///< end of stderr
  const std::string& name() const { return name_; }

  /// Polls stdout until `parse` returns a value; throws with the log when the process
  /// exits or `limit` passes.
  template <class T>
  T wait_stdout(const std::function<std::optional<T>(const std::string&)>& parse, std::chrono::milliseconds limit);

 private:
  void throw_not_ready(const std::string& what);
  std::string name_, out_path_, log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

/// Runs a command to completion (SIGKILL after 60 s) and returns {exit status, stdout}; when
/// it fails, the end of its stderr is appended to the text.
std::pair<int, std::string> run_command(std::vector<std::string> argv, const EnvMap& env, const std::string& dir);

/// Runs `command` with /bin/sh (output where the test's goes); throws std::runtime_error
/// when it fails (e.g. openssl making a test certificate).
void run_shell(const std::string& command);

/// The whole file ("" when it cannot be read).
std::string read_file(const std::string& path);

/// The folder a Server or Receiver keeps its files in: `given` when not empty (left alone),
/// else a fresh `/tmp/<prefix>-XXXXXX` that is removed with this object (kept when
/// EVP_KEEP_TEST_DIRS is set, for a failing test's logs). Declare it before the process
/// that writes into it, so the process stops first.
class ScratchDir {
 public:
  ScratchDir(const std::string& given, const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

template <class T>
T ChildProcess::wait_stdout(const std::function<std::optional<T>(const std::string&)>& parse,
                            std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (auto v = parse(out())) return *v;
    if (!running()) throw_not_ready("exited before it was ready");
    if (std::chrono::steady_clock::now() > deadline) throw_not_ready("not ready in time");
    struct timespec ts {
      0, 50'000'000
    };
    nanosleep(&ts, nullptr);
  }
}

}  // namespace evp::testing
