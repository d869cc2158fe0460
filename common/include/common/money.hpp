#pragma once
/// Exact money and the one decimal parser of the code base.
///
/// Money is som (KGS) held as an integer number of tyiyn (1/100 som). It crosses JSON and
/// SQL as decimal text ("150.00", PostgreSQL NUMERIC rendered as text) and never passes
/// through binary floating point. Arithmetic is overflow-checked: an amount that does not
/// fit (or that a NUMERIC(12,2) column could not hold, see Money::kColumnMax) is an error,
/// never a wrapped value.
///
/// One rounding rule everywhere: half away from zero (PostgreSQL's round(numeric, n)).
#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace evp::common {

/// What parse_decimal does with more fraction digits than `scale`.
enum class ExtraDigits {
  Reject,  ///< "1.234" at scale 2 is not a valid amount (what a person types or a column holds)
  Round,   ///< rounded half away from zero (readings of instruments, e.g. "1.2345" kWh at scale 3)
};

/// Parses "150", "150.5", "-3.10", "+7" into an integer scaled by 10^scale. Refuses empty
/// text, exponents, a lone '.', "5." and ".5", and values beyond int64. Never throws.
std::optional<std::int64_t> parse_decimal(std::string_view text, int scale, ExtraDigits extra = ExtraDigits::Reject);

/// Formats an integer scaled by 10^scale with exactly `scale` fraction digits: (-5, 2) -> "-0.05".
std::string format_decimal(std::int64_t value, int scale);

/// Thrown by Money arithmetic whose result does not fit.
class MoneyOverflow : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

class Money {
 public:
  /// The largest amount a NUMERIC(12,2) column (balances, amounts) holds: 9,999,999,999.99 som.
  static constexpr std::int64_t kColumnMax = 999'999'999'999;

  constexpr Money() = default;
  static constexpr Money tyiyn(std::int64_t v) { return Money(v); }
  /// Decimal text with at most two fraction digits ("12.3", "-4", "165.05"); nullopt otherwise.
  static std::optional<Money> parse(std::string_view text);
  /// Same, for text that must be valid (a NUMERIC column): throws std::invalid_argument.
  static Money from_db(std::string_view text);

  constexpr std::int64_t tyiyn() const { return v_; }
  /// "165.05", "-0.05", "0.00".
  std::string str() const { return format_decimal(v_, 2); }
  constexpr bool is_zero() const { return v_ == 0; }
  /// Fits a NUMERIC(12,2) column.
  constexpr bool fits_column() const { return v_ <= kColumnMax && v_ >= -kColumnMax; }

  friend Money operator+(Money a, Money b);
  friend Money operator-(Money a, Money b);
  Money operator-() const;
  Money& operator+=(Money b) { return *this = *this + b; }
  Money& operator-=(Money b) { return *this = *this - b; }
  friend constexpr auto operator<=>(Money, Money) = default;

  /// Cost of `wh` watt-hours at `price_per_kwh`: wh * price / 1000, rounded half away from
  /// zero to a tyiyn. nullopt when the product does not fit (an absurd meter reading).
  static std::optional<Money> energy_cost(std::int64_t wh, Money price_per_kwh);

 private:
  constexpr explicit Money(std::int64_t v) : v_(v) {}
  std::int64_t v_ = 0;
};

}  // namespace evp::common
