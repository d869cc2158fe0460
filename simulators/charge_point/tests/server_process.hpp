#pragma once
// Test helper: a scratch database and the real `evpower serve` process on free loopback
// ports, stopped (by its pid) and dropped when the object goes away.
#include <map>
#include <string>

namespace evp::sim::test {

class ServerProcess {
 public:
  /// Returns false (and a reason) when the environment cannot run the server:
  /// EVP_TEST_DATABASE_URL unset or EVP_SERVER_BINARY missing.
  static bool available(std::string& why);

  /// Creates the database, migrates, starts the server with `env` added to the defaults
  /// (auto-registration on, push off) and waits until the OCPP port accepts. Throws.
  explicit ServerProcess(std::map<std::string, std::string> env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::string ocpp_url() const;  ///< ws://127.0.0.1:PORT/ocpp
  int pid() const { return pid_; }
  const std::string& database_url() const { return db_url_; }
  /// Runs `evpower <args>` against the same database (e.g. "station add X --password P").
  int run_cli(const std::string& args) const;
  std::string log_tail() const;

 private:
  std::string binary_, db_name_, admin_url_, db_url_, log_path_;
  std::map<std::string, std::string> env_;
  int ocpp_port_ = 0;
  int pid_ = -1;
};

}  // namespace evp::sim::test
