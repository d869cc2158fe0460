#include "api/dev_token.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/base64.hpp"
#include "util/crypto.hpp"

namespace evp::api {

std::string mint_hs256_token(const std::string& secret, const std::string& user_id, const std::string& audience,
                             std::chrono::seconds lifetime) {
  if (secret.empty()) throw std::invalid_argument("no JWT secret to sign with");
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json claims{{"sub", user_id}, {"role", "authenticated"}, {"iat", now}, {"exp", now + lifetime.count()}};
  if (!audience.empty()) claims["aud"] = audience;
  const nlohmann::json header{{"alg", "HS256"}, {"typ", "JWT"}};
  const std::string input = common::base64url_encode(header.dump()) + "." + common::base64url_encode(claims.dump());
  return input + "." + common::base64url_encode(hmac_sha256(secret, input));
}

}  // namespace evp::api
