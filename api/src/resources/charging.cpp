// POST /api/v1/charging/start and /stop: the driver's remote control of a station.
// start: station checks, a pending session opened by the charging module (holding part of
// the available balance), then RemoteStartTransaction. The station's answer decides the
// reply: Accepted -> 200; no answer in time -> 202 "no_answer" (the session stays pending: a
// late StartTransaction is still the driver's, billed and notified); Rejected or an error ->
// the session fails. stop: RemoteStopTransaction for one's own running session.
#include <spdlog/spdlog.h>

#include "charging/charging.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "ocpp/central_system.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

// CALL failures that end a start or a stop, as HTTP.
[[noreturn]] void call_failed(const ocpp::CallFailed& e, nlohmann::json details) {
  using R = ocpp::CallFailed::Reason;
  switch (e.reason()) {
    case R::NotConnected:
    case R::Closed:
      throw ApiError(http::status::conflict, "station_offline", "station is not connected", details);
    case R::Timeout:
      throw ApiError(http::status::gateway_timeout, "station_timeout", "station did not answer in time", details);
    default:
      throw ApiError(http::status::bad_gateway, "station_error", std::string("station answered an error: ") + e.what(),
                     details);
  }
}

awaitable<Reply> start(Context& ctx) {
  auto body = ctx.body();
  std::string station_id = body.str("station_id", 48);
  auto connector_id = body.integer("connector_id", 1, 99);
  charging::SessionLimits limits;
  limits.energy_wh = body.opt_decimal("limit_kwh", 3);
  if (auto amount = body.opt_decimal("limit_amount", 2)) limits.amount = common::Money::tyiyn(*amount);
  if (limits.energy_wh && limits.amount) bad_field("limit_amount", "cannot be combined with limit_kwh");
  if (limits.energy_wh && *limits.energy_wh <= 0) bad_field("limit_kwh", "must be positive");
  if (limits.amount && *limits.amount <= common::Money()) bad_field("limit_amount", "must be positive");

  db::Params sp = db::params(station_id, connector_id);
  auto st = co_await ctx.svc.pool.query(
      "SELECT s.registration_status, c.status FROM stations s "
      "LEFT JOIN connectors c ON c.station_id = s.id AND c.connector_id = $2 WHERE s.id = $1",
      std::move(sp));
  if (st.empty()) throw ApiError(http::status::not_found, "station_not_found", "no such station");
  if (st.is_null(0, 1)) throw ApiError(http::status::not_found, "connector_not_found", "no such connector");
  if (!ctx.svc.ocpp.is_online(station_id))
    throw ApiError(http::status::conflict, "station_offline", "station is offline");
  std::string connector_status(st.get(0, 1));
  // Preparing: the driver plugged in first, which is the usual order at a real station.
  if (connector_status != "Available" && connector_status != "Preparing")
    throw ApiError(http::status::conflict, "connector_unavailable", "connector is " + connector_status,
                   {{"connector_status", connector_status}});

  // Refused (insufficient available balance, a busy connector) becomes 402/409.
  const charging::PendingSession session =
      co_await ctx.svc.charging.open_session(ctx.user.id, station_id, connector_id, limits);

  std::optional<ocpp::RemoteStartTransactionConf> answer;
  std::optional<ocpp::CallFailed> failure;  // co_await is not allowed inside a catch block
  try {
    ocpp::RemoteStartTransactionReq req{.connectorId = connector_id, .idTag = session.id_tag};
    answer = co_await ctx.svc.ocpp.call(station_id, req, ctx.svc.config.remote_start_timeout);
  } catch (const ocpp::CallFailed& e) {
    failure = e;
  }

  nlohmann::json data{{"session_id", session.session_id}, {"station_id", station_id},
                      {"connector_id", connector_id},     {"id_tag", session.id_tag},
                      {"reserved", session.reserved.str()}};
  if (failure && failure->reason() == ocpp::CallFailed::Reason::Timeout) {
    // The station may still start it: say so, keep the session pending, let the status
    // endpoint tell what happened.
    spdlog::warn("session {}: no answer from {} to RemoteStartTransaction in time", session.session_id, station_id);
    const std::string none;
    data["status"] = co_await ctx.svc.charging.remote_start_result(session.session_id,
                                                                    charging::RemoteAnswer::NoAnswer, none);
    data["station_status"] = "no_answer";
    Reply r;
    r.status = http::status::accepted;
    r.data = std::move(data);
    co_return r;
  }
  if (failure) {
    spdlog::warn("session {}: RemoteStartTransaction to {} failed: {}", session.session_id, station_id,
                 failure->what());
    const std::string reason = std::string("RemoteStartTransaction failed: ") + failure->what();
    co_await ctx.svc.charging.remote_start_result(session.session_id, charging::RemoteAnswer::Failed, reason);
    call_failed(*failure, {{"session_id", session.session_id}});
  }
  const bool accepted = answer->status == ocpp::RemoteStartStopStatus::Accepted;
  const std::string station_status(ocpp::to_string(answer->status));
  const auto result = accepted ? charging::RemoteAnswer::Accepted : charging::RemoteAnswer::Rejected;
  const std::string detail = "RemoteStartTransaction " + station_status;
  const std::string status = co_await ctx.svc.charging.remote_start_result(session.session_id, result, detail);
  if (!accepted)
    throw ApiError(http::status::conflict, "station_rejected", "station rejected the remote start",
                   {{"session_id", session.session_id}, {"station_status", station_status}});
  data["station_status"] = station_status;
  data["status"] = status;
  Reply r;
  r.data = std::move(data);
  co_return r;
}

awaitable<Reply> stop(Context& ctx) {
  auto body = ctx.body();
  std::string session_id = body.str("session_id", 36);
  if (!is_uuid(session_id)) bad_field("session_id", "must be a UUID");
  // Refused (not found, not started, not active) becomes 404/409.
  const charging::StopTarget target = co_await ctx.svc.charging.stop_target(ctx.user.id, session_id);

  std::optional<ocpp::RemoteStopTransactionConf> answer;
  std::optional<ocpp::CallFailed> failure;
  try {
    ocpp::RemoteStopTransactionReq req{.transactionId = target.transaction_id};
    answer = co_await ctx.svc.ocpp.call(target.station_id, req, ctx.svc.config.remote_start_timeout);
  } catch (const ocpp::CallFailed& e) {
    failure = e;
  }
  if (failure) call_failed(*failure, nullptr);
  const std::string station_status(ocpp::to_string(answer->status));
  if (answer->status != ocpp::RemoteStartStopStatus::Accepted)
    throw ApiError(http::status::conflict, "station_rejected", "station rejected the remote stop",
                   {{"session_id", session_id}, {"station_status", station_status}});
  co_await ctx.svc.charging.stop_requested(session_id);
  Reply r;
  r.data = {{"session_id", session_id}, {"station_status", station_status}, {"transaction_id", target.transaction_id}};
  co_return r;
}

}  // namespace

std::vector<Route> charging_routes() {
  return {
      {http::verb::post, "/api/v1/charging/start", Access::Client, start},
      {http::verb::post, "/api/v1/charging/stop", Access::Client, stop},
  };
}

}  // namespace evp::api
