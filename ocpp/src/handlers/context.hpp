#pragma once
// Internals shared by the handler files: the state every handler sees, the conversions to
// the charging module's terms and the per-action entry points the dispatcher table points at.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "charging/charging.hpp"
#include "db/db.hpp"
#include "handlers/boot_facts.hpp"
#include "handlers/connector_state.hpp"
#include "handlers/handlers.hpp"
#include "ocpp/messages/core.hpp"
#include "ocpp/messages/firmware.hpp"

namespace evp::ocpp::handlers {

namespace asio = boost::asio;

/// Statement parameters without a braced list: GCC 12 rejects an initializer_list inside a
/// co_await expression ("array used as initializer"), so `query(sql, args(a, b))` it is.
template <class... A>
db::Params args(A&&... a) {
  db::Params p;
  p.reserve(sizeof...(a));
  (p.emplace_back(std::forward<A>(a)), ...);
  return p;
}

struct Context {
  db::Pool& pool;
  charging::Service& charging;
  Config config;
  Options options;
  ConnectorState& connectors;
  BootFacts& boots;
};

/// Appends a row to station_events (station happenings an operator should see; the
/// session-related kinds are the charging module's).
asio::awaitable<void> record_event(db::Connection& c, std::string_view station_id, std::string_view kind,
                                   const nlohmann::json& detail);

/// The OCPP IdTagInfo of what the charging module knows about a tag.
IdTagInfo id_tag_info(const charging::Authorization& a);

/// Sampled values in the charging module's terms (enums as their wire names).
std::vector<charging::Sample> to_samples(const std::vector<MeterValue>& values);
/// Energy.Active.Import.Register readings of the values in Wh, oldest first.
charging::Readings register_readings(const std::vector<MeterValue>& values);

/// Wh of an Energy.Active.Import.Register reading (Raw, whole-meter, Wh or kWh), else nullopt.
std::optional<std::int64_t> register_wh(const SampledValue& sample);

asio::awaitable<BootNotificationConf> boot_notification(Context& ctx, detail::StationContext& station,
                                                        const BootNotificationReq& req);
asio::awaitable<HeartbeatConf> heartbeat(Context& ctx, detail::StationContext& station, const HeartbeatReq& req);
asio::awaitable<StatusNotificationConf> status_notification(Context& ctx, detail::StationContext& station,
                                                            const StatusNotificationReq& req);
asio::awaitable<AuthorizeConf> authorize(Context& ctx, detail::StationContext& station, const AuthorizeReq& req);
asio::awaitable<StartTransactionConf> start_transaction(Context& ctx, detail::StationContext& station,
                                                        const StartTransactionReq& req);
asio::awaitable<MeterValuesConf> meter_values(Context& ctx, detail::StationContext& station, const MeterValuesReq& req);
asio::awaitable<StopTransactionConf> stop_transaction(Context& ctx, detail::StationContext& station,
                                                      const StopTransactionReq& req);
asio::awaitable<DataTransferConf> data_transfer(Context& ctx, detail::StationContext& station,
                                                const DataTransferReq& req);
asio::awaitable<DiagnosticsStatusNotificationConf> diagnostics_status(Context& ctx, detail::StationContext& station,
                                                                      const DiagnosticsStatusNotificationReq& req);
asio::awaitable<FirmwareStatusNotificationConf> firmware_status(Context& ctx, detail::StationContext& station,
                                                                const FirmwareStatusNotificationReq& req);

}  // namespace evp::ocpp::handlers
