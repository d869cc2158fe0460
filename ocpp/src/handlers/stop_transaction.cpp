// StopTransaction: the charging module closes the transaction - energy, plausibility, the
// charge exactly once, completion and low-balance notifications - in one database transaction.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "handlers/live.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<StopTransactionConf> stop_transaction(Context& ctx, detail::StationContext& station,
                                                      const StopTransactionReq& req) {
  charging::StopRequest stop{.station_id = station.station_id,
                             .transaction_id = req.transactionId,
                             .meter_stop = req.meterStop,
                             .timestamp = req.timestamp,
                             .reason = std::string(to_string(req.reason.value_or(Reason::Local))),
                             .id_tag = req.idTag ? std::optional<std::string>(req.idTag->str()) : std::nullopt,
                             .transaction_data = req.transactionData ? to_samples(*req.transactionData)
                                                                     : std::vector<charging::Sample>{}};
  const charging::StopResult r = co_await ctx.charging.stop_transaction(stop);
  StopTransactionConf conf;
  if (r.authorization) conf.idTagInfo = id_tag_info(*r.authorization);
  spdlog::info("{}: StopTransaction tx {} meter {}: {}", station.station_id, req.transactionId, req.meterStop,
               r.outcome);
  const auto executor = co_await asio::this_coro::executor;
  live_stopped(ctx, executor, station, req);
  co_return conf;
}

}  // namespace evp::ocpp::handlers
