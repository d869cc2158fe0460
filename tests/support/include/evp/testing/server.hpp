#pragma once
/// Test support: the real `evpower serve` as a child process on free loopback ports against
/// a given database, its ports read from the lines it prints at start-up
/// ("OCPP: ws://127.0.0.1:PORT/ocpp/{id}", "OCPP: wss://…", "REST: http://127.0.0.1:PORT").
///
///   evp::db::testing::TempDatabase db;
///   evp::testing::Server server(db.url(), {{"OCPP_MAX_CONNECTIONS", "3"}});
///   WsClient cp(server.port(), "/ocpp/CP1");
///
/// The binary is the `evpower` of the same build folder (compiled in), or EVP_SERVER_BINARY
/// when set. Linking this library does not build the server: a test that starts it says so
/// with add_dependencies(<test> evpower).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evp/testing/process.hpp"

namespace evp::testing {

/// JWT_SECRET of a server started with the default options (tests sign tokens with it).
inline constexpr const char* kServerJwtSecret = "integration-test-secret";

struct ServerOptions {
  /// DATABASE_URL (required); the schema must exist or be made with cli({"migrate"}).
  std::string database_url{};
  /// Added to (and overriding) the environment made from the fields below.
  EnvMap env{};
  /// LOG_LEVEL (debug logs every OCPP frame: handy when a case fails).
  std::string log_level = "debug";
  /// EVP_ENV.
  std::string evp_env = "test";
  std::string jwt_secret = kServerJwtSecret;
  /// PUSH_NOTIFICATIONS_ENABLED (a pushing server also needs VAPID keys in `env`).
  bool push = false;
  /// DB_POOL_SIZE; 0 leaves the server's default.
  int db_pool_size = 4;
  /// OCPP_TLS_PORT=0 (a free port; the listener exists only with a certificate configured).
  bool tls_port = true;
  /// Where the process's stdout and stderr go (`<dir>/server.out`, `.log`); empty: a fresh
  /// directory under /tmp, removed with the Server.
  std::string dir{};
  /// Words put before the binary (e.g. "/usr/bin/gdb", "-batch", "-ex", "run", "--args").
  std::vector<std::string> wrapper{};
  /// Run `evpower migrate` (with the same environment) before the first start.
  bool migrate = false;
  /// How long the server may take to print its addresses.
  std::chrono::milliseconds start_limit = std::chrono::seconds(60);
};

class Server {
 public:
  /// Starts the server and waits for its addresses. Throws std::runtime_error (with its
  /// stdout and the end of its stderr) when it exits first or `start_limit` passes.
  explicit Server(ServerOptions options);
  /// The default options with this database and these variables.
  explicit Server(const std::string& database_url, EnvMap env = {});
  /// Stops the server (SIGTERM, SIGKILL after 10 s) and removes its own directory.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// False (and why) when this environment cannot run the server: EVP_TEST_DATABASE_URL
  /// unset or the binary missing.
  static bool available(std::string& why);

  std::uint16_t port() const { return ocpp_port_; }     ///< OCPP over plain WebSocket
  std::uint16_t tls_port() const { return tls_port_; }  ///< 0 when no TLS listener
  std::uint16_t rest_port() const { return rest_port_; }
  std::string ocpp_url() const;  ///< ws://127.0.0.1:PORT/ocpp (a station appends /<id>)
  std::string rest_url() const;  ///< http://127.0.0.1:PORT
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  bool running() { return process_ && process_->running(); }
  ChildProcess& process() { return *process_; }
  /// The environment it runs with (the ports are fixed in it after the first start).
  const EnvMap& env() const { return env_; }
  const std::string& dir() const { return dir_.path(); }

  /// SIGTERM, SIGKILL after `grace`; the exit status (128+signal when killed by one).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// A crash: SIGKILL, nothing of its shutdown runs. The exit status.
  int kill_now();
  /// Starts it again with the same environment and the same ports, as a supervisor restarts
  /// a crashed service. Throws when it is still running.
  void restart();

  std::string log() const;  ///< its stderr so far
  std::string log_tail(std::size_t bytes = 6000) const;

  /// `evpower <args...>` with the same environment (database): exit status and stdout
  /// (with the end of stderr when it fails).
  std::pair<int, std::string> cli(std::vector<std::string> args) const;
  /// The same with the arguments as one shell string ("station add X --password P"); the
  /// exit status only.
  int run_cli(const std::string& args) const;

 private:
  void start();

  ServerOptions options_;
  EnvMap env_;
  ScratchDir dir_;  // before process_: the process stops before its folder goes
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t ocpp_port_ = 0, tls_port_ = 0, rest_port_ = 0;
};

/// Path of `evpower`: EVP_SERVER_BINARY, or the one of this build folder.
std::string server_binary();

}  // namespace evp::testing
