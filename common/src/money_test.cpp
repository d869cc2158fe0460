#include <doctest/doctest.h>

#include <limits>

#include "common/money.hpp"

using evp::common::ExtraDigits;
using evp::common::format_decimal;
using evp::common::Money;
using evp::common::MoneyOverflow;
using evp::common::parse_decimal;

TEST_CASE("parse_decimal: one parser, one rounding rule") {
  CHECK(parse_decimal("150", 2) == 15000);
  CHECK(parse_decimal("150.5", 2) == 15050);
  CHECK(parse_decimal("-3.10", 2) == -310);
  CHECK(parse_decimal("+7", 2) == 700);
  CHECK(parse_decimal("0.001", 3) == 1);
  CHECK_FALSE(parse_decimal("1.234", 2));  // rejected by default
  CHECK(parse_decimal("1.2345", 3, ExtraDigits::Round) == 1235);
  CHECK(parse_decimal("1.2344999", 3, ExtraDigits::Round) == 1234);
  CHECK(parse_decimal("-0.125", 2, ExtraDigits::Round) == -13);  // half away from zero
  for (const char* bad : {"", "-", ".", "5.", ".5", "1e3", "1,5", "NaN", "12a", " 1", "1 ", "--1", "0x10"})
    CHECK_MESSAGE(!parse_decimal(bad, 2), bad);
  CHECK(parse_decimal("9223372036854775807", 0) == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_decimal("-9223372036854775808", 0) == std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(parse_decimal("9223372036854775808", 0));
  CHECK_FALSE(parse_decimal("92233720368547758.08", 2));
  CHECK_FALSE(parse_decimal("9223372036854775807.5", 0, ExtraDigits::Round));  // rounding overflows
  CHECK_FALSE(parse_decimal("99999999999999999999999", 2));
}

TEST_CASE("format_decimal") {
  CHECK(format_decimal(15050, 2) == "150.50");
  CHECK(format_decimal(-5, 2) == "-0.05");
  CHECK(format_decimal(0, 2) == "0.00");
  CHECK(format_decimal(1234, 3) == "1.234");
  CHECK(format_decimal(7, 0) == "7");
  CHECK(format_decimal(std::numeric_limits<std::int64_t>::min(), 2) == "-92233720368547758.08");
}

TEST_CASE("Money: exact, checked, one text form") {
  CHECK(Money::parse("165.05")->tyiyn() == 16505);
  CHECK(Money::parse("12.3")->str() == "12.30");
  CHECK(Money::parse("-4")->str() == "-4.00");
  CHECK_FALSE(Money::parse("0.125"));
  CHECK_THROWS_AS(Money::from_db("abc"), std::invalid_argument);
  CHECK(Money::from_db("200.00") - Money::from_db("165.05") == Money::tyiyn(3495));
  CHECK(-Money::tyiyn(5) == Money::tyiyn(-5));
  CHECK(Money::tyiyn(1) < Money::tyiyn(2));
  const Money max = Money::tyiyn(std::numeric_limits<std::int64_t>::max());
  CHECK_THROWS_AS(max + Money::tyiyn(1), MoneyOverflow);
  CHECK_THROWS_AS(Money::tyiyn(std::numeric_limits<std::int64_t>::min()) - Money::tyiyn(1), MoneyOverflow);
  CHECK(Money::tyiyn(Money::kColumnMax).fits_column());
  CHECK_FALSE(Money::tyiyn(Money::kColumnMax + 1).fits_column());
}

TEST_CASE("energy cost rounds half away from zero and refuses overflow") {
  // 12345 Wh at 13.37 som/kWh = 165.05265 som -> 165.05
  CHECK(Money::energy_cost(12345, Money::tyiyn(1337)) == Money::tyiyn(16505));
  CHECK(Money::energy_cost(500, Money::tyiyn(1)) == Money::tyiyn(1));   // 0.5 tyiyn -> 1
  CHECK(Money::energy_cost(499, Money::tyiyn(1)) == Money::tyiyn(0));
  CHECK(Money::energy_cost(0, Money::tyiyn(1337)) == Money::tyiyn(0));
  // The absurd meterStop of a station that started offline with a placeholder reading.
  CHECK_FALSE(Money::energy_cost(9007199254740991, Money::tyiyn(1337)));
  CHECK(Money::energy_cost(9007199254740991, Money::tyiyn(1))->fits_column() == false);
}
