// The action table: payload -> typed Req (strict, CallError on failure) -> handler -> Conf.
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "handlers/context.hpp"
#include "ocpp/messages/registry.hpp"

namespace evp::ocpp::handlers {
namespace {

using Entry = std::function<asio::awaitable<nlohmann::json>(Context&, detail::StationContext&, const nlohmann::json&)>;

template <class Req, class Conf>
Entry route(asio::awaitable<Conf> (*fn)(Context&, detail::StationContext&, const Req&)) {
  return [fn](Context& ctx, detail::StationContext& station,
              const nlohmann::json& payload) -> asio::awaitable<nlohmann::json> {
    Req req = payload.get<Req>();  // throws CallError with the code of the first violation
    Conf conf = co_await fn(ctx, station, req);
    co_return nlohmann::json(conf);
  };
}

// What a station may send before its BootNotification is Accepted. OCPP 1.6 §4.2: while
// Pending the station "SHALL NOT send request messages to the Central System unless it has
// been instructed by the Central System to do so with a TriggerMessage.req"; the messages
// TriggerMessage can ask for are exactly these (§5.17), and we cannot tell a triggered one
// from an untriggered one, so they are all processed. Everything else (Authorize,
// Start/StopTransaction, DataTransfer) is refused.
bool allowed_before_accept(std::string_view action) {
  return action == "BootNotification" || action == "Heartbeat" || action == "StatusNotification" ||
         action == "MeterValues" || action == "DiagnosticsStatusNotification" || action == "FirmwareStatusNotification";
}

class HandlerDispatcher final : public detail::Dispatcher {
 public:
  HandlerDispatcher(db::Pool& pool, charging::Service& charging, const Config& config, Options options)
      : connectors_(pool, config.connector_flush),
        boots_(pool, config.connector_flush),
        ctx_{pool, charging, config, std::move(options), connectors_, boots_} {
    table_.emplace("BootNotification", route(&boot_notification));
    table_.emplace("Heartbeat", route(&heartbeat));
    table_.emplace("StatusNotification", route(&status_notification));
    table_.emplace("Authorize", route(&authorize));
    table_.emplace("StartTransaction", route(&start_transaction));
    table_.emplace("MeterValues", route(&meter_values));
    table_.emplace("StopTransaction", route(&stop_transaction));
    table_.emplace("DataTransfer", route(&data_transfer));
    table_.emplace("DiagnosticsStatusNotification", route(&diagnostics_status));
    table_.emplace("FirmwareStatusNotification", route(&firmware_status));
  }

  asio::awaitable<nlohmann::json> handle(detail::StationContext& station, const Call& call) override {
    auto it = table_.find(call.action);
    if (it == table_.end()) {
      // OCPP-J §4.2.3: NotImplemented = "Requested Action is not known by receiver";
      // NotSupported = "recognized but not supported". A central-system-only action sent
      // by a station (e.g. RemoteStartTransaction) is recognized, so NotSupported.
      if (is_known_action(call.action))
        throw CallError(ErrorCode::NotSupported, "action " + call.action + " is not sent by a charge point");
      throw CallError(ErrorCode::NotImplemented, "unknown action " + call.action);
    }
    if (!station.accepted && !allowed_before_accept(call.action)) {
      // OCPP 1.6 has no dedicated code; OCPP 2.0.1 (B02.FR.09) answers this case with
      // SecurityError, and that is what a station should see: it is not allowed yet.
      throw CallError(ErrorCode::SecurityError,
                      call.action + " refused: the charge point is not accepted (send BootNotification first)");
    }
    co_return co_await it->second(ctx_, station, call.payload);
  }

  asio::awaitable<void> flush() override {
    co_await connectors_.flush();
    co_await boots_.flush();
  }
  asio::awaitable<void> stop() override {
    co_await connectors_.stop();
    co_await boots_.stop();
  }

 private:
  ConnectorState connectors_;
  BootFacts boots_;
  Context ctx_;
  std::unordered_map<std::string, Entry> table_;
};

}  // namespace

std::unique_ptr<detail::Dispatcher> make_dispatcher(db::Pool& pool, charging::Service& charging, const Config& config,
                                                    Options options) {
  return std::make_unique<HandlerDispatcher>(pool, charging, config, std::move(options));
}

}  // namespace evp::ocpp::handlers
