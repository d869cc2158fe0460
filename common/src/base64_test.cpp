#include <doctest/doctest.h>

#include "common/base64.hpp"

using namespace evp::common;

TEST_CASE("base64url round trip and RFC 4648 vectors") {
  CHECK(base64url_encode(std::string_view("")) == "");
  CHECK(base64url_encode(std::string_view("f")) == "Zg");
  CHECK(base64url_encode(std::string_view("fo")) == "Zm8");
  CHECK(base64url_encode(std::string_view("foo")) == "Zm9v");
  CHECK(base64url_encode(std::string_view("foob")) == "Zm9vYg");
  CHECK(base64_encode(as_bytes("fooba")) == "Zm9vYmE=");
  const std::uint8_t bin[] = {0xfb, 0xff, 0xbf};
  CHECK(base64url_encode(bin) == "-_-_");
  CHECK(base64_encode(bin) == "+/+/");
  auto d = base64_decode_any("-_-_");
  REQUIRE(d);
  CHECK(*d == Bytes{0xfb, 0xff, 0xbf});
  CHECK(base64_decode_any("+/+/") == d);
  CHECK(base64_decode_any("Zm9vYmE=")->size() == 5);
  CHECK(base64_decode_any("Zm9vYmE")->size() == 5);
}

TEST_CASE("base64 rejects garbage") {
  CHECK_FALSE(base64_decode_any("Zm9v!"));
  CHECK_FALSE(base64_decode_any("Z"));
  CHECK_FALSE(base64_decode_any("Zm9 v"));
  CHECK_FALSE(base64_decode_any("Zh"));  // non-zero trailing bits
}
