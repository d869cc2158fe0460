// POST /api/v1/charging/start and /stop: the driver's remote control of a station.
// start: checks, a 'pending' charging_sessions row committed before RemoteStartTransaction
// (the StartTransaction handler links it to the OCPP transaction), then the station's
// answer within remote_start_timeout. stop: RemoteStopTransaction for one's own session.
#include <spdlog/spdlog.h>

#include "db/db.hpp"
#include "http/context.hpp"
#include "ocpp/central_system.hpp"
#include "resources/resources.hpp"
#include "util/crypto.hpp"
#include "util/money.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

// The driver's virtual id tag, created on first use: "EVP" + 17 hex digits fits the
// 20-character OCPP IdToken.
awaitable<std::string> id_tag_of(Context& ctx) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto res = co_await ctx.svc.pool.query(
        "SELECT id_tag FROM id_tags WHERE client_id = $1 AND status = 'Accepted' "
        "AND (expiry_date IS NULL OR expiry_date > NOW()) ORDER BY created_at LIMIT 1",
        db::params(ctx.user.id));
    if (!res.empty()) co_return std::string(res.get(0, 0));
    std::string tag = "EVP" + random_hex(9).substr(0, 17);
    for (auto& c : tag) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    co_await ctx.svc.pool.query(
        "INSERT INTO id_tags (id_tag, client_id) VALUES ($1, $2) ON CONFLICT (id_tag) DO NOTHING",
        db::params(tag, ctx.user.id));
  }
  throw std::runtime_error("could not allocate an id tag");
}

// CALL failures as HTTP: the session is marked failed by the caller.
[[noreturn]] void call_failed(const ocpp::CallFailed& e, const std::string& session_id) {
  nlohmann::json details = session_id.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"session_id", session_id}};
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

awaitable<void> mark_failed(Context& ctx, const std::string& session_id, const std::string& reason) {
  // Only a still-pending session: StartTransaction may have activated it meanwhile.
  co_await ctx.svc.pool.query(
      "UPDATE charging_sessions SET status = 'failed', failure_reason = $2, updated_at = NOW() "
      "WHERE id = $1 AND status = 'pending'",
      db::params(session_id, reason));
}

