#pragma once
// Turning one outbox item into an RFC 8030 request: aes128gcm body, VAPID authorization,
// TTL/Urgency/Topic headers. The VAPID token is cached per audience (push-service origin):
// signing costs as much as the encryption, and services accept a token for hours.
#include <cstdint>
#include <map>
#include <string>

#include "delivery/http_types.hpp"
#include "push/crypto.hpp"

namespace evp::push::delivery {

class VapidCache {
 public:
  /// Tokens live 12 h (RFC 8292 allows at most 24 h) and are re-signed when less than 1 h is left,
  /// so a token never expires while a request carrying it is in flight.
  static constexpr std::int64_t kLifetime = 12 * 3600;
  static constexpr std::int64_t kRefreshBefore = 3600;

  VapidCache(const KeyPair& key, std::string subject);
  /// `vapid t=<jwt>, k=<public key>` for this audience.
  const std::string& authorization(const std::string& audience, std::int64_t now_unix);
  std::uint64_t signatures() const { return signatures_; }

 private:
  struct Entry {
    std::string header;
    std::int64_t expires = 0;
  };
  const KeyPair& key_;
  std::string subject_;
  std::string public_b64url_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::uint64_t signatures_ = 0;
};

struct PushMessage {
  std::string endpoint;
  std::string p256dh;  ///< base64url, as the browser gave it
  std::string auth;
  std::string payload;  ///< JSON text
  std::string urgency = "normal";
  std::string topic;
  int ttl = 86400;
};

/// Builds the encrypted request. Throws CryptoError (bad keys, payload too large) and
/// std::invalid_argument (unparsable endpoint).
HttpRequest build_web_push_request(const PushMessage& message, VapidCache& vapid, std::int64_t now_unix);

}  // namespace evp::push::delivery
