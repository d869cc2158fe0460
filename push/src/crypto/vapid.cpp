// VAPID (RFC 8292): ES256 JWTs. JWS wants the signature as raw R||S (RFC 7518 section
// 3.4) while OpenSSL produces and expects DER, hence the conversions.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include <nlohmann/json.hpp>

#include "crypto/ossl.hpp"
#include "push/crypto.hpp"

namespace evp::push {
namespace {

struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

Bytes der_to_raw(const std::uint8_t* der, std::size_t len) {
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(len)));
  if (!sig) ossl::fail("cannot parse the ECDSA signature");
  Bytes raw(64);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + 32, 32) != 32)
    ossl::fail("ECDSA signature component too large");
  return raw;
}

Bytes raw_to_der(const Bytes& raw) {
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    ossl::fail("cannot build the ECDSA signature");
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  Bytes der(static_cast<std::size_t>(len > 0 ? len : 0));
  std::uint8_t* p = der.data();
  if (len <= 0 || i2d_ECDSA_SIG(sig.get(), &p) != len) ossl::fail("cannot encode the ECDSA signature");
  return der;
}

nlohmann::json decode_part(std::string_view part, const char* name) {
  auto bytes = common::base64_decode_any(part);
  if (!bytes) throw CryptoError(std::string("JWT ") + name + " is not base64url");
  auto json = nlohmann::json::parse(common::as_chars(*bytes), nullptr, false);
  if (!json.is_object()) throw CryptoError(std::string("JWT ") + name + " is not a JSON object");
  return json;
}

}  // namespace

std::string sign_vapid_jwt(const KeyPair& key, std::string_view audience, std::int64_t expires_unix,
                           std::string_view subject) {
  // Fixed header text: it never changes, so skip the JSON round trip.
  static const std::string kHeader = common::base64url_encode(std::string_view(R"({"typ":"JWT","alg":"ES256"})"));
  nlohmann::json claims = {{"aud", audience}, {"exp", expires_unix}, {"sub", subject}};
  std::string input = kHeader + "." + common::base64url_encode(std::string_view(claims.dump()));

  ossl::MdCtx ctx(EVP_MD_CTX_new());
  std::uint8_t der[80];  // a P-256 DER signature is at most 72 bytes
  std::size_t der_len = sizeof der;
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, static_cast<EVP_PKEY*>(key.native()),
                            nullptr) <= 0 ||
      EVP_DigestSign(ctx.get(), der, &der_len, reinterpret_cast<const std::uint8_t*>(input.data()), input.size()) <= 0)
    ossl::fail("ES256 signing failed");
  input += '.';
  input += common::base64url_encode(der_to_raw(der, der_len));
  return input;
}

VapidClaims verify_vapid_jwt(std::string_view jwt, std::string_view k) {
  auto dot1 = jwt.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
    throw CryptoError("JWT must have three parts");
  nlohmann::json header = decode_part(jwt.substr(0, dot1), "header");
  if (header.value("alg", "") != "ES256") throw CryptoError("JWT alg is not ES256");
  nlohmann::json claims = decode_part(jwt.substr(dot1 + 1, dot2 - dot1 - 1), "claims");

  auto sig = common::base64_decode_any(jwt.substr(dot2 + 1));
  if (!sig || sig->size() != 64) throw CryptoError("JWT signature is not 64 bytes of base64url");
  auto point = common::base64_decode_any(k);
  if (!point || point->size() != 65) throw CryptoError("k is not a base64url 65-byte P-256 point");
  ossl::Pkey pub = ossl::p256_from_public(*point);
  Bytes der = raw_to_der(*sig);

  ossl::MdCtx ctx(EVP_MD_CTX_new());
  std::string_view input = jwt.substr(0, dot2);
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, pub.get(), nullptr) <= 0)
    ossl::fail("ES256 verification set-up failed");
  if (EVP_DigestVerify(ctx.get(), der.data(), der.size(), reinterpret_cast<const std::uint8_t*>(input.data()),
                       input.size()) != 1) {
    ERR_clear_error();
    throw CryptoError("JWT signature does not verify with k");
  }

  VapidClaims out;
  if (auto it = claims.find("aud"); it != claims.end() && it->is_string()) out.aud = it->get<std::string>();
  if (auto it = claims.find("exp"); it != claims.end() && it->is_number_integer()) out.exp = it->get<std::int64_t>();
  if (auto it = claims.find("sub"); it != claims.end() && it->is_string()) out.sub = it->get<std::string>();
  return out;
}

}  // namespace evp::push
