#pragma once
// Starts `evpower serve` as a subprocess on port 0 against a given database and reads the
// bound ports from the lines it prints ("OCPP: ws://127.0.0.1:PORT/ocpp/{id}", ...).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace evp::itest {

class ServerProcess {
 public:
  /// `env` is added to (and overrides) the defaults: loopback addresses, port 0, push off,
  /// a JWT secret, LOG_LEVEL=debug. Throws std::runtime_error if the server does not
  /// print its addresses (its log is in the message).
  ServerProcess(const std::string& database_url, std::map<std::string, std::string> env = {});
  ~ServerProcess();

  std::uint16_t port() const { return port_; }
  std::uint16_t tls_port() const { return tls_port_; }
  std::uint16_t rest_port() const { return rest_port_; }
  /// Sends SIGTERM and waits; returns the exit status (128+signal when killed by one).
  int stop();
  /// The server's stderr so far.
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string log_path_;
  std::uint16_t port_ = 0, tls_port_ = 0, rest_port_ = 0;
};

/// Runs a command with /bin/sh; throws when it fails (openssl in the TLS test).
void run_shell(const std::string& command);

}  // namespace evp::itest
