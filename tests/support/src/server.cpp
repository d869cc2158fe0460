#include "evp/testing/server.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>

#ifndef EVP_TESTING_SERVER_BINARY
#error "EVP_TESTING_SERVER_BINARY (path of evpower) must be defined"
#endif

namespace evp::testing {

namespace {

std::uint16_t port_after(const std::string& text, const char* prefix) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(std::string(prefix) + "([0-9]+)"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string server_binary() {
  const char* v = std::getenv("EVP_SERVER_BINARY");
  return v && *v ? v : EVP_TESTING_SERVER_BINARY;
}

bool Server::available(std::string& why) {
  const char* db = std::getenv("EVP_TEST_DATABASE_URL");
  if (!db || !*db) {
    why = "EVP_TEST_DATABASE_URL is not set (scripts/test sets it)";
    return false;
  }
  if (access(server_binary().c_str(), X_OK) != 0) {
    why = server_binary() + " is not an executable (build the evpower target, or set EVP_SERVER_BINARY)";
    return false;
  }
  return true;
}

Server::Server(const std::string& database_url, EnvMap env)
    : Server(ServerOptions{.database_url = database_url, .env = std::move(env)}) {}

Server::Server(ServerOptions options) : options_(std::move(options)), dir_(options_.dir, "evp-server") {
  if (options_.database_url.empty()) throw std::invalid_argument("ServerOptions::database_url is empty");
  env_ = {{"DATABASE_URL", options_.database_url},
          {"EVP_ENV", options_.evp_env},
          {"LOG_LEVEL", options_.log_level},
          {"OCPP_LISTEN_ADDRESS", "127.0.0.1"},
          {"OCPP_PORT", "0"},
          {"API_LISTEN_ADDRESS", "127.0.0.1"},
          {"API_PORT", "0"},
          {"JWT_SECRET", options_.jwt_secret},
          {"PUSH_NOTIFICATIONS_ENABLED", options_.push ? "true" : "false"}};
  if (options_.tls_port) env_["OCPP_TLS_PORT"] = "0";
  if (options_.db_pool_size > 0) env_["DB_POOL_SIZE"] = std::to_string(options_.db_pool_size);
  for (const auto& [k, v] : options_.env) env_[k] = v;
  // A failed start needs no clean-up here: the members built so far (the process, then
  // the folder) are destroyed in that order on the way out.
  if (options_.migrate) {
    auto [rc, out] = cli({"migrate"});
    if (rc != 0) throw std::runtime_error("evpower migrate failed (" + std::to_string(rc) + "): " + out);
  }
  start();
}

Server::~Server() = default;  // process_ stops it, then dir_ goes

void Server::start() {
  std::vector<std::string> argv = options_.wrapper;
  argv.push_back(server_binary());
  argv.push_back("serve");
  ++starts_;
  process_ = std::make_unique<ChildProcess>(starts_ == 1 ? "server" : "server-" + std::to_string(starts_),
                                            std::move(argv), env_, dir_.path());
  struct Ports {
    std::uint16_t ocpp, tls, rest;
  };
  // REST is printed last; the wss line (when there is one) comes before it.
  auto ports = process_->wait_stdout<Ports>(
      [](const std::string& out) -> std::optional<Ports> {
        const auto ocpp = port_after(out, R"(OCPP: ws://127\.0\.0\.1:)");
        const auto rest = port_after(out, R"(REST: http://127\.0\.0\.1:)");
        if (!ocpp || !rest || out.find('\n', out.find("REST: ")) == std::string::npos) return std::nullopt;
        return Ports{ocpp, port_after(out, R"(OCPP: wss://127\.0\.0\.1:)"), rest};
      },
      options_.start_limit);
  ocpp_port_ = ports.ocpp;
  tls_port_ = ports.tls;
  rest_port_ = ports.rest;
  // A restart takes the same ports (stations reconnect to the same address).
  env_["OCPP_PORT"] = std::to_string(ocpp_port_);
  env_["API_PORT"] = std::to_string(rest_port_);
  if (tls_port_) env_["OCPP_TLS_PORT"] = std::to_string(tls_port_);
}

std::string Server::ocpp_url() const { return "ws://127.0.0.1:" + std::to_string(ocpp_port_) + "/ocpp"; }
std::string Server::rest_url() const { return "http://127.0.0.1:" + std::to_string(rest_port_); }

int Server::stop(std::chrono::milliseconds grace) { return process_ ? process_->stop(grace) : -1; }

int Server::kill_now() { return process_ ? process_->kill_now() : -1; }

void Server::restart() {
  if (running()) throw std::runtime_error("Server::restart: the server is still running");
  start();
}

std::string Server::log() const { return process_ ? process_->log_tail(std::string::npos) : std::string(); }

std::string Server::log_tail(std::size_t bytes) const { return process_ ? process_->log_tail(bytes) : std::string(); }

std::pair<int, std::string> Server::cli(std::vector<std::string> args) const {
  args.insert(args.begin(), server_binary());
  return run_command(std::move(args), env_, dir_.path());
}

int Server::run_cli(const std::string& args) const {
  return run_command({"/bin/sh", "-c", "exec " + shell_quote(server_binary()) + " " + args}, env_, dir_.path()).first;
}

}  // namespace evp::testing
