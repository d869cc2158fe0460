#pragma once
// Exact money and energy as integers: som are kept in tyiyn (1/100), kWh in Wh.
// Values cross JSON and SQL as decimal text ("150.00") and never pass through double.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evp::api {

/// Parses "150", "150.5", "150.50", "-3.10" into tyiyn. More than two fraction digits,
/// signs other than a leading '-', exponents, empty text or overflow give nullopt.
std::optional<std::int64_t> parse_money(std::string_view text);

/// 15050 -> "150.50", -5 -> "-0.05".
std::string format_money(std::int64_t tyiyn);

/// Parses a decimal with up to `scale` fraction digits into an integer scaled by 10^scale.
std::optional<std::int64_t> parse_decimal(std::string_view text, int scale);
/// Formats an integer scaled by 10^scale with exactly `scale` fraction digits.
std::string format_decimal(std::int64_t value, int scale);

/// Cost in tyiyn of `wh` watt-hours at `price_tyiyn_per_kwh`, rounded half up to a tyiyn
/// (the same rule as PostgreSQL's round(numeric, 2)).
std::int64_t energy_cost(std::int64_t wh, std::int64_t price_tyiyn_per_kwh);

}  // namespace evp::api
