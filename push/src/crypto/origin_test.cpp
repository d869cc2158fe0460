#include <doctest/doctest.h>

#include "push/crypto.hpp"

using evp::push::CryptoError;
using evp::push::origin_of;

TEST_CASE("origin_of keeps scheme, host and non-default port only") {
  CHECK(origin_of("https://fcm.googleapis.com/fcm/send/abc:def") == "https://fcm.googleapis.com");
  CHECK(origin_of("https://updates.push.services.mozilla.com:443/wpush/v2/x") ==
        "https://updates.push.services.mozilla.com");
  CHECK(origin_of("https://127.0.0.1:8443/push/1") == "https://127.0.0.1:8443");
  CHECK(origin_of("HTTPS://Web.Push.Apple.COM/QGx?y=1#f") == "https://web.push.apple.com");
  CHECK(origin_of("http://localhost:80/push") == "http://localhost");
  CHECK(origin_of("http://localhost:443/push") == "http://localhost:443");
  CHECK(origin_of("https://user:pw@example.com:8080") == "https://example.com:8080");
  CHECK(origin_of("https://[::1]:9443/push/7") == "https://[::1]:9443");
  CHECK(origin_of("https://example.com?x") == "https://example.com");
}

TEST_CASE("origin_of refuses what is not a URL") {
  CHECK_THROWS_AS(origin_of("example.com/push"), CryptoError);
  CHECK_THROWS_AS(origin_of("https:///push"), CryptoError);
  CHECK_THROWS_AS(origin_of("https://host:80a/"), CryptoError);
}
