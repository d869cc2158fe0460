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

TEST_CASE("format_datetime pads every field and round-trips through parse_datetime") {
  using std::chrono::milliseconds;
  CHECK(format_datetime(TimePoint{milliseconds(0)}) == "1970-01-01T00:00:00.000Z");
  CHECK(format_datetime(TimePoint{milliseconds(-1)}) == "1969-12-31T23:59:59.999Z");
  CHECK(format_datetime(TimePoint{milliseconds(951782400007)}) == "2000-02-29T00:00:00.007Z");
  CHECK(format_datetime(TimePoint{milliseconds(253402300799999)}) == "9999-12-31T23:59:59.999Z");
  for (const char* text : {"0999-03-04T05:06:07.089Z", "2026-12-04T21:59:09.910Z", "2038-01-19T03:14:08.000Z"}) {
    auto t = parse_datetime(text);
    REQUIRE(t);
    CHECK(format_datetime(*t) == text);
  }
}
