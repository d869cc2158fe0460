#pragma once
// The money and energy rules as pure functions: unit-tested without a database and applied
// by the SQL-driving code on values it read inside its transaction.
#include <cstdint>
#include <optional>
#include <string>

#include "charging/charging.hpp"

namespace evp::charging::rules {

/// Energy above what the connector could have delivered: max power over the duration, plus
/// one minute of it for clock granularity and the time stations take to report.
struct EnergyCheck {
  bool plausible = true;
  std::int64_t allowed_wh = 0;
};
EnergyCheck check_energy(std::int64_t energy_wh, std::int64_t duration_s, std::int64_t max_power_w);

/// Why the server should stop a running session now, if it should: its kWh limit, its som
/// limit, or its cost reaching what the driver has left for it (`available` = balance minus
/// what the driver's other running sessions consumed or reserved).
std::optional<std::string> limit_reached(std::int64_t energy_wh, Money cost, std::optional<std::int64_t> limit_wh,
                                         std::optional<Money> limit_amount, std::optional<Money> available);

/// What a new session holds of the available balance: its som limit, the cost of its kWh
/// limit at `price`, or else the minimum needed to start; never more than is available.
Money reservation(Money available, Money min_to_start, const SessionLimits& limits, Money price);

}  // namespace evp::charging::rules
