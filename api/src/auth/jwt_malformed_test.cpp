// Tokens whose JSON has unexpected types are refused like any bad token (never thrown).
#include <doctest/doctest.h>

#include "auth/jwt.hpp"
#include "auth/test_tokens.hpp"

using namespace evp::api;
using namespace evp::api::testing;

TEST_CASE("JWT: malformed headers and claims are refused, not thrown") {
  const std::string secret = "super-secret-jwt-token-with-at-least-32-characters-long";
  const nlohmann::json claims = {
      {"sub", "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"}, {"aud", "authenticated"}, {"exp", 1'700'003'600}};
  JwtVerifier v(secret, "authenticated");
  for (const auto& header : {nlohmann::json{{"alg", 1}}, nlohmann::json{{"alg", nullptr}},
                             nlohmann::json{{"alg", nlohmann::json::array({"HS256"})}},
                             nlohmann::json{{"alg", {{"x", 1}}}}, nlohmann::json{{"typ", "JWT"}}}) {
    CAPTURE(header.dump());
    JwtResult r;
    CHECK_NOTHROW(r = v.verify(sign_hs256(secret, claims, header), 1'700'000'000));
    CHECK_FALSE(r.ok);
  }
}
