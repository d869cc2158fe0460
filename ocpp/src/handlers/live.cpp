// The handlers' live events: what operators see in the management API's stream.
#include "handlers/live.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>

#include "ocpp/live_events.hpp"

namespace evp::ocpp::handlers {

namespace {

bool listening(const Context& ctx) { return ctx.options.live != nullptr && ctx.options.live->listening(); }

nlohmann::json opt_json(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

std::string kwh(std::int64_t wh) {
  const bool negative = wh < 0;
  const auto a = negative ? -wh : wh;
  char text[32];
  std::snprintf(text, sizeof text, "%s%lld.%03lld", negative ? "-" : "", static_cast<long long>(a / 1000),
                static_cast<long long>(a % 1000));
  return text;
}

nlohmann::json transaction_data(const charging::OwnerTransaction& t) {
  return {{"transaction_id", t.transaction_id},
          {"station_id", t.station_id},
          {"connector_id", t.connector_id},
          {"session_id", opt_json(t.session_id)},
          {"client_id", opt_json(t.client_id)},
          {"id_tag", t.id_tag},
          {"status", t.status},
          {"started_at", t.started_at},
          {"stopped_at", opt_json(t.stopped_at)},
          {"energy_wh", t.energy_wh},
          {"energy_kwh", kwh(t.energy_wh)},
          {"amount", t.charged ? nlohmann::json(t.charged->str()) : nlohmann::json()},
          {"price_per_kwh", t.price_per_kwh.str()},
          {"stop_reason", opt_json(t.stop_reason)},
          {"end_reason", opt_json(t.end_reason)},
          {"billing", opt_json(t.billing)}};
}

// Reads the transaction back and publishes it; never throws (the station was answered).
asio::awaitable<void> publish_transaction(Context& ctx, std::string station_id, int transaction_id, std::string change,
                                          nlohmann::json extra) {
  try {
    auto t = co_await ctx.charging.transaction(station_id, transaction_id);
    if (!listening(ctx)) co_return;
    if (!t) {
      if (change != "completed") co_return;
      nlohmann::json fault{{"kind", "unknown_transaction_stop"},
                           {"station_id", station_id},
                           {"transaction_id", transaction_id}};
      fault.update(extra);
      ctx.options.live->publish("fault", std::move(fault));
      co_return;
    }
    nlohmann::json data = transaction_data(*t);
    data["change"] = change;
    data.update(extra);
    ctx.options.live->publish("session", data);
    if (t->billing && *t->billing == "suspect") {
      ctx.options.live->publish("fault", {{"kind", "suspect_session"},
                                          {"station_id", station_id},
                                          {"connector_id", t->connector_id},
                                          {"transaction_id", transaction_id},
                                          {"session_id", opt_json(t->session_id)},
                                          {"energy_wh", t->energy_wh}});
    }
  } catch (const std::exception& e) {
    spdlog::warn("{}: live event for transaction {} not published: {}", station_id, transaction_id, e.what());
  }
}

}  // namespace

void live_boot(Context& ctx, const detail::StationContext& station, const BootNotificationReq& req,
               const BootNotificationConf& conf) {
  if (!listening(ctx)) return;
  ctx.options.live->publish("station", {{"station_id", station.station_id},
                                        {"change", "boot"},
                                        {"registration_status", to_string(conf.status)},
                                        {"vendor", req.chargePointVendor.str()},
                                        {"model", req.chargePointModel.str()},
                                        {"firmware_version", req.firmwareVersion
                                                                 ? nlohmann::json(req.firmwareVersion->str())
                                                                 : nlohmann::json()}});
}

void live_connector(Context& ctx, const ConnectorRow& row, const ConnectorRow* before) {
  if (!listening(ctx)) return;
  if (before && before->status == row.status && before->error_code == row.error_code) return;
  nlohmann::json data{{"station_id", row.station_id},
                      {"connector_id", row.connector_id},
                      {"status", row.status},
                      {"error_code", row.error_code},
                      {"info", opt_json(row.info)},
                      {"vendor_error_code", opt_json(row.vendor_error_code)},
                      {"previous_status", before ? nlohmann::json(before->status) : nlohmann::json()},
                      {"timestamp", common::format_datetime(row.at)}};
  ctx.options.live->publish("connector", data);
  if (row.error_code != "NoError" && (!before || before->error_code != row.error_code)) {
    data["kind"] = "connector_error";
    ctx.options.live->publish("fault", std::move(data));
  }
}

void live_started(Context& ctx, asio::any_io_executor executor, const detail::StationContext& station,
                  const StartTransactionReq& req, const charging::StartResult& result) {
  if (!listening(ctx) || result.replay) return;
  if (!result.superseded.empty())
    ctx.options.live->publish("fault", {{"kind", "transaction_superseded"},
                                        {"station_id", station.station_id},
                                        {"connector_id", req.connectorId},
                                        {"transaction_ids", result.superseded},
                                        {"superseded_by", result.transaction_id}});
  nlohmann::json extra{{"meter_start", req.meterStart}, {"id_tag_status", charging::to_string(result.authorization.status)}};
  asio::co_spawn(executor,
                 publish_transaction(ctx, station.station_id, result.transaction_id, "started", std::move(extra)),
                 asio::detached);
}

void live_stopped(Context& ctx, asio::any_io_executor executor, const detail::StationContext& station,
                  const StopTransactionReq& req) {
  if (!listening(ctx)) return;
  nlohmann::json extra{{"meter_stop", req.meterStop}};
  asio::co_spawn(executor, publish_transaction(ctx, station.station_id, req.transactionId, "completed", std::move(extra)),
                 asio::detached);
}

}  // namespace evp::ocpp::handlers
