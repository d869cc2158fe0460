#include "delivery/address_policy.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "evp/testing/run.hpp"
#include "push/service.hpp"

namespace asio = boost::asio;
using evp::push::delivery::is_public_address;
using evp::push::delivery::non_public_reason;

static bool pub(const char* text) { return is_public_address(asio::ip::make_address(text)); }

TEST_CASE("address classification: IPv4") {
  CHECK(pub("8.8.8.8"));
  CHECK(pub("142.250.74.10"));
  CHECK(pub("100.63.255.255"));  // just below CGNAT
  CHECK(pub("172.32.0.1"));      // just above 172.16/12
  CHECK_FALSE(pub("127.0.0.1"));
  CHECK_FALSE(pub("127.255.0.9"));
  CHECK_FALSE(pub("10.1.2.3"));
  CHECK_FALSE(pub("172.16.0.1"));
  CHECK_FALSE(pub("172.31.255.255"));
  CHECK_FALSE(pub("192.168.1.1"));
  CHECK_FALSE(pub("169.254.169.254"));  // cloud metadata
  CHECK_FALSE(pub("100.64.0.1"));
  CHECK_FALSE(pub("100.127.255.255"));
  CHECK_FALSE(pub("0.0.0.0"));
  CHECK_FALSE(pub("224.0.0.1"));
  CHECK_FALSE(pub("255.255.255.255"));
  CHECK_FALSE(pub("192.0.2.5"));
  CHECK(non_public_reason(asio::ip::make_address("10.0.0.1")).find("RFC 1918") != std::string::npos);
  CHECK(non_public_reason(asio::ip::make_address("127.0.0.1")) == "loopback");
}

TEST_CASE("address classification: IPv6") {
  CHECK(pub("2a00:1450:4001:82b::200a"));
  CHECK(pub("2606:4700::1111"));
  CHECK_FALSE(pub("::1"));
  CHECK_FALSE(pub("::"));
  CHECK_FALSE(pub("fc00::1"));
  CHECK_FALSE(pub("fd12:3456::1"));
  CHECK_FALSE(pub("fe80::1"));
  CHECK_FALSE(pub("ff02::1"));
  CHECK_FALSE(pub("::ffff:127.0.0.1"));
  CHECK_FALSE(pub("::ffff:10.0.0.1"));
  CHECK_FALSE(pub("::ffff:169.254.169.254"));
  CHECK(pub("::ffff:8.8.8.8"));
  CHECK_FALSE(pub("64:ff9b::a00:1"));  // NAT64 of 10.0.0.1
  CHECK(pub("64:ff9b::808:808"));      // NAT64 of 8.8.8.8
  CHECK_FALSE(pub("2002:7f00:1::1"));  // 6to4 of 127.0.0.1
  CHECK_FALSE(pub("2001:db8::1"));
}

namespace {
std::string check(const std::string& url, bool allow_insecure) {
  asio::io_context io;
  evp::common::Resolver resolver(io.get_executor(), {});
  return evp::testing::run_until_idle(io, evp::push::check_endpoint(resolver, url, allow_insecure));
}
}  // namespace

TEST_CASE("check_endpoint refuses unsafe subscription endpoints") {
  CHECK(check("http://8.8.8.8/push", false).find("https") != std::string::npos);
  CHECK(check("ftp://8.8.8.8/push", false) != "");
  CHECK(check("https://127.0.0.1:8443/push/1", false).find("loopback") != std::string::npos);
  CHECK(check("https://localhost/push/1", false).find("loopback") != std::string::npos);
  CHECK(check("https://10.0.0.7/push/1", false).find("private") != std::string::npos);
  CHECK(check("https://169.254.169.254/latest", false).find("link-local") != std::string::npos);
  CHECK(check("https://[::1]/push", false).find("loopback") != std::string::npos);
  CHECK(check("https://[fd00::1]/push", false).find("unique local") != std::string::npos);
  CHECK(check("https://[::ffff:192.168.0.1]/push", false).find("private") != std::string::npos);
  CHECK(check("https://no-such-host.invalid/push", false).find("cannot resolve") != std::string::npos);
  // A public literal needs no DNS: accepted.
  CHECK(check("https://8.8.8.8/push/1", false) == "");
  // Development setting: http and loopback allowed.
  CHECK(check("http://127.0.0.1:8080/push/1", true) == "");
  CHECK(check("https://localhost:8443/push/1", true) == "");
}
