// `--source-addresses` parsing for `evp-cp-sim fleet`.
#include <doctest/doctest.h>

#include <stdexcept>

#include "source_addresses.hpp"

using evp::sim::cli::parse_source_addresses;

TEST_CASE("source addresses: ranges, lists and single addresses") {
  CHECK(parse_source_addresses("").empty());
  CHECK(parse_source_addresses("127.0.0.1") == std::vector<std::string>{"127.0.0.1"});
  CHECK(parse_source_addresses("127.0.0.1-127.0.0.3") ==
        std::vector<std::string>{"127.0.0.1", "127.0.0.2", "127.0.0.3"});
  // A range across an octet boundary, a list with spaces, IPv6.
  CHECK(parse_source_addresses("127.0.0.255-127.0.1.1") ==
        std::vector<std::string>{"127.0.0.255", "127.0.1.0", "127.0.1.1"});
  CHECK(parse_source_addresses("127.0.0.9, 127.0.0.1-127.0.0.2,::1") ==
        std::vector<std::string>{"127.0.0.9", "127.0.0.1", "127.0.0.2", "::1"});
  CHECK(parse_source_addresses("127.0.0.1-127.0.0.8").size() == 8);
}

TEST_CASE("source addresses: what is refused") {
  CHECK_THROWS_AS(parse_source_addresses("localhost"), std::invalid_argument);
  CHECK_THROWS_AS(parse_source_addresses("127.0.0.1,"), std::invalid_argument);
  CHECK_THROWS_AS(parse_source_addresses("127.0.0.5-127.0.0.1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_source_addresses("::1-::5"), std::invalid_argument);
  CHECK_THROWS_AS(parse_source_addresses("10.0.0.0-10.1.0.0"), std::invalid_argument);  // 65,537
  CHECK(parse_source_addresses("10.0.0.0-10.0.255.255").size() == 65536);
  CHECK_THROWS_AS(parse_source_addresses("10.0.0.0-10.0.255.255,127.0.0.1"), std::invalid_argument);
}
