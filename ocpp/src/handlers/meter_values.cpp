// MeterValues: every sampled value stored; the energy register advances the transaction.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<MeterValuesConf> meter_values(Context& ctx, detail::StationContext& station,
                                              const MeterValuesReq& req) {
  // Register readings in the order the station took them.
  std::vector<std::pair<DateTime, std::int64_t>> readings;
  for (const auto& mv : req.meterValue)
    for (const auto& s : mv.sampledValue)
      if (auto wh = register_wh(s)) readings.emplace_back(mv.timestamp, *wh);
  std::stable_sort(readings.begin(), readings.end(), [](auto& a, auto& b) { return a.first < b.first; });

  std::optional<MeterUpdate> update;
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    update.reset();
    co_await store_meter_values(tx, station.station_id, req.connectorId, req.transactionId, req.meterValue);
    if (!req.transactionId || readings.empty()) co_return;
    db::Params params1 = args(db::param(*req.transactionId), db::param(station.station_id));
    auto t = co_await tx.query(
        "SELECT meter_start, meter_last, connector_id FROM transactions "
        "WHERE id = $1 AND station_id = $2 AND status = 'active' FOR UPDATE",
        std::move(params1));
    if (t.empty()) co_return;  // unknown or finished transaction: values are stored, nothing to count
    const std::int64_t start = t.get_int(0, 0);
    std::int64_t last = t.is_null(0, 1) ? start : t.get_int(0, 1);
    const std::int64_t before = last;
    for (const auto& [ts, wh] : readings) {
      if (wh < last) {
        // Meters do not run backwards; a lower reading is a meter reset, a swapped meter or
        // firmware trouble. Counting it would refund energy, so it is kept only as evidence.
        spdlog::warn("{}: transaction {} meter went backwards: {} Wh < {} Wh", station.station_id, *req.transactionId,
                     wh, last);
        const nlohmann::json detail = {{"transaction_id", *req.transactionId},
                                       {"reading_wh", wh},
                                       {"last_wh", last},
                                       {"timestamp", common::format_datetime(ts)},
                                       {"source", "MeterValues"}};
        co_await record_event(tx, station.station_id, "meter_backwards", detail);
        continue;
      }
      last = wh;
    }
    if (last == before) co_return;
    db::Params params2 = args(db::param(*req.transactionId), db::param(last));
    co_await tx.query("UPDATE transactions SET meter_last = $2, updated_at = now() WHERE id = $1", std::move(params2));
    update = MeterUpdate{station.station_id, static_cast<int>(t.get_int(0, 2)), *req.transactionId, last, last - start};
  });
  if (update && ctx.options.on_meter) {
    try {
      ctx.options.on_meter(*update);
    } catch (const std::exception& e) {
      spdlog::error("{}: on_meter hook failed: {}", station.station_id, e.what());
    }
  }
  co_return MeterValuesConf{};
}

}  // namespace evp::ocpp::handlers
