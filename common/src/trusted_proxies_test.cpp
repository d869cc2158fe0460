#include <doctest/doctest.h>

#include <stdexcept>

#include "common/connection_limit.hpp"
#include "common/trusted_proxies.hpp"

using evp::common::ConnectionLimiter;
using evp::common::TrustedProxies;

TEST_CASE("TrustedProxies: the client behind our proxies") {
  auto p = TrustedProxies::parse("10.0.0.1, 192.168.0.0/16");
  CHECK(p.trusted("10.0.0.1"));
  CHECK(p.trusted("192.168.4.2"));
  CHECK(p.trusted("::ffff:192.168.4.2"));
  CHECK_FALSE(p.trusted("10.0.0.2"));
  CHECK(p.client_address("10.0.0.1", "203.0.113.7") == "203.0.113.7");
  CHECK(p.client_address("10.0.0.1", "1.1.1.1, 203.0.113.7, 192.168.1.1") == "203.0.113.7");
  // An untrusted peer's header is ignored.
  CHECK(p.client_address("198.51.100.9", "203.0.113.7") == "198.51.100.9");
  CHECK(p.client_address("10.0.0.1", "") == "10.0.0.1");
  CHECK(p.client_address("10.0.0.1", "garbage") == "10.0.0.1");
  CHECK(TrustedProxies().client_address("10.0.0.1", "203.0.113.7") == "10.0.0.1");
  CHECK_THROWS_AS(TrustedProxies::parse("10.0.0.0/33"), std::invalid_argument);
  CHECK_THROWS_AS(TrustedProxies::parse("proxy.example"), std::invalid_argument);
}

TEST_CASE("ConnectionLimiter: total and per-address caps") {
  ConnectionLimiter limiter(3, 2);
  ConnectionLimiter::Refusal why{};
  auto a1 = limiter.try_open("a", false);
  auto a2 = limiter.try_open("a", false);
  CHECK(a1);
  CHECK(a2);
  CHECK_FALSE(limiter.try_open("a", false, &why));
  CHECK(why == ConnectionLimiter::Refusal::PerAddress);
  auto b1 = limiter.try_open("b", false);
  CHECK(b1);
  CHECK_FALSE(limiter.try_open("c", true, &why));
  CHECK(why == ConnectionLimiter::Refusal::Total);
  a1.reset();
  CHECK(limiter.open() == 2);
  CHECK(limiter.try_open("a", false));
  CHECK(limiter.refused_total_cap() == 1);
  CHECK(limiter.refused_address_cap() == 1);
}
