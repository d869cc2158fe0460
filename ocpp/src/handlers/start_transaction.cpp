// StartTransaction: the charging module records it (closing a transaction the connector
// never stopped) and raises charging_started / new_session in the same database transaction.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "handlers/live.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<StartTransactionConf> start_transaction(Context& ctx, detail::StationContext& station,
                                                        const StartTransactionReq& req) {
  if (req.connectorId <= 0)
    throw CallError(ErrorCode::PropertyConstraintViolation, "connectorId must be > 0 for a transaction",
                    {{"connectorId", req.connectorId}});
  charging::StartRequest start{.station_id = station.station_id,
                               .connector_id = req.connectorId,
                               .id_tag = req.idTag.str(),
                               .meter_start = req.meterStart,
                               .timestamp = req.timestamp,
                               .reservation_id = req.reservationId};
  const charging::StartResult r = co_await ctx.charging.start_transaction(start);
  StartTransactionConf conf{.idTagInfo = id_tag_info(r.authorization), .transactionId = r.transaction_id};
  spdlog::info("{}: StartTransaction connector {} tag {} meter {} -> tx {} {}{}", station.station_id, req.connectorId,
               req.idTag.str(), req.meterStart, conf.transactionId, to_string(conf.idTagInfo.status),
               r.replay ? " (replay)" : "");
  const auto executor = co_await asio::this_coro::executor;
  live_started(ctx, executor, station, req, r);
  co_return conf;
}

}  // namespace evp::ocpp::handlers
