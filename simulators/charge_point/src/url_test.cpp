#include "url.hpp"

#include <doctest/doctest.h>

using evp::sim::detail::parse_ws_url;

TEST_CASE("ws url: host, port, path and target") {
  auto u = parse_ws_url("ws://127.0.0.1:8180/ocpp");
  REQUIRE(u);
  CHECK_FALSE(u->tls);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == "8180");
  CHECK(u->target_for("CP001") == "/ocpp/CP001");
  CHECK(u->host_header() == "127.0.0.1:8180");
}

TEST_CASE("ws url: defaults, trailing slash, root path") {
  auto u = parse_ws_url("wss://example.org/ocpp/");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->port == "443");
  CHECK(u->host_header() == "example.org");
  CHECK(u->target_for("A") == "/ocpp/A");
  auto r = parse_ws_url("ws://localhost:9000");
  REQUIRE(r);
  CHECK(r->target_for("X") == "/X");
}

TEST_CASE("ws url: IPv6 literal") {
  auto u = parse_ws_url("ws://[::1]:8180/ocpp");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->host_header() == "[::1]:8180");
}

TEST_CASE("ws url: rejects other schemes and malformed authorities") {
  CHECK_FALSE(parse_ws_url("http://127.0.0.1/ocpp"));
  CHECK_FALSE(parse_ws_url("ws://"));
  CHECK_FALSE(parse_ws_url("ws://:80/x"));
  CHECK_FALSE(parse_ws_url("ws://host:80x/x"));
  CHECK_FALSE(parse_ws_url("ws://user@host/x"));
  CHECK_FALSE(parse_ws_url("ws://[::1/x"));
  CHECK_FALSE(parse_ws_url("ws://host/ocpp?x=1"));
}
