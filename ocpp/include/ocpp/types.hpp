#pragma once
/// Building blocks of the typed OCPP 1.6 messages.
///
/// Message structs use the OCPP field names (camelCase) so each one reads like the spec.
/// Every struct `XReq`/`XConf` has `static constexpr std::string_view action`, and free
/// functions `from_json` (strict: throws CallError with the right code) and `to_json`
/// (omits absent optionals). Nested types (IdTagInfo, MeterValue, ChargingProfile, ...)
/// have the same pair, so `nlohmann::json j = msg;` and `j.get<XReq>()` both work.
///
/// Validation rules (applied in exactly one place, src/protocol/field_reader.hpp):
///   payload / nested value not an object, wrong JSON type  -> TypeConstraintViolation
///   required field missing, array shorter than its minimum  -> OccurenceConstraintViolation
///   string longer than its CiString, unknown enum value,
///   invalid date-time, integer out of range                -> PropertyConstraintViolation
///   unknown extra properties                                -> ignored (vendor fields)
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "ocpp/rpc.hpp"

namespace evp::ocpp {

using DateTime = evp::common::TimePoint;

/// A case-insensitive string of at most N characters (OCPP CiString20Type etc.).
/// Length is checked in from_json (PropertyConstraintViolation when exceeded).
template <std::size_t N>
struct CiString {
  static constexpr std::size_t max_length = N;
  std::string value;
  CiString() = default;
  CiString(std::string v) : value(std::move(v)) {}
  CiString(const char* v) : value(v) {}
  bool operator==(const CiString&) const = default;
  const std::string& str() const { return value; }
};

/// Case-insensitive ASCII comparison, as OCPP compares CiString values (e.g. idTags).
inline bool ci_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// OCPP enum spellings. Specialised next to each enum with `type` (its OCPP name, used in
/// error descriptions) and `values` (the wire strings, in the enumerators' order).
template <class E>
struct EnumNames;

template <class... S>
constexpr std::array<std::string_view, sizeof...(S)> enum_names(S... names) {
  return {std::string_view{names}...};
}

template <class E>
concept OcppEnum = requires {
  EnumNames<E>::type;
  EnumNames<E>::values;
};

/// Wire spelling of an OCPP enum value.
template <OcppEnum E>
constexpr std::string_view to_string(E value) {
  return EnumNames<E>::values[static_cast<std::size_t>(value)];
}

/// Parses the exact (case-sensitive, as the schemas require) wire spelling.
template <OcppEnum E>
constexpr std::optional<E> from_string(std::string_view text) {
  const auto& values = EnumNames<E>::values;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] == text) return static_cast<E>(i);
  return std::nullopt;
}

namespace detail {
class FieldReader;
class FieldWriter;
}  // namespace detail

}  // namespace evp::ocpp

/// Declares the JSON conversions of a message or nested type (defined in src/protocol by
/// EVP_OCPP_DEFINE_JSON from one field list per type, so reading and writing cannot drift).
#define EVP_OCPP_JSON(Type)                                  \
  void from_json(const nlohmann::json& json, Type& value);   \
  void to_json(nlohmann::json& json, const Type& value);     \
  namespace detail {                                         \
  void read_fields(FieldReader& reader, Type& value);        \
  void write_fields(FieldWriter& writer, const Type& value); \
  }
