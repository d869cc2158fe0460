#include <doctest/doctest.h>

#include "push/crypto.hpp"

using evp::common::base64_decode_any;
using evp::common::base64url_encode;
using namespace evp::push;

namespace {

// RFC 8292 section 2.4.
constexpr std::string_view kJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1"
    "YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9"
    "OkSSHzvoD1oA";
constexpr std::string_view kK =
    "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs";

std::string flip_char(std::string s, std::size_t pos) {
  s[pos] = s[pos] == 'A' ? 'B' : 'A';
  return s;
}

}  // namespace

TEST_CASE("RFC 8292 section 2.4 example JWT verifies with its k") {
  VapidClaims c = verify_vapid_jwt(kJwt, kK);
  CHECK(c.aud == "https://push.example.net");
  CHECK(c.exp == 1453523768);
  CHECK(c.sub == "mailto:push@example.com");
}

TEST_CASE("tampered JWTs are refused") {
  std::string jwt(kJwt);
  auto dot1 = jwt.find('.');
  auto dot2 = jwt.find('.', dot1 + 1);
  CHECK_THROWS_AS(verify_vapid_jwt(flip_char(jwt, dot1 + 5), kK), CryptoError);  // claims
  CHECK_THROWS_AS(verify_vapid_jwt(flip_char(jwt, dot2 + 5), kK), CryptoError);  // signature
  CHECK_THROWS_AS(verify_vapid_jwt(jwt.substr(0, dot2), kK), CryptoError);       // no signature
  CHECK_THROWS_AS(verify_vapid_jwt(jwt + ".x", kK), CryptoError);
  KeyPair other = KeyPair::generate();
  CHECK_THROWS_AS(verify_vapid_jwt(kJwt, other.public_b64url()), CryptoError);  // wrong k
  // alg none is not ES256
  std::string none = base64url_encode(std::string_view(R"({"typ":"JWT","alg":"none"})")) + jwt.substr(dot1);
  CHECK_THROWS_AS(verify_vapid_jwt(none, kK), CryptoError);
}

TEST_CASE("VAPID sign then verify round trip, raw 64-byte signature") {
  KeyPair key = KeyPair::generate();
  for (int i = 0; i < 20; ++i) {  // several signatures, so short R or S values get padded at least once in a while
    std::string jwt = sign_vapid_jwt(key, "https://fcm.googleapis.com", 1900000000 + i, "mailto:ops@evpower.kg");
    auto sig = base64_decode_any(jwt.substr(jwt.rfind('.') + 1));
    REQUIRE(sig.has_value());
    CHECK(sig->size() == 64);
    VapidClaims c = verify_vapid_jwt(jwt, key.public_b64url());
    CHECK(c.aud == "https://fcm.googleapis.com");
    CHECK(c.exp == 1900000000 + i);
    CHECK(c.sub == "mailto:ops@evpower.kg");
  }
}
