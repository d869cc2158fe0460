#include "util/money.hpp"

#include <limits>

namespace evp::api {

std::optional<std::int64_t> parse_decimal(std::string_view text, int scale) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  // "5." and ".5" are refused: they are what a typo looks like, not what a client sends.
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  if (static_cast<int>(frac.size()) > scale) return std::nullopt;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 10;
  std::int64_t v = 0;
  for (char c : whole) {
    if (c < '0' || c > '9' || v > kMax) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  for (int i = 0; i < scale; ++i) {
    char c = i < static_cast<int>(frac.size()) ? frac[i] : '0';
    if (c < '0' || c > '9' || v > kMax) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

std::string format_decimal(std::int64_t value, int scale) {
  bool negative = value < 0;
  // Work in unsigned so that INT64_MIN does not overflow on negation.
  std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string digits = std::to_string(u);
  if (static_cast<int>(digits.size()) <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  std::string out = negative ? "-" : "";
  out += digits.substr(0, digits.size() - scale);
  if (scale > 0) out += "." + digits.substr(digits.size() - scale);
  return out;
}

std::optional<std::int64_t> parse_money(std::string_view text) { return parse_decimal(text, 2); }
std::string format_money(std::int64_t tyiyn) { return format_decimal(tyiyn, 2); }

std::int64_t energy_cost(std::int64_t wh, std::int64_t price_tyiyn_per_kwh) {
  // wh * price / 1000, half away from zero (costs are never negative in practice).
  std::int64_t num = wh * price_tyiyn_per_kwh;
  std::int64_t q = num / 1000, r = num % 1000;
  if (r >= 500) ++q;
  if (r <= -500) --q;
  return q;
}

}  // namespace evp::api
