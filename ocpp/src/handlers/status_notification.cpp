// StatusNotification: connector state, and charging_error to the driver of a running session.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "push/events.hpp"

namespace evp::ocpp::handlers {
namespace {

db::Param opt(const auto& v) { return v ? db::param(v->str()) : db::null(); }

// Upsert that also returns the error code the connector had before, so a station that
// repeats the same fault (after a reconnect, or on every status change) notifies once.
// A notification older than the stored one (stations replay queued messages after an
// outage) must not overwrite newer state. `prev` reads the statement's snapshot, i.e. the row
// before this upsert (a FOR UPDATE there would skip the row this same statement updates).
constexpr const char* kUpsert = R"(
  WITH prev AS (SELECT error_code FROM connectors WHERE station_id = $1 AND connector_id = $2)
  INSERT INTO connectors AS c (station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code,
                               status_timestamp, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()), now())
  ON CONFLICT (station_id, connector_id) DO UPDATE
     SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, info = EXCLUDED.info,
         vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code,
         status_timestamp = EXCLUDED.status_timestamp, updated_at = now()
   WHERE c.status_timestamp IS NULL OR EXCLUDED.status_timestamp >= c.status_timestamp
  RETURNING (SELECT error_code FROM prev))";

// Sessions running on the connector (connector 0 = the whole charge point).
constexpr const char* kActiveSessions = R"(
  SELECT cs.id, cs.client_id, t.connector_id, s.display_name
    FROM transactions t
    JOIN charging_sessions cs ON cs.transaction_id = t.id
    JOIN stations s ON s.id = t.station_id
   WHERE t.station_id = $1 AND t.status = 'active' AND ($2 = 0 OR t.connector_id = $2)
     AND cs.client_id IS NOT NULL)";

}  // namespace

asio::awaitable<StatusNotificationConf> status_notification(Context& ctx, detail::StationContext& station,
                                                            const StatusNotificationReq& req) {
  const std::string error_code(to_string(req.errorCode));
  const bool fault = req.errorCode != ChargePointErrorCode::NoError;
  Outbox outbox(ctx.push);
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    outbox.reset();
    db::Params params1 =
        args(db::param(station.station_id), db::param(req.connectorId), db::param(to_string(req.status)),
             db::param(error_code), opt(req.info), opt(req.vendorId), opt(req.vendorErrorCode),
             req.timestamp ? db::param(common::format_datetime(*req.timestamp)) : db::null());
    auto r = co_await tx.query(kUpsert, std::move(params1));
    if (r.empty()) co_return;  // stale notification: nothing changed
    bool new_fault = fault && (r.is_null(0, 0) || r.get(0, 0) != error_code);
    if (!new_fault || !outbox.enabled()) co_return;
    db::Params params2 = args(db::param(station.station_id), db::param(req.connectorId));
    auto sessions = co_await tx.query(kActiveSessions, std::move(params2));
    for (int i = 0; i < sessions.rows(); ++i) {
      push::events::Station st{station.station_id, std::string(sessions.get(i, 3))};
      auto note = push::events::charging_error(sessions.get(i, 0), st, static_cast<int>(sessions.get_int(i, 2)),
                                               error_code, req.vendorErrorCode ? req.vendorErrorCode->str() : "");
      co_await outbox.add(tx, sessions.get(i, 1), push::UserType::Client, note);
    }
  });
  outbox.wake();
  if (fault)
    spdlog::warn("{}: connector {} {} {} ({})", station.station_id, req.connectorId, to_string(req.status), error_code,
                 req.vendorErrorCode ? req.vendorErrorCode->str() : "");
  co_return StatusNotificationConf{};
}

}  // namespace evp::ocpp::handlers