awaitable<Reply> start(Context& ctx) {
  auto body = ctx.body();
  std::string station_id = body.str("station_id", 48);
  auto connector_id = body.integer("connector_id", 1, 99);
  auto limit_wh = body.opt_decimal("limit_kwh", 3);
  auto limit_amount = body.opt_decimal("limit_amount", 2);
  if (limit_wh && limit_amount) bad_field("limit_amount", "cannot be combined with limit_kwh");
  if (limit_wh && *limit_wh <= 0) bad_field("limit_kwh", "must be positive");
  if (limit_amount && *limit_amount <= 0) bad_field("limit_amount", "must be positive");

  auto st = co_await ctx.svc.pool.query(
      "SELECT s.registration_status, c.status FROM stations s "
      "LEFT JOIN connectors c ON c.station_id = s.id AND c.connector_id = $2 WHERE s.id = $1",
      db::params(station_id, connector_id));
  if (st.empty()) throw ApiError(http::status::not_found, "station_not_found", "no such station");
  if (st.is_null(0, 1)) throw ApiError(http::status::not_found, "connector_not_found", "no such connector");
  if (!ctx.svc.ocpp.is_online(station_id))
    throw ApiError(http::status::conflict, "station_offline", "station is offline");
  std::string connector_status(st.get(0, 1));
  // Preparing: the driver plugged in first, which is the usual order at a real station.
  if (connector_status != "Available" && connector_status != "Preparing")
    throw ApiError(http::status::conflict, "connector_unavailable", "connector is " + connector_status,
                   {{"connector_status", connector_status}});

  auto bal = co_await ctx.svc.pool.query("SELECT balance::text FROM clients WHERE id = $1", db::params(ctx.user.id));
  auto balance = parse_money(bal.get(0, 0)).value_or(0);
  auto minimum = parse_money(ctx.svc.config.min_balance_to_start).value_or(0);
  if (balance < minimum || balance <= 0)
    throw ApiError(
        http::status::payment_required, "insufficient_balance",
        "balance " + format_money(balance) + " is below the minimum " + format_money(minimum) + " to start charging");

  std::string id_tag = co_await id_tag_of(ctx);
  std::string session_id;
  auto stale_after = std::to_string(2 * ctx.svc.config.remote_start_timeout.count() + 60);
  co_await ctx.svc.pool.transaction([&](db::Connection& tx) -> awaitable<void> {
    // One open session per connector: serialise concurrent starts on it.
    co_await tx.query("SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))",
                      db::params(station_id, std::to_string(connector_id)));
    // A pending session the station never started is forgotten after twice the timeout.
    co_await tx.query(
        "UPDATE charging_sessions SET status = 'failed', failure_reason = 'station never started', "
        "updated_at = NOW() WHERE station_id = $1 AND connector_id = $2 AND status = 'pending' "
        "AND created_at < NOW() - make_interval(secs => $3::int)",
        db::params(station_id, connector_id, stale_after));
    auto busy = co_await tx.query(
        "SELECT 1 FROM charging_sessions WHERE station_id = $1 AND connector_id = $2 "
        "AND status IN ('pending', 'active')",
        db::params(station_id, connector_id));
    if (!busy.empty()) throw ApiError(http::status::conflict, "connector_busy", "connector already has a session");
    // Built outside the co_await: GCC 12 miscompiles conditional temporaries inside a
    // co_await expression (double free at run time).
    db::Param limit_kwh_param, limit_amount_param;
    if (limit_wh) limit_kwh_param = format_decimal(*limit_wh, 3);
    if (limit_amount) limit_amount_param = format_money(*limit_amount);
    auto insert_params = db::params(ctx.user.id, station_id, connector_id, id_tag, std::move(limit_kwh_param),
                                    std::move(limit_amount_param));
    auto ins = co_await tx.query(
        "INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag, limit_kwh, limit_amount) "
        "VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric) RETURNING id",
        std::move(insert_params));
    session_id = std::string(ins.get(0, 0));
  });

  nlohmann::json answer;
  std::optional<ocpp::CallFailed> failure;  // co_await is not allowed inside a catch block
  try {
    nlohmann::json payload{{"connectorId", connector_id}, {"idTag", id_tag}};
    answer = co_await ctx.svc.ocpp.call(station_id, "RemoteStartTransaction", std::move(payload),
                                        ctx.svc.config.remote_start_timeout);
  } catch (const ocpp::CallFailed& e) {
    failure = e;
  }
  if (failure) {
    spdlog::warn("session {}: RemoteStartTransaction to {} failed: {}", session_id, station_id, failure->what());
    co_await mark_failed(ctx, session_id, std::string("RemoteStartTransaction failed: ") + failure->what());
    call_failed(*failure, session_id);
  }
  std::string status = answer.value("status", "");
  if (status != "Accepted") {
    co_await mark_failed(ctx, session_id, "RemoteStartTransaction " + status);
    throw ApiError(http::status::conflict, "station_rejected", "station rejected the remote start",
                   {{"session_id", session_id}, {"station_status", status}});
  }
  auto now = co_await ctx.svc.pool.query("SELECT status FROM charging_sessions WHERE id = $1", db::params(session_id));
  Reply r;
  r.data = {{"session_id", session_id}, {"station_status", status},     {"status", now.get(0, 0)},
            {"station_id", station_id}, {"connector_id", connector_id}, {"id_tag", id_tag}};
  co_return r;
}

awaitable<Reply> stop(Context& ctx) {
  auto body = ctx.body();
  std::string session_id = body.str("session_id", 36);
  if (!is_uuid(session_id)) bad_field("session_id", "must be a UUID");
  auto res = co_await ctx.svc.pool.query(
      "SELECT s.status, s.station_id, s.transaction_id, t.status FROM charging_sessions s "
      "LEFT JOIN transactions t ON t.id = s.transaction_id WHERE s.id = $1 AND s.client_id = $2",
      db::params(session_id, ctx.user.id));
  if (res.empty()) throw ApiError(http::status::not_found, "session_not_found", "no such session");
  std::string status(res.get(0, 0)), station_id(res.get(0, 1));
  if (status == "pending" && res.is_null(0, 2))
    throw ApiError(http::status::conflict, "session_not_started", "the station has not started this session yet");
  if (status != "active" || res.get(0, 3) != "active")
    throw ApiError(http::status::conflict, "session_not_active", "session is " + status);
  auto transaction_id = res.get_int(0, 2);

  nlohmann::json answer;
  try {
    nlohmann::json payload{{"transactionId", transaction_id}};
    answer = co_await ctx.svc.ocpp.call(station_id, "RemoteStopTransaction", std::move(payload),
                                        ctx.svc.config.remote_start_timeout);
  } catch (const ocpp::CallFailed& e) {
    call_failed(e, {});
  }
  std::string station_status = answer.value("status", "");
  if (station_status != "Accepted")
    throw ApiError(http::status::conflict, "station_rejected", "station rejected the remote stop",
                   {{"session_id", session_id}, {"station_status", station_status}});
  co_await ctx.svc.pool.query(
      "UPDATE charging_sessions SET stop_requested_at = coalesce(stop_requested_at, NOW()), updated_at = NOW() "
      "WHERE id = $1",
      db::params(session_id));
  Reply r;
  r.data = {{"session_id", session_id}, {"station_status", station_status}, {"transaction_id", transaction_id}};
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
