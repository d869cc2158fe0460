// Not a test itself: the Receiver helper (named *_test.cpp so it is built into push_tests only).
#include "delivery/receiver_fixture.hpp"

#include <cstdio>
#include <stdexcept>

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

Receiver::Receiver(std::vector<std::string> extra_flags)
    : process_([&] {
        std::vector<std::string> args{"--quiet"};
        args.insert(args.end(), extra_flags.begin(), extra_flags.end());
        return evp::testing::ReceiverOptions{.args = std::move(args)};
      }()) {}

nlohmann::json Receiver::get(const std::string& path) {
  return nlohmann::json::parse(run("curl -sS --fail-with-body --cacert " + quote(cert()) + " " +
                                   quote("https://127.0.0.1:" + std::to_string(tls_port()) + path)));
}

nlohmann::json Receiver::post(const std::string& path, const nlohmann::json& body) {
  return nlohmann::json::parse(run("curl -sS --fail-with-body --cacert " + quote(cert()) +
                                   " -H 'content-type: application/json' -d " + quote(body.dump()) + " " +
                                   quote("https://127.0.0.1:" + std::to_string(tls_port()) + path)));
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
