// Not a test itself: the Receiver helper (named *_test.cpp so it is built into push_tests only).
#include "delivery/receiver_fixture.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef EVP_PUSH_RECEIVER
#error "EVP_PUSH_RECEIVER (path of evp-push-receiver) must be defined"
#endif

namespace evp::push::testing {

namespace {
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  char buffer[4096];
  while (auto n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  if (status != 0) throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command);
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

Receiver::Receiver(const std::string& extra_flags) {
  char pattern[] = "/tmp/evp-push-test-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  cert_ = dir_ + "/receiver.pem";
  std::string ready = dir_ + "/ready.json";
  std::string command = std::string("exec ") + EVP_PUSH_RECEIVER + " --port 0 --http-port 0 --quiet --cert-out " +
                        cert_ + " --ready-file " + ready + " --subscriptions-out " + dir_ + "/subs.json " +
                        extra_flags + " > " + dir_ + "/receiver.log 2>&1";
  pid_ = fork();
  if (pid_ == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for the ready file (written once listening); bounded so a broken binary fails the test.
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(ready);
    std::stringstream text;
    text << in.rdbuf();
    if (auto parsed = nlohmann::json::parse(text.str(), nullptr, false); !parsed.is_discarded() && parsed.is_object()) {
      tls_port_ = parsed.value("tls_port", 0);
      http_port_ = parsed.value("http_port", 0);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("evp-push-receiver exited at start; see " + dir_ + "/receiver.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("evp-push-receiver did not become ready");
}

Receiver::~Receiver() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::system(("rm -rf " + quote(dir_)).c_str());
}

nlohmann::json Receiver::get(const std::string& path) {
  return nlohmann::json::parse(run("curl -sS --fail-with-body --cacert " + quote(cert_) + " " +
                                   quote("https://127.0.0.1:" + std::to_string(tls_port_) + path)));
}

nlohmann::json Receiver::post(const std::string& path, const nlohmann::json& body) {
  return nlohmann::json::parse(run("curl -sS --fail-with-body --cacert " + quote(cert_) +
                                   " -H 'content-type: application/json' -d " + quote(body.dump()) + " " +
                                   quote("https://127.0.0.1:" + std::to_string(tls_port_) + path)));
}

nlohmann::json Receiver::subscribe(int n) {
  auto result = post("/subscriptions", {{"count", n}});
  return result.is_array() ? result : nlohmann::json::array({result});
}

long Receiver::delivered() {
  auto stats = get("/stats");
  return stats.value("delivered", 0L);
}

long Receiver::responses(int status) {
  auto stats = get("/stats");
  auto by_status = stats.value("by_status", nlohmann::json::object());
  auto key = std::to_string(status);
  return by_status.contains(key) ? by_status[key].get<long>() : 0L;
}

std::string subscription_id(const nlohmann::json& subscription) {
  auto endpoint = subscription.at("endpoint").get<std::string>();
  return endpoint.substr(endpoint.rfind('/') + 1);
}

}  // namespace evp::push::testing
