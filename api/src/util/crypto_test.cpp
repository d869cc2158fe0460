#include "util/crypto.hpp"

#include <doctest/doctest.h>

using namespace evp::api;

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  CHECK(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook signature: hex of HMAC over the raw body") {
  std::string body = R"({"payment_id":"p1","user_id":"u","amount":"10.00"})";
  std::string sig = to_hex(hmac_sha256("whsec", body));
  CHECK(verify_webhook_signature("whsec", body, sig));
  std::string upper = sig;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_webhook_signature("whsec", body, upper));
  CHECK(verify_webhook_signature("whsec", body, "sha256=" + sig));
  CHECK_FALSE(verify_webhook_signature("other", body, sig));
  CHECK_FALSE(verify_webhook_signature("whsec", body + " ", sig));
  CHECK_FALSE(verify_webhook_signature("whsec", body, sig.substr(0, 63)));
  CHECK_FALSE(verify_webhook_signature("whsec", body, ""));
  CHECK_FALSE(verify_webhook_signature("", body, to_hex(hmac_sha256("", body))));  // no secret: never valid
}

TEST_CASE("random_hex gives distinct values of the right length") {
  auto a = random_hex(8), b = random_hex(8);
  CHECK(a.size() == 16);
  CHECK(a != b);
}
