#pragma once
// One path for every call an operator sends to a station (the generic calls endpoint and
// the Local Authorization List): schema-checked by the central system, written to
// `operator_audit` before it goes out, completed with the outcome.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http/context.hpp"
#include "ocpp/central_system.hpp"

namespace evp::api {

struct AuditedCall {
  std::string audit_id;
  std::optional<nlohmann::json> answer;     ///< the station's CALLRESULT
  std::optional<ocpp::CallFailed> failure;  ///< why there is none
  std::string outcome;                      ///< operator_audit.outcome
  bool recorded = true;                     ///< the outcome reached operator_audit
};

/// Sends `action` with `payload` (already validated) to the station, on record.
boost::asio::awaitable<AuditedCall> audited_call(Context& ctx, const std::string& station_id,
                                                 const std::string& action, const nlohmann::json& payload,
                                                 std::optional<std::chrono::seconds> timeout);

/// The API error for a call without an answer: 409 station_offline, 504 station_timeout,
/// 502 station_call_error (details.error_code) or station_invalid_response.
[[noreturn]] void throw_call_failure(const AuditedCall& c, const std::string& station_id, const std::string& action);

/// 404 unless the station is registered (connected or not).
boost::asio::awaitable<void> require_station(Context& ctx, const std::string& id);

}  // namespace evp::api
