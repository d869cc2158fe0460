#include "common/money.hpp"

#include <limits>

namespace evp::common {

std::optional<std::int64_t> parse_decimal(std::string_view text, int scale, ExtraDigits extra) {
  if (scale < 0 || scale > 18) return std::nullopt;
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  // "5." and ".5" are refused: they are what a typo looks like, not what a client, a column
  // or a meter sends.
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  if (extra == ExtraDigits::Reject && static_cast<int>(frac.size()) > scale) return std::nullopt;
  for (char c : frac)
    if (c < '0' || c > '9') return std::nullopt;

  // Accumulate in unsigned magnitude: INT64_MIN stays representable and overflow is exact.
  constexpr std::uint64_t kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
  std::uint64_t v = 0;
  auto push = [&](char c) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kLimit - d) / 10) return false;
    v = v * 10 + d;
    return true;
  };
  for (char c : whole)
    if (!push(c)) return std::nullopt;
  for (int i = 0; i < scale; ++i)
    if (!push(i < static_cast<int>(frac.size()) ? frac[i] : '0')) return std::nullopt;
  if (static_cast<int>(frac.size()) > scale && frac[scale] >= '5') {  // half away from zero
    if (v == kLimit) return std::nullopt;
    ++v;
  }
  if (!negative && v == kLimit) return std::nullopt;
  return negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

std::string format_decimal(std::int64_t value, int scale) {
  const bool negative = value < 0;
  const std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string digits = std::to_string(u);
  if (static_cast<int>(digits.size()) <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  std::string out = negative ? "-" : "";
  out += digits.substr(0, digits.size() - scale);
  if (scale > 0) out += "." + digits.substr(digits.size() - scale);
  return out;
}

std::optional<Money> Money::parse(std::string_view text) {
  auto v = parse_decimal(text, 2);
  if (!v) return std::nullopt;
  return Money(*v);
}

Money Money::from_db(std::string_view text) {
  auto m = parse(text);
  if (!m) throw std::invalid_argument("not an amount of money: '" + std::string(text.substr(0, 40)) + "'");
  return *m;
}

Money operator+(Money a, Money b) {
  std::int64_t r;
  if (__builtin_add_overflow(a.v_, b.v_, &r)) throw MoneyOverflow("money: " + a.str() + " + " + b.str() + " overflows");
  return Money(r);
}

Money operator-(Money a, Money b) {
  std::int64_t r;
  if (__builtin_sub_overflow(a.v_, b.v_, &r)) throw MoneyOverflow("money: " + a.str() + " - " + b.str() + " overflows");
  return Money(r);
}

Money Money::operator-() const { return Money() - *this; }

std::optional<Money> Money::energy_cost(std::int64_t wh, Money price) {
  std::int64_t num;
  if (__builtin_mul_overflow(wh, price.v_, &num)) return std::nullopt;
  std::int64_t q = num / 1000;
  const std::int64_t r = num % 1000;
  if (r >= 500) ++q;
  if (r <= -500) --q;
  return Money(q);
}

}  // namespace evp::common
