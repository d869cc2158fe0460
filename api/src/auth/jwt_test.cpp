#include "auth/jwt.hpp"

#include <doctest/doctest.h>

#include "auth/test_tokens.hpp"

using namespace evp::api;
using namespace evp::api::testing;

namespace {
const std::string kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
const std::string kUser = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f";
constexpr std::int64_t kNow = 1'700'000'000;

nlohmann::json claims_at(std::int64_t exp) {
  return {{"sub", kUser}, {"aud", "authenticated"}, {"role", "authenticated"}, {"exp", exp}};
}
}  // namespace

TEST_CASE("HS256: a valid Supabase-style token is accepted") {
  JwtVerifier v(kSecret, "authenticated");
  auto r = v.verify(sign_hs256(kSecret, claims_at(kNow + 3600)), kNow);
  REQUIRE_MESSAGE(r.ok, r.error);
  CHECK(r.subject == kUser);
  CHECK(r.claims["role"] == "authenticated");
}

TEST_CASE("HS256: expiry, nbf and audience are enforced with leeway") {
  JwtVerifier v(kSecret, "authenticated", std::chrono::seconds(30));
  CHECK(v.verify(sign_hs256(kSecret, claims_at(kNow - 10)), kNow).ok);  // inside leeway
  auto expired = v.verify(sign_hs256(kSecret, claims_at(kNow - 31)), kNow);
  CHECK_FALSE(expired.ok);
  CHECK(expired.error == "token expired");

  auto c = claims_at(kNow + 3600);
  c["nbf"] = kNow + 120;
  auto early = v.verify(sign_hs256(kSecret, c), kNow);
  CHECK_FALSE(early.ok);
  CHECK(early.error == "token not yet valid");
  c["nbf"] = kNow + 20;
  CHECK(v.verify(sign_hs256(kSecret, c), kNow).ok);

  c = claims_at(kNow + 3600);
  c["aud"] = "someone-else";
  CHECK(v.verify(sign_hs256(kSecret, c), kNow).error == "token audience is not accepted");
  c["aud"] = nlohmann::json::array({"x", "authenticated"});
  CHECK(v.verify(sign_hs256(kSecret, c), kNow).ok);
  c.erase("aud");
  CHECK_FALSE(v.verify(sign_hs256(kSecret, c), kNow).ok);
  JwtVerifier any_aud(kSecret, "");
  CHECK(any_aud.verify(sign_hs256(kSecret, c), kNow).ok);

  c = claims_at(kNow + 3600);
  c.erase("exp");
  CHECK(v.verify(sign_hs256(kSecret, c), kNow).error == "token has no expiry");
}

TEST_CASE("HS256: wrong secret, tampering and malformed tokens are refused") {
  JwtVerifier v(kSecret, "authenticated");
  auto token = sign_hs256("another-secret", claims_at(kNow + 3600));
  CHECK(v.verify(token, kNow).error == "invalid signature");

  auto good = sign_hs256(kSecret, claims_at(kNow + 3600));
  auto d1 = good.find('.'), d2 = good.rfind('.');
  auto forged_payload = claims_at(kNow + 3600);
  forged_payload["sub"] = "00000000-0000-0000-0000-000000000001";
  std::string forged =
      good.substr(0, d1) + "." + evp::common::base64url_encode(forged_payload.dump()) + good.substr(d2);
  CHECK(v.verify(forged, kNow).error == "invalid signature");

  for (auto bad : {"", "abc", "a.b", "a.b.c.d", "!!.??.##"}) CHECK_FALSE(v.verify(bad, kNow).ok);

  auto c = claims_at(kNow + 3600);
  c["sub"] = "not-a-uuid";
  CHECK(v.verify(sign_hs256(kSecret, c), kNow).error == "token subject is not a user id");
}

