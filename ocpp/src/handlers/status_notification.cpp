// StatusNotification: connector state (held on the loop and written behind, see
// connector_state.hpp), and charging_error (by the charging module) to the driver of a
// running session, committed before the answer.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "handlers/live.hpp"

namespace evp::ocpp::handlers {
namespace {

db::Param opt(const std::optional<std::string>& v) { return v ? db::param(*v) : db::null(); }

// Upsert that also returns the error code the connector had before, so a station that
// repeats the same fault (after a reconnect, or on every status change) notifies once.
// A notification older than the stored one (stations replay queued messages after an
// outage) must not overwrite newer state. `prev` reads the statement's snapshot, i.e. the row
// before this upsert (a FOR UPDATE there would skip the row this same statement updates).
constexpr const char* kUpsert = R"(
  WITH prev AS (SELECT error_code FROM connectors WHERE station_id = $1 AND connector_id = $2)
  INSERT INTO connectors AS c (station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code,
                               status_timestamp, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, now())
  ON CONFLICT (station_id, connector_id) DO UPDATE
     SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, info = EXCLUDED.info,
         vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code,
         status_timestamp = EXCLUDED.status_timestamp, updated_at = now()
   WHERE c.status_timestamp IS NULL OR EXCLUDED.status_timestamp >= c.status_timestamp
  RETURNING (SELECT error_code FROM prev))";

}  // namespace

asio::awaitable<StatusNotificationConf> status_notification(Context& ctx, detail::StationContext& station,
                                                            const StatusNotificationReq& req) {
  ConnectorRow row;
  row.station_id = station.station_id;
  row.connector_id = req.connectorId;
  row.status = std::string(to_string(req.status));
  row.error_code = std::string(to_string(req.errorCode));
  if (req.info) row.info = req.info->str();
  if (req.vendorId) row.vendor_id = req.vendorId->str();
  if (req.vendorErrorCode) row.vendor_error_code = req.vendorErrorCode->str();
  row.at = req.timestamp.value_or(common::now());
  const bool fault = req.errorCode != ChargePointErrorCode::NoError;
  if (fault)
    spdlog::warn("{}: connector {} {} {} ({})", station.station_id, req.connectorId, row.status, row.error_code,
                 row.vendor_error_code.value_or(""));

  // Known connector, no new fault, not becoming Available: nothing to decide, nobody to
  // tell. Answered from memory; the row goes out with the next batch. Becoming Available is
  // written at once: it releases a transaction the station lost (a reboot mid-session) for
  // the next start on the connector and for the driver's card (charging's kOrphaned), and
  // the station or the app may ask for that right after this answer.
  const ConnectorRow* known = ctx.connectors.known(station.station_id, req.connectorId);
  live_connector(ctx, row, known);
  const bool new_fault = fault && known && known->error_code != row.error_code;
  const bool freed = known && row.status == "Available" && known->status != "Available";
  if (known && !new_fault && !freed) {
    auto executor = co_await asio::this_coro::executor;
    ctx.connectors.put(executor, std::move(row));
    co_return StatusNotificationConf{};
  }

  // A connector the loop does not know yet (the database tells what it had), a fault that
  // is new for it, or a connector that became Available: written, with the charging_error
  // of a session running there, in one transaction before the answer.
  const bool known_before = known != nullptr;
  bool notified = false, applied = false;
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    notified = applied = false;
    db::Params params1 =
        args(db::param(row.station_id), db::param(row.connector_id), db::param(row.status), db::param(row.error_code),
             opt(row.info), opt(row.vendor_id), opt(row.vendor_error_code), db::param(common::format_datetime(row.at)));
    auto r = co_await tx.query(kUpsert, std::move(params1));
    if (r.empty()) co_return;  // stale notification: nothing changed
    applied = true;
    // Known: new_fault says; unknown: the database says what it had.
    const bool raise = fault && (known_before ? new_fault : (r.is_null(0, 0) || r.get(0, 0) != row.error_code));
    if (!raise) co_return;
    // charging_error to the drivers of the sessions running there, in this same transaction.
    const std::string vendor_error = row.vendor_error_code.value_or("");
    notified =
        co_await ctx.charging.connector_fault(tx, row.station_id, row.connector_id, row.error_code, vendor_error);
  });
  if (applied)
    ctx.connectors.remember(std::move(row));
  else
    ctx.connectors.forget(station.station_id, req.connectorId);  // the database holds newer state
  if (notified) ctx.charging.wake_push();
  co_return StatusNotificationConf{};
}

}  // namespace evp::ocpp::handlers
