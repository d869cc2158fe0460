#include "util/money.hpp"

#include <doctest/doctest.h>

using namespace evp::api;

TEST_CASE("parse_money accepts whole and up to two fraction digits") {
  CHECK(parse_money("150") == 15000);
  CHECK(parse_money("150.5") == 15050);
  CHECK(parse_money("150.05") == 15005);
  CHECK(parse_money("0.01") == 1);
  CHECK(parse_money("-3.10") == -310);
  CHECK(parse_money("0") == 0);
}

TEST_CASE("parse_money refuses what is not an exact amount") {
  for (auto bad : {"", "-", ".5", "5.", "1.234", "1e3", "+1", "1,5", " 1", "1 ", "abc", "99999999999999999999"})
    CHECK_MESSAGE(!parse_money(bad), bad);
}

TEST_CASE("format_money always has two fraction digits") {
  CHECK(format_money(15000) == "150.00");
  CHECK(format_money(5) == "0.05");
  CHECK(format_money(-5) == "-0.05");
  CHECK(format_money(0) == "0.00");
  CHECK(format_money(123456789) == "1234567.89");
}

TEST_CASE("decimal with scale 3 (kWh)") {
  CHECK(parse_decimal("1.5", 3) == 1500);
  CHECK(format_decimal(1234, 3) == "1.234");
  CHECK(format_decimal(7, 3) == "0.007");
}

TEST_CASE("energy_cost rounds half up to a tyiyn") {
  CHECK(energy_cost(1000, 1250) == 1250);  // 1 kWh at 12.50
  CHECK(energy_cost(1, 1250) == 1);        // 0.00125 kWh * 12.50 = 0.0125 -> 0.01
  CHECK(energy_cost(3, 1250) == 4);        // 0.0375 -> 0.04
  CHECK(energy_cost(0, 1250) == 0);
  CHECK(energy_cost(12345, 0) == 0);
}
