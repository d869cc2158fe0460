#pragma once
// Test support: the real push receiver simulator (evp-push-receiver, started by
// evp::testing::Receiver) on free ports, and its control API through curl (tests only;
// blocking is fine).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evp/testing/receiver.hpp"

namespace evp::push::testing {

class Receiver {
 public:
  /// `extra_flags`: further receiver flags (e.g. {"--keep-messages", "10"}).
  explicit Receiver(std::vector<std::string> extra_flags = {});

  const std::string& cert() const { return process_.cert(); }
  int tls_port() const { return process_.tls_port(); }
  int http_port() const { return process_.http_port(); }

  /// N fresh subscriptions (browser PushSubscription JSON objects).
  nlohmann::json subscribe(int n);
  nlohmann::json get(const std::string& path);
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  /// Messages delivered (decrypted) so far.
  long delivered();
  /// Responses the receiver gave with this status.
  long responses(int status);

 private:
  evp::testing::Receiver process_;
};

/// Subscription id (the last path segment of the endpoint).
std::string subscription_id(const nlohmann::json& subscription);

}  // namespace evp::push::testing
