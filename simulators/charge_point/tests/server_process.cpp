#include "server_process.hpp"

#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace evp::sim::test {

namespace {

int free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool port_open(int port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  return !ec;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string env_prefix(const std::map<std::string, std::string>& env) {
  std::string out;
  for (const auto& [k, v] : env) out += k + "=" + shell_quote(v) + " ";
  return out;
}

}  // namespace

bool ServerProcess::available(std::string& why) {
  const char* db = std::getenv("EVP_TEST_DATABASE_URL");
  const char* bin = std::getenv("EVP_SERVER_BINARY");
  if (!db || !*db) {
    why = "EVP_TEST_DATABASE_URL is not set (scripts/test sets it)";
    return false;
  }
  if (!bin || access(bin, X_OK) != 0) {
    why = "EVP_SERVER_BINARY is not an executable (ctest sets it to build/app/evpower)";
    return false;
  }
  return true;
}

ServerProcess::ServerProcess(std::map<std::string, std::string> env) {
  binary_ = std::getenv("EVP_SERVER_BINARY");
  const std::string base_url = std::getenv("EVP_TEST_DATABASE_URL");
  const auto slash = base_url.rfind('/');
  std::mt19937 rng{std::random_device{}()};
  db_name_ = "evp_sim_" + std::to_string(getpid()) + "_" + std::to_string(rng() % 1000000);
  admin_url_ = base_url.substr(0, slash) + "/postgres";
  db_url_ = base_url.substr(0, slash) + "/" + db_name_;
  if (std::system(("psql " + shell_quote(admin_url_) + " -qtAc 'CREATE DATABASE " + db_name_ + "' >/dev/null").c_str()) !=
      0)
    throw std::runtime_error("cannot create database " + db_name_);

  ocpp_port_ = free_port();
  env_ = {{"DATABASE_URL", db_url_},
          {"EVP_ENV", "development"},
          {"LOG_LEVEL", "info"},
          {"OCPP_LISTEN_ADDRESS", "127.0.0.1"},
          {"OCPP_PORT", std::to_string(ocpp_port_)},
          {"OCPP_AUTO_REGISTER", "accept"},
          {"API_LISTEN_ADDRESS", "127.0.0.1"},
          {"API_PORT", std::to_string(free_port())},
          {"PUSH_NOTIFICATIONS_ENABLED", "false"},
          {"JWT_SECRET", "sim-integration-test-secret-0123456789abcdef"}};
  for (auto& [k, v] : env) env_[k] = v;
  if (run_cli("migrate") != 0) throw std::runtime_error("evpower migrate failed");

  log_path_ = "/tmp/" + db_name_ + ".log";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env_.contains(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env_) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = binary_, arg1 = "serve";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  const int rc = posix_spawn(&pid_, binary_.c_str(), &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + binary_);
  for (int i = 0; i < 300; ++i) {
    if (port_open(ocpp_port_)) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("server exited at start-up:\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("server did not listen within 30 s:\n" + log_tail());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) != pid_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  std::system(("psql " + shell_quote(admin_url_) + " -qtAc 'DROP DATABASE IF EXISTS " + db_name_ +
               " WITH (FORCE)' >/dev/null 2>&1")
                  .c_str());
  std::remove(log_path_.c_str());
}

std::string ServerProcess::ocpp_url() const { return "ws://127.0.0.1:" + std::to_string(ocpp_port_) + "/ocpp"; }

int ServerProcess::run_cli(const std::string& args) const {
  const std::string cmd = env_prefix(env_) + shell_quote(binary_) + " " + args + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string ServerProcess::log_tail() const {
  std::ifstream f(log_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  auto s = ss.str();
  return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
}

}  // namespace evp::sim::test
