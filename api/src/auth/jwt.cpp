#include "auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/base64.hpp"
#include "util/crypto.hpp"

namespace evp::api {

namespace {

using common::Bytes;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

JwtResult fail(std::string why) {
  JwtResult r;
  r.error = std::move(why);
  return r;
}

Bytes b64(const nlohmann::json& jwk, const char* member, const std::string& kid) {
  auto it = jwk.find(member);
  if (it == jwk.end() || !it->is_string()) throw std::runtime_error("JWK '" + kid + "': missing '" + member + "'");
  auto bytes = common::base64_decode_any(it->get<std::string>());
  if (!bytes || bytes->empty()) throw std::runtime_error("JWK '" + kid + "': '" + member + "' is not base64url");
  return *bytes;
}

// A text member of a JWK: `fallback` when absent; any other JSON type is a broken key
// document (a clear error, never json's type_error).
std::string text_member(const nlohmann::json& jwk, const char* member, const std::string& kid,
                        const char* fallback = "") {
  auto it = jwk.find(member);
  if (it == jwk.end()) return fallback;
  if (!it->is_string()) throw std::runtime_error("JWK '" + kid + "': '" + member + "' must be a string");
  return it->get<std::string>();
}

// Builds an EVP_PKEY from OSSL_PARAMs; `fill` pushes the key's parameters.
template <typename Fill>
PkeyPtr pkey_from_params(const char* type, Fill fill) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<BIGNUM*> bns;
  fill(bld, bns);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (auto* bn : bns) BN_free(bn);
  if (!ok) {
    EVP_PKEY_free(pkey);
    return nullptr;
  }
  return PkeyPtr(pkey);
}

bool digest_verify(EVP_PKEY* key, std::string_view signing_input, const Bytes& sig) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = md && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(md, sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

// JWS ES256 carries R||S (RFC 7518 §3.4); OpenSSL verifies DER.
std::optional<Bytes> raw_to_der_ecdsa(const Bytes& raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::optional<nlohmann::json> decode_json_part(std::string_view part) {
  auto bytes = common::base64_decode_any(part);
  if (!bytes) return std::nullopt;
  auto j = nlohmann::json::parse(common::as_chars(*bytes), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

struct JwtVerifier::Key {
  std::string alg;  // "ES256" or "RS256"
  PkeyPtr pkey;
};

JwtVerifier::JwtVerifier(std::string hs256_secret, std::string audience, std::chrono::seconds leeway)
    : secret_(std::move(hs256_secret)), audience_(std::move(audience)), leeway_(leeway.count()) {}
JwtVerifier::~JwtVerifier() = default;
JwtVerifier::JwtVerifier(JwtVerifier&&) noexcept = default;
JwtVerifier& JwtVerifier::operator=(JwtVerifier&&) noexcept = default;

std::size_t JwtVerifier::load_jwks(std::string_view jwks_json) {
  auto doc = nlohmann::json::parse(jwks_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    throw std::runtime_error("JWKS: expected an object with a 'keys' array");
  std::size_t loaded = 0;
  for (const auto& jwk : doc["keys"]) {
    if (!jwk.is_object()) continue;
    const std::string kid = text_member(jwk, "kid", "?");  // "" when absent, as tokens without kid look it up
    const std::string kty = text_member(jwk, "kty", kid);
    if (text_member(jwk, "use", kid, "sig") != "sig") continue;
    auto key = std::make_shared<Key>();
    if (kty == "EC") {
      if (text_member(jwk, "crv", kid) != "P-256") continue;  // only ES256 is supported
      Bytes x = b64(jwk, "x", kid), y = b64(jwk, "y", kid);
      if (x.size() != 32 || y.size() != 32) throw std::runtime_error("JWK '" + kid + "': x/y must be 32 bytes");
      Bytes point{0x04};
      point.insert(point.end(), x.begin(), x.end());
      point.insert(point.end(), y.begin(), y.end());
      key->alg = "ES256";
      key->pkey = pkey_from_params("EC", [&](OSSL_PARAM_BLD* bld, std::vector<BIGNUM*>&) {
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
      });
    } else if (kty == "RSA") {
      Bytes n = b64(jwk, "n", kid), e = b64(jwk, "e", kid);
      key->alg = "RS256";
      key->pkey = pkey_from_params("RSA", [&](OSSL_PARAM_BLD* bld, std::vector<BIGNUM*>& bns) {
        bns.push_back(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
        bns.push_back(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bns[0]);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bns[1]);
      });
      if (key->pkey && EVP_PKEY_get_bits(key->pkey.get()) < 2048)
        throw std::runtime_error("JWK '" + kid + "': RSA keys shorter than 2048 bits are refused");
    } else {
      continue;
    }
    if (!key->pkey) throw std::runtime_error("JWK '" + kid + "': not a valid " + kty + " public key");
    if (jwk.contains("alg") && jwk["alg"] != key->alg) continue;
    keys_[kid] = std::move(key);
    ++loaded;
  }
  return loaded;
}

std::size_t JwtVerifier::load_jwks_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read JWKS file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return load_jwks(ss.str());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

JwtResult JwtVerifier::verify(std::string_view token) const {
  return verify(
      token,
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

JwtResult JwtVerifier::verify(std::string_view token, std::int64_t now) const {
  // Whatever a token contains, the answer is "refused" (401), never an exception (500).
  try {
    return check(token, now);
  } catch (const std::exception&) {
    return fail("malformed token");
  }
}

JwtResult JwtVerifier::check(std::string_view token, std::int64_t now) const {
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return fail("malformed token: expected header.payload.signature");
  auto header = decode_json_part(token.substr(0, d1));
  auto payload = decode_json_part(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = common::base64_decode_any(token.substr(d2 + 1));
  if (!header || !payload || !sig) return fail("malformed token: parts are not base64url JSON");
  if (header->contains("crit")) return fail("token uses unsupported critical header parameters");

  // Not header->value("alg", ""): that throws for a non-string alg, which became a 500.
  auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) return fail("token header has no algorithm");
  const std::string alg = alg_it->get<std::string>();
  std::string_view signing_input = token.substr(0, d2);
  if (alg == "HS256") {
    if (secret_.empty()) return fail("HS256 tokens are not accepted");
    if (!constant_time_equal(hmac_sha256(secret_, signing_input), common::as_chars(*sig)))
      return fail("invalid signature");
  } else if (alg == "ES256" || alg == "RS256") {
    std::shared_ptr<Key> key;
    if (auto kid = header->find("kid"); kid != header->end() && kid->is_string()) {
      if (auto it = keys_.find(kid->get<std::string>()); it != keys_.end()) key = it->second;
      if (!key) return fail("unknown signing key id");
    } else {
      // Without a kid, a single key of the right type is unambiguous.
      int matches = 0;
      for (const auto& [id, k] : keys_)
        if (k->alg == alg) key = k, ++matches;
      if (matches != 1) return fail("token has no key id");
    }
    if (key->alg != alg) return fail("algorithm does not match the signing key");
    Bytes der;
    if (alg == "ES256") {
      auto converted = raw_to_der_ecdsa(*sig);
      if (!converted) return fail("invalid signature");
      der = std::move(*converted);
    } else {
      der = *sig;
    }
    if (!digest_verify(key->pkey.get(), signing_input, der)) return fail("invalid signature");
  } else {
    return fail("unsupported algorithm '" + alg + "'");
  }

  const auto& c = *payload;
  auto exp = c.find("exp");
  if (exp == c.end() || !exp->is_number()) return fail("token has no expiry");
  if (now > exp->get<double>() + static_cast<double>(leeway_)) return fail("token expired");
  if (auto nbf = c.find("nbf"); nbf != c.end()) {
    if (!nbf->is_number()) return fail("malformed nbf claim");
    if (now + leeway_ < nbf->get<double>()) return fail("token not yet valid");
  }
  if (!audience_.empty()) {
    bool match = false;
    if (auto aud = c.find("aud"); aud != c.end()) {
      if (aud->is_string()) match = *aud == audience_;
      if (aud->is_array())
        for (const auto& a : *aud) match = match || (a.is_string() && a == audience_);
    }
    if (!match) return fail("token audience is not accepted");
  }
  auto sub = c.find("sub");
  if (sub == c.end() || !sub->is_string() || !is_uuid(sub->get<std::string>()))
    return fail("token subject is not a user id");

  JwtResult r;
  r.ok = true;
  r.subject = sub->get<std::string>();
  for (auto& ch : r.subject) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  r.claims = c;
  return r;
}

}  // namespace evp::api
