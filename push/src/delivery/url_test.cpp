#include "delivery/url.hpp"

#include <doctest/doctest.h>

using evp::push::delivery::parse_url;

TEST_CASE("parse_url splits push endpoints") {
  auto u = parse_url("https://fcm.googleapis.com/fcm/send/abc:def");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "fcm.googleapis.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/fcm/send/abc:def");
  CHECK(u->connection_key() == "https://fcm.googleapis.com:443");

  auto v6 = parse_url("HTTPS://[::1]:8443?x=1");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8443);
  CHECK(v6->target == "/?x=1");

  auto plain = parse_url("http://127.0.0.1:8080/push/1");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls());
  CHECK(plain->port == 8080);
}

TEST_CASE("parse_url refuses what could not be a safe request target") {
  CHECK_FALSE(parse_url(""));
  CHECK_FALSE(parse_url("ftp://host/x"));
  CHECK_FALSE(parse_url("https://"));
  CHECK_FALSE(parse_url("https://user:pw@host/x"));
  CHECK_FALSE(parse_url("https://host/x y"));
  CHECK_FALSE(parse_url("https://host/x\r\nHost: evil"));
  CHECK_FALSE(parse_url("https://host:99999/x"));
  CHECK(parse_url("https://host:/x")->port == 443);  // RFC 3986: an empty port is the default
  CHECK_FALSE(parse_url("https://host/x#frag"));
  CHECK_FALSE(parse_url("/relative"));
}

TEST_CASE("parse_url accepts only IPv6 literals in brackets") {
  // Found by subscription_fuzz: "[%25eth0]" was taken as a host name, and origin_of (the
  // VAPID audience) kept the brackets, so the two disagreed about the same endpoint.
  CHECK_FALSE(parse_url("https://[%25eth0]:1/"));
  CHECK_FALSE(parse_url("https://[push.example.com]/x"));
  CHECK_FALSE(parse_url("https://[1.2.3.4]/x"));
  CHECK_FALSE(parse_url("https://[fe80::1%25eth0]/x"));
  auto u = parse_url("https://[2001:DB8::1]:8443/push");
  REQUIRE(u);
  CHECK(u->host == "2001:db8::1");
  CHECK(u->port == 8443);
  CHECK(parse_url("https://[::ffff:192.0.2.1]/"));
}
