#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace evp::itest {

namespace {
std::uint16_t port_after(const std::string& line, const std::string& scheme) {
  std::smatch m;
  if (std::regex_search(line, m, std::regex(scheme + "://[^:/]+:([0-9]+)"))) return std::stoi(m[1]);
  return 0;
}
}  // namespace

ServerProcess::ServerProcess(const std::string& database_url, std::map<std::string, std::string> extra) {
  static int counter = 0;
  log_path_ = "/tmp/evp-itest-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".log";
  std::map<std::string, std::string> env = {
      {"DATABASE_URL", database_url},          {"EVP_ENV", "test"},   {"LOG_LEVEL", "debug"},
      {"OCPP_LISTEN_ADDRESS", "127.0.0.1"},    {"OCPP_PORT", "0"},    {"OCPP_TLS_PORT", "0"},
      {"API_LISTEN_ADDRESS", "127.0.0.1"},     {"API_PORT", "0"},     {"JWT_SECRET", "integration-test-secret"},
      {"PUSH_NOTIFICATIONS_ENABLED", "false"}, {"DB_POOL_SIZE", "4"},
  };
  for (auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> env_lines;
  for (char** e = environ; *e; ++e) {
    std::string line = *e;
    if (!env.count(line.substr(0, line.find('=')))) env_lines.push_back(line);
  }
  for (auto& [k, v] : env) env_lines.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& l : env_lines) envp.push_back(l.data());
  envp.push_back(nullptr);

  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log, 2);
    ::close(out[0]);
    char* argv[] = {const_cast<char*>(EVPOWER_BINARY), const_cast<char*>("serve"), nullptr};
    ::execve(EVPOWER_BINARY, argv, envp.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  stdout_fd_ = out[0];

  // Read stdout until the REST line (it is printed last), with a generous deadline so a
  // broken server fails the test instead of hanging it.
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (text.find("REST:") == std::string::npos || text.find('\n', text.find("REST:")) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{stdout_fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[512];
    auto n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("OCPP: ws://")) port_ = port_after(line, "ws");
    if (line.starts_with("OCPP: wss://")) tls_port_ = port_after(line, "wss");
    if (line.starts_with("REST: ")) rest_port_ = port_after(line, "http");
  }
  if (!port_ || !rest_port_) {
    stop();
    throw std::runtime_error("evpower serve did not start; stdout:\n" + text + "\nlog:\n" + log());
  }
}

ServerProcess::~ServerProcess() {
  stop();
  ::unlink(log_path_.c_str());
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void run_shell(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

}  // namespace evp::itest
