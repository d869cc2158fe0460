#include "evp/testing/receiver.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "evp/testing/server.hpp"

#ifndef EVP_TESTING_RECEIVER_BINARY
#error "EVP_TESTING_RECEIVER_BINARY (path of evp-push-receiver) must be defined"
#endif

namespace evp::testing {

std::string receiver_binary() {
  const char* v = std::getenv("EVP_PUSH_RECEIVER_BINARY");
  return v && *v ? v : EVP_TESTING_RECEIVER_BINARY;
}

Receiver::Receiver(ReceiverOptions options)
    : options_(std::move(options)), dir_(options_.dir, "evp-receiver"), cert_(dir_.path() + "/receiver.pem") {
  start();  // a failure destroys the process, then the folder
}

Receiver::~Receiver() = default;  // process_ stops it, then dir_ goes

void Receiver::start() {
  const std::string ready = dir_.path() + "/receiver.json";
  std::filesystem::remove(ready);
  // The first start picks free ports; a restart takes the same ones again.
  std::vector<std::string> argv{receiver_binary(),
                                "--host",
                                "127.0.0.1",
                                "--port",
                                std::to_string(tls_port_),
                                "--http-port",
                                std::to_string(http_port_),
                                "--cert-out",
                                cert_,
                                "--ready-file",
                                ready,
                                "--subscriptions-out",
                                dir_.path() + "/receiver-subscriptions.json",
                                "--log-level",
                                "info"};
  if (options_.state_file) {
    argv.push_back("--state-file");
    argv.push_back(dir_.path() + "/receiver-state.jsonl");
  }
  argv.insert(argv.end(), options_.args.begin(), options_.args.end());
  ++starts_;
  process_ = std::make_unique<ChildProcess>(starts_ == 1 ? "receiver" : "receiver-" + std::to_string(starts_),
                                            std::move(argv), EnvMap{}, dir_.path());
  const auto deadline = std::chrono::steady_clock::now() + options_.start_limit;
  nlohmann::json info;
  while (!(info = nlohmann::json::parse(read_file(ready), nullptr, false)).is_object()) {
    if (!process_->running()) throw std::runtime_error("push receiver exited at start: " + process_->log_tail());
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("push receiver not ready in time: " + process_->log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  tls_port_ = info.at("tls_port").get<std::uint16_t>();
  http_port_ = info.at("http_port").get<std::uint16_t>();
}

int Receiver::stop(std::chrono::milliseconds grace) { return process_ ? process_->stop(grace) : -1; }

int Receiver::kill_now() { return process_ ? process_->kill_now() : -1; }

void Receiver::restart() {
  if (running()) throw std::runtime_error("Receiver::restart: the receiver is still running");
  start();
}

std::string Receiver::log_tail(std::size_t bytes) const { return process_ ? process_->log_tail(bytes) : std::string(); }

}  // namespace evp::testing
