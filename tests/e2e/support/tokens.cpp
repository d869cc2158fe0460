#include "tokens.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "common/base64.hpp"

namespace evp::e2e {

namespace {
std::string hmac_raw(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), mac, &len))
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<const char*>(mac), len);
}
}  // namespace

std::string hs256_jwt(const std::string& secret, const nlohmann::json& claims, const nlohmann::json& header) {
  std::string signing_input = common::base64url_encode(std::string_view(header.dump())) + "." +
                              common::base64url_encode(std::string_view(claims.dump()));
  return signing_input + "." + common::base64url_encode(std::string_view(hmac_raw(secret, signing_input)));
}

nlohmann::json user_claims(const std::string& user_id, std::chrono::seconds lifetime) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return {{"sub", user_id}, {"aud", "authenticated"},        {"role", "authenticated"},
          {"iat", now},     {"exp", now + lifetime.count()}, {"email", user_id.substr(0, 8) + "@example.kg"}};
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : hmac_raw(key, data)) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace evp::e2e
