#pragma once
// Test support (header-only, included by *_test.cpp only): signs JWTs the way Supabase
// Auth and a JWKS-publishing identity provider would, and exports keys as JWK.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "common/base64.hpp"
#include "util/crypto.hpp"

namespace evp::api::testing {

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline std::string sign_hs256(const std::string& secret, const nlohmann::json& claims,
                              const nlohmann::json& header = {{"alg", "HS256"}, {"typ", "JWT"}}) {
  std::string input = common::base64url_encode(header.dump()) + "." + common::base64url_encode(claims.dump());
  return input + "." + common::base64url_encode(hmac_sha256(secret, input));
}

inline nlohmann::json user_claims(const std::string& sub, std::int64_t ttl = 3600) {
  return {{"sub", sub},
          {"aud", "authenticated"},
          {"role", "authenticated"},
          {"exp", unix_now() + ttl},
          {"iat", unix_now()}};
}

/// An asymmetric key for ES256 (P-256) or RS256 (RSA 2048).
class TestKey {
 public:
  explicit TestKey(bool ec) : ec_(ec) {
    pkey_ = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    if (!pkey_) throw std::runtime_error("key generation failed");
  }
  ~TestKey() { EVP_PKEY_free(pkey_); }
  TestKey(const TestKey&) = delete;

  nlohmann::json jwk(const std::string& kid) const {
    nlohmann::json j{{"kid", kid}, {"use", "sig"}};
    if (ec_) {
      unsigned char pub[65];
      size_t len = 0;
      EVP_PKEY_get_octet_string_param(pkey_, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
      j["kty"] = "EC";
      j["crv"] = "P-256";
      j["alg"] = "ES256";
      j["x"] = common::base64url_encode(std::span<const std::uint8_t>(pub + 1, 32));
      j["y"] = common::base64url_encode(std::span<const std::uint8_t>(pub + 33, 32));
    } else {
      j["kty"] = "RSA";
      j["alg"] = "RS256";
      j["n"] = bn_param(OSSL_PKEY_PARAM_RSA_N);
      j["e"] = bn_param(OSSL_PKEY_PARAM_RSA_E);
    }
    return j;
  }

  std::string sign(const nlohmann::json& claims, const std::string& kid) const {
    nlohmann::json header{{"alg", ec_ ? "ES256" : "RS256"}, {"typ", "JWT"}};
    if (!kid.empty()) header["kid"] = kid;
    std::string input = common::base64url_encode(header.dump()) + "." + common::base64url_encode(claims.dump());
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey_);
    EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(md);
    sig.resize(len);
    if (ec_) sig = der_to_raw(sig);
    return input + "." + common::base64url_encode(sig);
  }

 private:
  std::string bn_param(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(pkey_, name, &bn);
    std::string out(BN_num_bytes(bn), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return common::base64url_encode(out);
  }
  static std::string der_to_raw(const std::string& der) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }
  bool ec_;
  EVP_PKEY* pkey_ = nullptr;
};

}  // namespace evp::api::testing
