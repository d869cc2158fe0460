#include <doctest/doctest.h>

#include "rules.hpp"

using evp::common::Money;
using namespace evp::charging;
using namespace evp::charging::rules;

namespace {
Money som(std::int64_t tyiyn) { return Money::tyiyn(tyiyn); }
}  // namespace

TEST_CASE("limit_reached: kWh, som and the available balance") {
  CHECK_FALSE(limit_reached(0, som(0), std::nullopt, std::nullopt, std::nullopt));
  CHECK(limit_reached(5000, som(0), 5000, std::nullopt, std::nullopt) == "limit_kwh");
  CHECK_FALSE(limit_reached(4999, som(0), 5000, std::nullopt, std::nullopt));
  CHECK(limit_reached(1, som(1000), std::nullopt, som(1000), std::nullopt) == "limit_amount");
  CHECK_FALSE(limit_reached(1, som(999), std::nullopt, som(1000), std::nullopt));
  CHECK(limit_reached(1, som(2000), std::nullopt, std::nullopt, som(2000)) == "balance");
  CHECK_FALSE(limit_reached(1, som(1999), std::nullopt, std::nullopt, som(2000)));
  // Nothing left (other sessions hold it all): the first tyiyn of cost stops this one...
  CHECK(limit_reached(1, som(1), std::nullopt, std::nullopt, som(-500)) == "balance");
  // ...but a session that has cost nothing yet is not stopped for a balance it has not used.
  CHECK_FALSE(limit_reached(0, som(0), std::nullopt, std::nullopt, som(-500)));
}

TEST_CASE("check_energy: the connector's power times the duration, plus a minute") {
  // 400 kW for one hour: 400 kWh, plus a minute of 400 kW (6.667 kWh).
  CHECK(check_energy(406'666, 3600, 400'000).plausible);
  CHECK_FALSE(check_energy(406'668, 3600, 400'000).plausible);
  CHECK(check_energy(406'668, 3600, 400'000).allowed_wh == 406'666);
  // 0.08 kWh in five minutes is fine; 910 kWh is not (a placeholder meterStart).
  CHECK(check_energy(80, 300, 400'000).plausible);
  CHECK_FALSE(check_energy(910'000, 300, 22'000).plausible);
  // A stop timestamped before its start still gets the minute.
  CHECK(check_energy(1000, -50, 400'000).plausible);
  CHECK_FALSE(check_energy(9007199254740991, 3600, 400'000).plausible);
  CHECK(check_energy(1, std::numeric_limits<std::int64_t>::max(), 400'000).plausible);  // no overflow
}

TEST_CASE("reservation: the limit, or the minimum to start, never more than is available") {
  const Money min = som(1000), price = som(1250);
  CHECK(reservation(som(20000), min, {}, price) == som(1000));
  CHECK(reservation(som(20000), min, {.amount = som(5000)}, price) == som(5000));
  CHECK(reservation(som(3000), min, {.amount = som(5000)}, price) == som(3000));
  CHECK(reservation(som(20000), min, {.energy_wh = 10'000}, price) == som(12500));  // 10 kWh at 12.50
  CHECK(reservation(som(-100), min, {}, price) == som(0));
}
