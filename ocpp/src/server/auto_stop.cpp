// The server stops a session itself when the charging rules say so (a kWh or som limit,
// or the driver's available balance running out): RemoteStopTransaction, once.
#include "server/auto_stop.hpp"

#include <spdlog/spdlog.h>

#include "charging/charging.hpp"

namespace evp::ocpp::detail {

asio::awaitable<void> auto_stop(CentralSystem& cs, charging::Service& charging, charging::StopDue due) {
  try {
    // The claim makes a burst of MeterValues (or the driver's own stop) send one request.
    if (!co_await charging.claim_auto_stop(due.transaction_id, due.reason)) co_return;
    spdlog::info("transaction {} on {}: {} reached ({} Wh), sending RemoteStopTransaction", due.transaction_id,
                 due.station_id, due.reason, due.energy_wh);
    std::string failure;
    try {
      RemoteStopTransactionReq req{.transactionId = due.transaction_id};
      const RemoteStopTransactionConf conf = co_await cs.call(due.station_id, req);
      if (conf.status != RemoteStartStopStatus::Accepted) failure = "station answered Rejected";
    } catch (const CallFailed& e) {
      failure = e.what();
    }
    if (failure.empty()) co_return;
    spdlog::warn("transaction {}: automatic stop failed ({}); will retry on the next meter reading",
                 due.transaction_id, failure);
    co_await charging.release_auto_stop(due.transaction_id);
  } catch (const std::exception& e) {
    spdlog::warn("automatic stop of transaction {}: {}", due.transaction_id, e.what());
  }
}

}  // namespace evp::ocpp::detail
