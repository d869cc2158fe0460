#pragma once
/// Building blocks of the typed OCPP 1.6 messages.
///
/// Message structs use the OCPP field names (camelCase) so each one reads like the spec.
/// Every struct `XReq`/`XConf` has `static constexpr std::string_view action`, and free
/// functions `from_json` (strict: throws CallError with the right code) and `to_json`.
#include <cstddef>
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

}  // namespace evp::ocpp
