#pragma once
/// Test support: the push receiver simulator (`evp-push-receiver`, a browser's push
/// service; docs/PUSH_RECEIVER.md) as a child process on loopback ports, ready when it has
/// written its ready file. Its self-signed certificate is `cert()`.
///
/// The binary is the one of the same build folder (compiled in), or EVP_PUSH_RECEIVER_BINARY
/// when set. A test that starts it says add_dependencies(<test> evp-push-receiver).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evp/testing/process.hpp"

namespace evp::testing {

struct ReceiverOptions {
  /// Where the certificate, the ready file and its stdout/stderr go; empty: a fresh
  /// directory under /tmp, removed with the Receiver.
  std::string dir{};
  /// Keep subscriptions, keys and TLS identity in `<dir>/receiver-state.jsonl`, so that a
  /// restart() comes back with the same ones (--state-file).
  bool state_file = false;
  /// Further flags, e.g. {"--quiet"}, {"--keep-messages", "100000"}.
  std::vector<std::string> args{};
  /// How long it may take to become ready.
  std::chrono::milliseconds start_limit = std::chrono::seconds(30);
};

class Receiver {
 public:
  /// Starts it on free ports and waits until it is ready. Throws std::runtime_error (with
  /// its log) when it exits first or `start_limit` passes.
  explicit Receiver(ReceiverOptions options = {});
  /// Stops it (SIGTERM, SIGKILL after 10 s) and removes its own directory.
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::uint16_t tls_port() const { return tls_port_; }    ///< the push service (h2 and http/1.1)
  std::uint16_t http_port() const { return http_port_; }  ///< its plain-HTTP control API
  const std::string& cert() const { return cert_; }       ///< PEM of its certificate
  const std::string& dir() const { return dir_.path(); }
  bool running() { return process_ && process_->running(); }
  ChildProcess& process() { return *process_; }

  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// SIGKILL in the middle of whatever it does; the exit status.
  int kill_now();
  /// Starts it again on the same ports (and, with `state_file`, the same subscriptions and
  /// certificate). Throws when it is still running.
  void restart();

  std::string log_tail(std::size_t bytes = 6000) const;

 private:
  void start();

  ReceiverOptions options_;
  ScratchDir dir_;  // before process_: the process stops before its folder goes
  std::string cert_;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t tls_port_ = 0, http_port_ = 0;
};

/// Path of `evp-push-receiver`: EVP_PUSH_RECEIVER_BINARY, or the one of this build folder.
std::string receiver_binary();

}  // namespace evp::testing