TEST_CASE("alg none and unknown algorithms are refused") {
  JwtVerifier v(kSecret, "authenticated");
  auto c = claims_at(kNow + 3600);
  std::string none = evp::common::base64url_encode(nlohmann::json{{"alg", "none"}}.dump()) + "." +
                     evp::common::base64url_encode(c.dump()) + ".";
  auto r = v.verify(none, kNow);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "unsupported algorithm 'none'");
  CHECK_FALSE(v.verify(sign_hs256(kSecret, c, {{"alg", "HS512"}}), kNow).ok);
  // HS256 disabled when no secret is configured.
  JwtVerifier no_secret("", "authenticated");
  CHECK_FALSE(no_secret.verify(sign_hs256("", c), kNow).ok);
}

TEST_CASE("a header whose alg is not a string is refused, not thrown") {
  // header->value("alg", "") threw for these, and the API answered 500 (tests/fuzz/jwt_fuzz
  // checks that verify() never throws).
  JwtVerifier v(kSecret, "authenticated");
  auto c = claims_at(kNow + 3600);
  for (const auto& alg : {nlohmann::json(1), nlohmann::json(nullptr), nlohmann::json::array({"HS256"}),
                          nlohmann::json::object()}) {
    CAPTURE(alg.dump());
    JwtResult r;
    CHECK_NOTHROW(r = v.verify(sign_hs256(kSecret, c, {{"alg", alg}}), kNow));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "token header has no algorithm");
  }
  CHECK(v.verify(sign_hs256(kSecret, c, {{"typ", "JWT"}}), kNow).error == "token header has no algorithm");
}

TEST_CASE("ES256 and RS256 from a JWKS generated with OpenSSL") {
  TestKey ec(true), rsa(false), other(true);
  nlohmann::json jwks{{"keys", {ec.jwk("ec-1"), rsa.jwk("rsa-1"), {{"kty", "oct"}, {"kid", "sym"}, {"k", "AAAA"}}}}};
  JwtVerifier v("", "authenticated");
  CHECK(v.load_jwks(jwks.dump()) == 2);
  auto c = claims_at(kNow + 3600);

  auto es = v.verify(ec.sign(c, "ec-1"), kNow);
  CHECK_MESSAGE(es.ok, es.error);
  auto rs = v.verify(rsa.sign(c, "rsa-1"), kNow);
  CHECK_MESSAGE(rs.ok, rs.error);

  CHECK(v.verify(other.sign(c, "ec-1"), kNow).error == "invalid signature");  // right kid, wrong key
  CHECK(v.verify(ec.sign(c, "nope"), kNow).error == "unknown signing key id");
  CHECK(v.verify(ec.sign(c, "rsa-1"), kNow).error == "algorithm does not match the signing key");
  CHECK(v.verify(ec.sign(claims_at(kNow - 100), "ec-1"), kNow).error == "token expired");
  CHECK(v.verify(ec.sign(c, ""), kNow).ok);  // one EC key: a missing kid is unambiguous
}

TEST_CASE("JWKS with a broken key is refused with its kid") {
  JwtVerifier v("", "");
  nlohmann::json bad{{"keys", {{{"kty", "EC"}, {"crv", "P-256"}, {"kid", "k9"}, {"x", "AAAA"}, {"y", "AAAA"}}}}};
  CHECK_THROWS_WITH_AS(v.load_jwks(bad.dump()), doctest::Contains("k9"), std::runtime_error);
  CHECK_THROWS(v.load_jwks("[]"));
}

TEST_CASE("JWKS members of the wrong JSON type are a clear error, not json's type_error") {
  // Found by jwt_fuzz (corpus/jwt/crash_jwks_crv_number): `"crv": 0` escaped as
  // nlohmann::json::type_error from load_jwks.
  JwtVerifier v("", "");
  for (const char* member : {"crv", "kty", "kid", "use"}) {
    CAPTURE(member);
    nlohmann::json key{{"kty", "EC"}, {"crv", "P-256"}, {"kid", "k1"}, {"x", "AAAA"}, {"y", "AAAA"}};
    key[member] = 0;
    nlohmann::json doc{{"keys", nlohmann::json::array({key})}};
    CHECK_THROWS_WITH_AS(v.load_jwks(doc.dump()), doctest::Contains("must be a string"), std::runtime_error);
  }
}
