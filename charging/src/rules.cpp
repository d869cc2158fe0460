#include "rules.hpp"

#include <algorithm>
#include <limits>

namespace evp::charging::rules {

EnergyCheck check_energy(std::int64_t energy_wh, std::int64_t duration_s, std::int64_t max_power_w) {
  constexpr std::int64_t kSlackSeconds = 60;
  // Station clocks can put the stop before the start; such a session had no time at all.
  // A duration near the int64 limit (absurd timestamps) must not overflow on the slack.
  std::int64_t seconds;
  if (__builtin_add_overflow(std::max<std::int64_t>(duration_s, 0), kSlackSeconds, &seconds))
    return {true, std::numeric_limits<std::int64_t>::max()};
  std::int64_t watt_seconds;
  if (__builtin_mul_overflow(max_power_w, seconds, &watt_seconds))
    return {true, std::numeric_limits<std::int64_t>::max()};
  const std::int64_t allowed = watt_seconds / 3600;
  return {energy_wh <= allowed, allowed};
}

std::optional<std::string> limit_reached(std::int64_t energy_wh, Money cost, std::optional<std::int64_t> limit_wh,
                                         std::optional<Money> limit_amount, std::optional<Money> available) {
  if (limit_wh && energy_wh >= *limit_wh) return "limit_kwh";
  if (limit_amount && cost >= *limit_amount) return "limit_amount";
  // The session is charged at StopTransaction; stop while the balance still covers it.
  if (available && cost > Money() && cost >= *available) return "balance";
  return std::nullopt;
}

Money reservation(Money available, Money min_to_start, const SessionLimits& limits, Money price) {
  Money want = min_to_start;
  if (limits.amount) {
    want = *limits.amount;
  } else if (limits.energy_wh) {
    if (auto cost = Money::energy_cost(*limits.energy_wh, price)) want = *cost;
  }
  return std::clamp(want, Money(), std::max(available, Money()));
}

}  // namespace evp::charging::rules
