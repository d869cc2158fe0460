// MeterValues: every sampled value stored and the transaction's energy advanced by the
// charging module; when its rules say so, the server stops the session itself.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<MeterValuesConf> meter_values(Context& ctx, detail::StationContext& station,
                                              const MeterValuesReq& req) {
  charging::MeterRequest m{.station_id = station.station_id,
                           .connector_id = req.connectorId,
                           .transaction_id = req.transactionId,
                           .samples = to_samples(req.meterValue),
                           .readings = register_readings(req.meterValue)};
  const charging::MeterResult r = co_await ctx.charging.meter_values(m);
  if (r.stop_due && ctx.options.on_stop_due) {
    try {
      ctx.options.on_stop_due(*r.stop_due);
    } catch (const std::exception& e) {
      spdlog::error("{}: on_stop_due hook failed: {}", station.station_id, e.what());
    }
  }
  co_return MeterValuesConf{};
}

}  // namespace evp::ocpp::handlers
