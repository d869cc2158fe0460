#pragma once
// Test support: runs the real push receiver simulator (evp-push-receiver) as a subprocess
// on free ports and talks to its control API with curl (tests only; blocking is fine).
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace evp::push::testing {

class Receiver {
 public:
  explicit Receiver(const std::string& extra_flags = "");
  ~Receiver();

  const std::string& cert() const { return cert_; }
  int tls_port() const { return tls_port_; }
  int http_port() const { return http_port_; }

  /// N fresh subscriptions (browser PushSubscription JSON objects).
  nlohmann::json subscribe(int n);
  nlohmann::json get(const std::string& path);
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  /// Messages delivered (decrypted) so far.
  long delivered();
  /// Responses the receiver gave with this status.
  long responses(int status);

 private:
  std::string dir_, cert_;
  pid_t pid_ = -1;
  int tls_port_ = 0, http_port_ = 0;
};

/// Subscription id (the last path segment of the endpoint).
std::string subscription_id(const nlohmann::json& subscription);

}  // namespace evp::push::testing
