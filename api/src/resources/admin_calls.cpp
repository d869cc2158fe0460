// Calls to stations on record (see admin_calls.hpp).
#include "resources/admin_calls.hpp"

#include <spdlog/spdlog.h>

#include "db/db.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

// JSON text for a jsonb parameter; invalid UTF-8 (which a parsed body cannot hold, but a
// station's answer is only validated against its schema) is replaced, never thrown.
std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

struct Outcome {
  std::string name;  // operator_audit.outcome
  http::status status;
  std::string code;
};

Outcome outcome_of(const ocpp::CallFailed& e) {
  using R = ocpp::CallFailed::Reason;
  switch (e.reason()) {
    case R::NotConnected:
    case R::Closed:
      return {"offline", http::status::conflict, "station_offline"};
    case R::Timeout:
      return {"timeout", http::status::gateway_timeout, "station_timeout"};
    case R::CallError:
      return {"call_error", http::status::bad_gateway, "station_call_error"};
    case R::InvalidResponse:
      break;
  }
  return {"invalid_response", http::status::bad_gateway, "station_invalid_response"};
}

}  // namespace

boost::asio::awaitable<void> require_station(Context& ctx, const std::string& id) {
  auto known = co_await ctx.svc.pool.query("SELECT 1 FROM stations WHERE id = $1", db::params(id));
  if (known.empty()) throw ApiError(http::status::not_found, "station_not_found", "no such station");
}

boost::asio::awaitable<AuditedCall> audited_call(Context& ctx, const std::string& station_id,
                                                 const std::string& action, const nlohmann::json& payload,
                                                 std::optional<std::chrono::seconds> timeout) {
  AuditedCall out;
  // On record before it goes out: if this process dies after the station got it, the
  // command is still in the log (as 'sent').
  const std::string request_text = json_text(payload);
  auto row = co_await ctx.svc.pool.query(
      "INSERT INTO operator_audit (operator_id, station_id, action, request) VALUES ($1, $2, $3, $4::jsonb) "
      "RETURNING id, created_at",
      db::params(ctx.user.id, station_id, action, request_text));
  out.audit_id = std::string(row.get(0, 0));

  try {
    std::string call_action = action;
    nlohmann::json call_payload = payload;
    out.answer = co_await ctx.svc.ocpp.call_json(station_id, std::move(call_action), std::move(call_payload), timeout);
  } catch (const ocpp::CallFailed& e) {
    out.failure = e;  // co_await is not allowed inside a catch block
  }

  out.outcome = out.failure ? outcome_of(*out.failure).name : std::string("answered");
  const std::optional<std::string> response_text = out.answer ? std::optional(json_text(*out.answer)) : std::nullopt;
  const std::optional<std::string> error_text =
      out.failure ? std::optional(std::string(out.failure->what())) : std::nullopt;
  try {
    co_await ctx.svc.pool.query(
        "UPDATE operator_audit SET outcome = $2, response = $3::jsonb, error = $4, completed_at = now() WHERE id = $1",
        db::params(out.audit_id, out.outcome, response_text, error_text));
  } catch (const db::Error& e) {
    // The station has acted (or not) either way: the operator hears its answer; the log
    // keeps the row as 'sent', which says the outcome is unknown.
    spdlog::warn("audit {}: {} to {} done but its outcome was not recorded: {}", out.audit_id, action, station_id,
                 e.what());
    out.recorded = false;
  }
  co_return out;
}

void throw_call_failure(const AuditedCall& c, const std::string& station_id, const std::string& action) {
  const Outcome o = outcome_of(*c.failure);
  nlohmann::json details{{"audit_id", c.audit_id}, {"station_id", station_id}, {"action", action}};
  if (c.failure->reason() == ocpp::CallFailed::Reason::CallError) details["error_code"] = c.failure->error_code();
  throw ApiError(o.status, o.code, c.failure->what(), details);
}

}  // namespace evp::api
