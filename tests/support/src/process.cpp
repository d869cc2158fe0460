#include "evp/testing/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace evp::testing {

namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ScratchDir::ScratchDir(const std::string& given, const std::string& prefix) : path_(given), owned_(given.empty()) {
  if (!owned_) return;
  path_ = "/tmp/" + prefix + "-XXXXXX";
  if (!mkdtemp(path_.data())) throw std::runtime_error("mkdtemp " + path_ + " failed");
}

ScratchDir::~ScratchDir() {
  if (!owned_ || std::getenv("EVP_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ChildProcess::ChildProcess(std::string name, std::vector<std::string> argv, const EnvMap& env, const std::string& dir)
    : name_(std::move(name)), out_path_(dir + "/" + name_ + ".out"), log_path_(dir + "/" + name_ + ".log") {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.contains(kv.substr(0, kv.find('=')))) env_strings.push_back(std::move(kv));
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(&pid_, argv.at(0).c_str(), &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": error " + std::to_string(rc));
  }
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_status_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_status_ = decode_status(status);
    return false;
  }
  return true;
}

int ChildProcess::wait(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      exit_status_ = decode_status(status);
      break;
    }
    sleep_ms(20);
  }
  return exit_status_.value_or(-1);
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (running()) kill(pid_, SIGTERM);
  return wait(grace);
}

int ChildProcess::kill_now() {
  if (pid_ <= 0) return -1;
  if (running()) kill(pid_, SIGKILL);
  return wait(std::chrono::seconds(10));
}

std::string ChildProcess::out() const { return read_file(out_path_); }

std::string ChildProcess::log_tail(std::size_t bytes) const {
  auto s = read_file(log_path_);
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

void ChildProcess::throw_not_ready(const std::string& what) {
  throw std::runtime_error(name_ + " " + what + "; stdout:\n" + out() + "\nstderr (tail):\n" + log_tail());
}

std::pair<int, std::string> run_command(std::vector<std::string> argv, const EnvMap& env, const std::string& dir) {
  static int counter = 0;
  ChildProcess p("cmd" + std::to_string(++counter), std::move(argv), env, dir);
  const int status = p.wait(std::chrono::seconds(60));
  if (status != 0) return {status, p.out() + p.log_tail()};
  return {status, p.out()};
}

void run_shell(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

}  // namespace evp::testing
