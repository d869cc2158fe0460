#pragma once
// What a driver's PWA and the payment provider put in their requests: a Supabase-style
// HS256 access token, and the webhook's HMAC-SHA256 signature. Written here from the RFCs
// (7519, 2104) rather than taken from the api module, so a shared bug cannot hide.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace evp::e2e {

/// A JWT signed with HS256 under `secret`, with exactly `claims` as its payload.
/// `header` lets tests forge e.g. {"alg":"none"}.
std::string hs256_jwt(const std::string& secret, const nlohmann::json& claims,
                      const nlohmann::json& header = {{"alg", "HS256"}, {"typ", "JWT"}});

/// The claims Supabase Auth puts in a signed-in user's token, valid for `lifetime`.
nlohmann::json user_claims(const std::string& user_id, std::chrono::seconds lifetime = std::chrono::hours(1));

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256_hex(const std::string& key, const std::string& data);

}  // namespace evp::e2e
