#pragma once
// Verification of Supabase-style access tokens (RFC 7519 JWS compact form):
// HS256 with the project's shared secret, ES256/RS256 with public keys from a JWKS
// (RFC 7517). The algorithm is chosen by the header but only among keys we hold for it,
// so a public key can never be used as an HMAC secret and "none" is never accepted.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace evp::api {

struct JwtResult {
  bool ok = false;
  std::string error;      ///< why the token was refused (safe to show to the caller)
  nlohmann::json claims;  ///< the payload when ok
  std::string subject;    ///< `sub`, when ok
};

class JwtVerifier {
 public:
  /// `hs256_secret` empty disables HS256; `audience` empty disables the aud check.
  JwtVerifier(std::string hs256_secret, std::string audience, std::chrono::seconds leeway = std::chrono::seconds(30));
  ~JwtVerifier();
  JwtVerifier(JwtVerifier&&) noexcept;
  JwtVerifier& operator=(JwtVerifier&&) noexcept;

  /// Adds the EC P-256 and RSA signing keys of a JWKS document. Keys of other types or
  /// uses are skipped; a malformed EC/RSA key throws std::runtime_error naming its kid.
  /// Returns how many keys were loaded.
  std::size_t load_jwks(std::string_view jwks_json);
  /// Reads and loads a JWKS file; throws std::runtime_error naming the file.
  std::size_t load_jwks_file(const std::string& path);

  /// Verifies signature, `exp` (required), `nbf`, `aud` and that `sub` is present.
  JwtResult verify(std::string_view token, std::int64_t now_unix) const;
  JwtResult verify(std::string_view token) const;

 private:
  struct Key;
  JwtResult check(std::string_view token, std::int64_t now_unix) const;

  std::string secret_;
  std::string audience_;
  std::int64_t leeway_;
  std::map<std::string, std::shared_ptr<Key>> keys_;  ///< by kid
};

}  // namespace evp::api
