#include "limits.hpp"

#include <doctest/doctest.h>

using evp::api::limit_reached;

TEST_CASE("limit_reached: kWh, som and balance limits") {
  CHECK_FALSE(limit_reached(999, 1000, 1000, std::nullopt, std::nullopt));
  CHECK(limit_reached(1000, 1000, 1000, std::nullopt, std::nullopt) == "limit_kwh");
  CHECK_FALSE(limit_reached(500, 4999, std::nullopt, 5000, std::nullopt));
  CHECK(limit_reached(500, 5000, std::nullopt, 5000, std::nullopt) == "limit_amount");
  CHECK_FALSE(limit_reached(500, 2999, std::nullopt, std::nullopt, 3000));
  CHECK(limit_reached(500, 3000, std::nullopt, std::nullopt, 3000) == "balance");
  CHECK_FALSE(limit_reached(0, 0, std::nullopt, std::nullopt, 0));  // nothing consumed yet
  CHECK_FALSE(limit_reached(100000, 100000, std::nullopt, std::nullopt, std::nullopt));
}
