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

namespace evp::push {
class Service;
}

namespace evp::ocpp {
struct DataTransferReq;
struct DataTransferConf;
}  // namespace evp::ocpp

namespace evp::ocpp::handlers {

/// Energy of a running transaction after a MeterValues reading was stored.
struct MeterUpdate {
  std::string station_id;
  int connector_id = 0;
  int transaction_id = 0;
  std::int64_t meter_wh = 0;   ///< newest Energy.Active.Import.Register reading (Wh)
  std::int64_t energy_wh = 0;  ///< meter_wh - meter_start: energy delivered so far
};

/// Answers a DataTransfer for one vendorId (the CS side of a vendor extension).
using DataTransferHandler =
    std::function<boost::asio::awaitable<DataTransferConf>(const std::string& station_id, const DataTransferReq& req)>;

struct Options {
  /// Balance (som, decimal text) under which a driver gets low_balance_warning after a session.
  std::string low_balance_threshold = "50.00";
  /// BootNotification.conf interval for Pending/Rejected stations: when to try again.
  std::chrono::seconds boot_retry_interval{60};
  /// Called on the loop after a MeterValues commit that advanced a transaction's energy.
  /// Meant for session limits (kWh / som) and balance checks: the API module stops a session
  /// from here (co_spawn a RemoteStopTransaction; the callback itself must not block).
  /// Exceptions are logged and swallowed.
  std::function<void(const MeterUpdate&)> on_meter;
  /// vendorId -> handler. Unknown vendorIds are answered UnknownVendorId and recorded.
  std::map<std::string, DataTransferHandler> data_transfer;
};

/// The dispatcher for station CALLs. `push` may be null (push disabled). `pool` and `push`
/// must outlive it. Payloads are validated into the typed Req structs (CallError on
/// failure), handled against PostgreSQL, and the Conf is returned as JSON.
std::unique_ptr<detail::Dispatcher> make_dispatcher(db::Pool& pool, push::Service* push, const Config& config,
                                                    Options options = {});

}  // namespace evp::ocpp::handlers
