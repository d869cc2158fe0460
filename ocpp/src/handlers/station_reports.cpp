// DiagnosticsStatusNotification and FirmwareStatusNotification: recorded for the operator.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<DiagnosticsStatusNotificationConf> diagnostics_status(Context& ctx, detail::StationContext& station,
                                                                      const DiagnosticsStatusNotificationReq& req) {
  const nlohmann::json detail = {{"status", to_string(req.status)}};
  db::Params params1 = args(db::param(station.station_id), db::param(detail.dump()));
  co_await ctx.pool.query(
      "INSERT INTO station_events (station_id, kind, detail) VALUES ($1, 'diagnostics_status', $2::jsonb)",
      std::move(params1));
  co_return DiagnosticsStatusNotificationConf{};
}

asio::awaitable<FirmwareStatusNotificationConf> firmware_status(Context& ctx, detail::StationContext& station,
                                                                const FirmwareStatusNotificationReq& req) {
  const std::string status(to_string(req.status));
  const nlohmann::json detail = {{"status", status}};
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    db::Params params2 = args(db::param(station.station_id), db::param(status));
    co_await tx.query("UPDATE stations SET firmware_status = $2, firmware_status_at = now() WHERE id = $1",
                      std::move(params2));
    co_await record_event(tx, station.station_id, "firmware_status", detail);
  });
  spdlog::info("{}: firmware {}", station.station_id, status);
  co_return FirmwareStatusNotificationConf{};
}

}  // namespace evp::ocpp::handlers
