#pragma once
// Payload checks for what the station needs; the error codes are those of OCPP-J §4.2.3.
#include <optional>
#include <string>

#include "simulators/charge_point.hpp"

namespace evp::sim::detail {

inline const Json& field(const Json& payload, const char* name) {
  if (!payload.is_object()) throw CallErrorReply("FormationViolation", "payload is not an object", Json::object());
  auto it = payload.find(name);
  if (it == payload.end())
    throw CallErrorReply("OccurenceConstraintViolation", std::string(name) + " is required", Json::object());
  return *it;
}
inline std::string req_string(const Json& payload, const char* name) {
  const Json& v = field(payload, name);
  if (!v.is_string()) throw CallErrorReply("TypeConstraintViolation", std::string(name) + " must be a string", {});
  return v.get<std::string>();
}
inline std::int64_t req_int(const Json& payload, const char* name) {
  const Json& v = field(payload, name);
  if (!v.is_number_integer())
    throw CallErrorReply("TypeConstraintViolation", std::string(name) + " must be an integer", {});
  return v.get<std::int64_t>();
}
inline std::optional<std::int64_t> opt_int(const Json& payload, const char* name) {
  if (!payload.is_object() || !payload.contains(name)) return std::nullopt;
  return req_int(payload, name);
}
inline std::optional<std::string> opt_string(const Json& payload, const char* name) {
  if (!payload.is_object() || !payload.contains(name)) return std::nullopt;
  return req_string(payload, name);
}

}  // namespace evp::sim::detail
