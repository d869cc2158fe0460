// StatusNotification: connector state, and charging_error (by the charging module) to the
// driver of a running session.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

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

}  // namespace

asio::awaitable<StatusNotificationConf> status_notification(Context& ctx, detail::StationContext& station,
                                                            const StatusNotificationReq& req) {
  const std::string error_code(to_string(req.errorCode));
  const bool fault = req.errorCode != ChargePointErrorCode::NoError;
  bool notified = false;
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    notified = false;
    db::Params params1 =
        args(db::param(station.station_id), db::param(req.connectorId), db::param(to_string(req.status)),
             db::param(error_code), opt(req.info), opt(req.vendorId), opt(req.vendorErrorCode),
             req.timestamp ? db::param(common::format_datetime(*req.timestamp)) : db::null());
    auto r = co_await tx.query(kUpsert, std::move(params1));
    if (r.empty()) co_return;  // stale notification: nothing changed
    bool new_fault = fault && (r.is_null(0, 0) || r.get(0, 0) != error_code);
    if (!new_fault) co_return;
    // charging_error to the drivers of the sessions running there, in this same transaction.
    const std::string vendor_error = req.vendorErrorCode ? req.vendorErrorCode->str() : "";
    notified = co_await ctx.charging.connector_fault(tx, station.station_id, req.connectorId, error_code, vendor_error);
  });
  if (notified) ctx.charging.wake_push();
  if (fault)
    spdlog::warn("{}: connector {} {} {} ({})", station.station_id, req.connectorId, to_string(req.status), error_code,
                 req.vendorErrorCode ? req.vendorErrorCode->str() : "");
  co_return StatusNotificationConf{};
}

}  // namespace evp::ocpp::handlers
