#include "field_reader.hpp"

#include <cctype>

namespace evp::ocpp::detail {

void fail(ErrorCode code, const std::string& path, const std::string& what) {
  std::string description = path.empty() ? what : path + ": " + what;
  throw CallError(code, description, json{{"field", path}});
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out;
  out.reserve(parent.size() + 1 + key.size());
  out.append(parent).append(".").append(key);
  return out;
}

std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::size_t cut = text.size();
  if (cut > kMax) {
    // Cut on a UTF-8 character boundary so the description stays valid text.
    cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out;
  out.reserve(cut + 5);
  out.push_back('\'');
  out.append(text.substr(0, cut));
  if (cut < text.size()) out.append("...");
  out.push_back('\'');
  return out;
}

std::size_t utf8_length(std::string_view text) {
  // OCPP lengths count characters; count every byte that does not continue a UTF-8 sequence.
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

void read_value(const json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) fail(ErrorCode::TypeConstraintViolation, path, "expected a string");
  out = j.get<std::string>();
}

void read_value(const json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) fail(ErrorCode::TypeConstraintViolation, path, "expected a boolean");
  out = j.get<bool>();
}

namespace {

// Integers: JSON integers, and floats with no fractional part (JSON Schema draft 6+ counts
// 5.0 as an integer). Anything outside [lo, hi] is a PropertyConstraintViolation.
std::int64_t read_integer(const json& j, const std::string& path, std::int64_t lo, std::int64_t hi) {
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(hi))
      fail(ErrorCode::PropertyConstraintViolation, path, std::to_string(v) + " is out of range");
    return static_cast<std::int64_t>(v);
  }
  if (j.is_number_integer()) {
    auto v = j.get<std::int64_t>();
    if (v < lo || v > hi) fail(ErrorCode::PropertyConstraintViolation, path, std::to_string(v) + " is out of range");
    return v;
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (std::trunc(d) != d) fail(ErrorCode::TypeConstraintViolation, path, "expected an integer");
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)))
      fail(ErrorCode::PropertyConstraintViolation, path, j.dump() + " is out of range");
    return static_cast<std::int64_t>(d);
  }
  fail(ErrorCode::TypeConstraintViolation, path, "expected an integer");
}

}  // namespace

void read_value(const json& j, const std::string& path, int& out) {
  out = static_cast<int>(read_integer(j, path, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

void read_value(const json& j, const std::string& path, std::int64_t& out) {
  // Stop below 2^63 so a float such as 9.3e18 cannot overflow the conversion.
  out =
      read_integer(j, path, std::numeric_limits<std::int64_t>::min() / 2, std::numeric_limits<std::int64_t>::max() / 2);
}

void read_value(const json& j, const std::string& path, double& out) {
  if (!j.is_number()) fail(ErrorCode::TypeConstraintViolation, path, "expected a number");
  out = j.get<double>();
}

void read_value(const json& j, const std::string& path, DateTime& out) {
  if (!j.is_string()) fail(ErrorCode::TypeConstraintViolation, path, "expected a date-time string");
  const auto& text = j.get_ref<const std::string&>();
  auto parsed = common::parse_datetime(text);
  if (!parsed) fail(ErrorCode::PropertyConstraintViolation, path, quote(text) + " is not a valid date-time");
  out = *parsed;
}

void FieldReader::check(const std::string& v, const std::string& path, Uri) {
  // Absolute URI: scheme (letter, then letters/digits/+-.) followed by ':' and something.
  auto colon = v.find(':');
  bool ok =
      colon != std::string::npos && colon > 0 && colon + 1 < v.size() && std::isalpha(static_cast<unsigned char>(v[0]));
  for (std::size_t i = 1; ok && i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    ok = std::isalnum(c) || c == '+' || c == '-' || c == '.';
  }
  if (!ok) fail(ErrorCode::PropertyConstraintViolation, path, quote(v) + " is not a valid URI");
}

void FieldReader::check(double v, const std::string& path, MultipleOfTenth) {
  double tenths = v * 10.0;
  if (std::fabs(tenths - std::round(tenths)) > 1e-6)
    fail(ErrorCode::PropertyConstraintViolation, path, std::to_string(v) + " has more than one decimal");
}

json write_value(const std::string& v) { return v; }
json write_value(bool v) { return v; }
json write_value(int v) { return v; }
json write_value(std::int64_t v) { return v; }
json write_value(double v) { return v; }
json write_value(DateTime v) { return common::format_datetime(v); }

}  // namespace evp::ocpp::detail
