#include <doctest/doctest.h>

#include "common/time.hpp"

using namespace evp::common;

TEST_CASE("parse_datetime accepts RFC 3339 forms stations send") {
  auto a = parse_datetime("2024-01-15T10:30:00Z");
  REQUIRE(a);
  CHECK(unix_seconds(*a) == 1705314600);
  CHECK(format_datetime(*a) == "2024-01-15T10:30:00.000Z");
  auto b = parse_datetime("2024-01-15T12:30:00.123+02:00");
  REQUIRE(b);
  CHECK(format_datetime(*b) == "2024-01-15T10:30:00.123Z");
  auto c = parse_datetime("2024-01-15T10:30:00");
  REQUIRE(c);
  CHECK(*c == *a);
  CHECK(parse_datetime("2024-01-15T10:30:00.5Z")->time_since_epoch().count() % 1000 == 500);
}

TEST_CASE("parse_datetime rejects malformed values") {
  CHECK_FALSE(parse_datetime(""));
  CHECK_FALSE(parse_datetime("2024-13-01T00:00:00Z"));
  CHECK_FALSE(parse_datetime("2024-02-30T00:00:00Z"));
  CHECK_FALSE(parse_datetime("2024-01-01T25:00:00Z"));
  CHECK_FALSE(parse_datetime("2024-01-01T00:00:00X"));
  CHECK_FALSE(parse_datetime("2024-01-01T00:00:00Zjunk"));
  CHECK_FALSE(parse_datetime("yesterday"));
  CHECK_FALSE(parse_datetime("2024-01-01T00:00:00."));
}
