#include "delivery/web_push_request.hpp"

#include <stdexcept>

namespace evp::push::delivery {

VapidCache::VapidCache(const KeyPair& key, std::string subject)
    : key_(key), subject_(std::move(subject)), public_b64url_(key.public_b64url()) {}

const std::string& VapidCache::authorization(const std::string& audience, std::int64_t now_unix) {
  auto& entry = entries_[audience];
  if (entry.expires - now_unix < kRefreshBefore) {
    entry.expires = now_unix + kLifetime;
    entry.header = "vapid t=" + sign_vapid_jwt(key_, audience, entry.expires, subject_) + ", k=" + public_b64url_;
    ++signatures_;
  }
  return entry.header;
}

HttpRequest build_web_push_request(const PushMessage& message, VapidCache& vapid, std::int64_t now_unix) {
  auto url = parse_url(message.endpoint);
  if (!url) throw std::invalid_argument("invalid endpoint URL");
  HttpRequest request;
  request.url = std::move(*url);
  auto keys = ReceiverKeys::from_base64url(message.p256dh, message.auth);
  auto body = encrypt(keys, message.payload);
  request.body.assign(reinterpret_cast<const char*>(body.data()), body.size());
  request.headers.reserve(6);
  request.headers.emplace_back("ttl", std::to_string(message.ttl));
  request.headers.emplace_back("content-encoding", "aes128gcm");
  request.headers.emplace_back("content-type", "application/octet-stream");
  request.headers.emplace_back("urgency", message.urgency.empty() ? "normal" : message.urgency);
  if (!message.topic.empty()) request.headers.emplace_back("topic", message.topic);
  request.headers.emplace_back("authorization", vapid.authorization(origin_of(message.endpoint), now_unix));
  return request;
}

}  // namespace evp::push::delivery
