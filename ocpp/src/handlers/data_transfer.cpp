// DataTransfer: vendor extensions by vendorId; anything else is UnknownVendorId.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<DataTransferConf> data_transfer(Context& ctx, detail::StationContext& station,
                                                const DataTransferReq& req) {
  auto it = ctx.options.data_transfer.find(req.vendorId.str());
  if (it != ctx.options.data_transfer.end()) co_return co_await it->second(station.station_id, req);
  // OCPP 1.6 §4.3: "If the recipient of the request has no implementation for the specific
  // vendorId it SHALL return a status 'UnknownVendorId'". Recorded: it is usually a station
  // configured for another central system, which an operator wants to know about.
  db::Params params1 = args(db::param(station.station_id), db::param(nlohmann::json(req).dump()));
  co_await ctx.pool.query(
      "INSERT INTO station_events (station_id, kind, detail) VALUES ($1, 'data_transfer_unknown_vendor', $2::jsonb)",
      std::move(params1));
  spdlog::info("{}: DataTransfer from unknown vendor {}", station.station_id, req.vendorId.str());
  co_return DataTransferConf{.status = DataTransferStatus::UnknownVendorId};
}

}  // namespace evp::ocpp::handlers
