#pragma once
// The station -> central system side of OCPP 1.6: the Dispatcher the WebSocket transport
// calls for every CALL, and the hooks other modules plug into it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "ocpp/central_system.hpp"
#include "server/dispatcher.hpp"

namespace evp::charging {
class Service;
struct StopDue;
}  // namespace evp::charging

namespace evp::ocpp {
class LiveEvents;
struct DataTransferReq;
struct DataTransferConf;
}  // namespace evp::ocpp

namespace evp::ocpp::handlers {

/// Answers a DataTransfer for one vendorId (the CS side of a vendor extension).
using DataTransferHandler =
    std::function<boost::asio::awaitable<DataTransferConf>(const std::string& station_id, const DataTransferReq& req)>;

struct Options {
  /// BootNotification.conf interval for Pending/Rejected stations: when to try again.
  std::chrono::seconds boot_retry_interval{60};
  /// Called on the loop after a MeterValues commit when the charging rules say the server
  /// should stop the session (its kWh or som limit, or the driver's available balance). The
  /// callback must not block (co_spawn the RemoteStopTransaction). Exceptions are logged.
  std::function<void(const charging::StopDue&)> on_stop_due;
  /// Where the handlers tell operators what happens (connector states, boots, transactions);
  /// null: nobody (unit tests).
  LiveEvents* live = nullptr;
  /// vendorId -> handler. Unknown vendorIds are answered UnknownVendorId and recorded.
  std::map<std::string, DataTransferHandler> data_transfer;
};

/// The dispatcher for station CALLs. `pool` and `charging` must outlive it. Payloads are
/// validated into the typed Req structs (CallError on failure), handled (sessions and money
/// by the charging module, station state against PostgreSQL), and the Conf returned as JSON.
std::unique_ptr<detail::Dispatcher> make_dispatcher(db::Pool& pool, charging::Service& charging, const Config& config,
                                                    Options options = {});

}  // namespace evp::ocpp::handlers
