// StopTransaction: energy and cost, the balance charged exactly once, completion and
// low-balance notifications - one database transaction. Also charging_error on faults.
#include <spdlog/spdlog.h>

#include "internal.hpp"
#include "push/events.hpp"

namespace evp::charging {
namespace {

constexpr const char* kLock = R"(
  SELECT status, coalesce(end_reason, 'stopped'), meter_stop, connector_id FROM transactions
   WHERE id = $1 AND station_id = $2 FOR UPDATE)";

// Sessions running on the connector (connector 0 = the whole charge point).
constexpr const char* kActiveSessions = R"(
  SELECT cs.id, cs.client_id, t.connector_id, s.display_name
    FROM transactions t
    JOIN charging_sessions cs ON cs.transaction_id = t.id
    JOIN stations s ON s.id = t.station_id
   WHERE t.station_id = $1 AND t.status = 'active' AND ($2 = 0 OR t.connector_id = $2)
     AND cs.client_id IS NOT NULL)";

}  // namespace

asio::awaitable<StopResult> Service::stop_transaction(const StopRequest& req) {
  StopResult out;
  Outbox outbox(impl_->push);
  co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    outbox.reset();
    out = {};
    if (req.id_tag) out.authorization = co_await lookup_tag(tx, *req.id_tag, /*check_concurrent=*/false);

    db::Params lp = db::params(db::param(req.transaction_id), db::param(req.station_id));
    auto t = co_await tx.query(kLock, std::move(lp));
    if (t.empty()) {
      // Stations replay stops of transactions the central system never saw (lost
      // StartTransaction, a database restored from backup). Answer normally so the station
      // can drop it from its queue; keep it visible to the operator.
      out.outcome = "unknown transaction";
      nlohmann::json detail = {{"transactionId", req.transaction_id}, {"meterStop", req.meter_stop},
                               {"timestamp", common::format_datetime(req.timestamp)}, {"reason", req.reason}};
      if (req.id_tag) detail["idTag"] = *req.id_tag;
      co_await record_event(tx, req.station_id, "unknown_transaction_stop", detail);
      co_return;
    }
    const int connector = static_cast<int>(t.get_int(0, 3));
    const std::string ended(t.get(0, 1));
    if (t.get(0, 0) != "active" && ended == "stopped") {
      out.outcome = "already completed (replay)";
      co_return;  // same answer, no side effects
    }
    if (!req.transaction_data.empty())
      co_await store_samples(tx, req.station_id, connector, req.transaction_id, req.transaction_data);
    if (t.get(0, 0) != "active") {
      // The central system closed it already (superseded or swept) at the last reading it
      // knew; the station's own stop arrives late. It was charged once; the operator sees
      // what the station says.
      out.outcome = "already closed (" + ended + "), late stop recorded";
      const nlohmann::json detail = {{"transaction_id", req.transaction_id},
                                     {"meter_stop", req.meter_stop},
                                     {"closed_at_meter", t.is_null(0, 2) ? nlohmann::json(nullptr)
                                                                         : nlohmann::json(t.get_int(0, 2))},
                                     {"closed_as", ended}};
      co_await record_event(tx, req.station_id, "late_stop", detail);
      co_return;
    }
    Closing c;
    c.transaction_id = req.transaction_id;
    c.station_id = req.station_id;
    c.meter_stop = req.meter_stop;
    c.stop_timestamp = common::format_datetime(req.timestamp);
    c.stop_reason = req.reason;
    c.stop_id_tag = req.id_tag;
    c.end_reason = "stopped";
    out.outcome = co_await close_transaction(impl_->config, tx, outbox, c);
  });
  outbox.wake();
  co_return out;
}

asio::awaitable<bool> Service::connector_fault(db::Connection& tx, const std::string& station_id, int connector_id,
                                               const std::string& error_code, const std::string& vendor_error_code) {
  Outbox outbox(impl_->push);
  if (!outbox.enabled()) co_return false;
  db::Params p = db::params(db::param(station_id), db::param(connector_id));
  auto sessions = co_await tx.query(kActiveSessions, std::move(p));
  for (int i = 0; i < sessions.rows(); ++i) {
    const push::events::Station st{station_id, std::string(sessions.get(i, 3))};
    const auto note = push::events::charging_error(sessions.get(i, 0), st, static_cast<int>(sessions.get_int(i, 2)),
                                                   error_code, vendor_error_code);
    const std::string client(sessions.get(i, 1));
    co_await outbox.add(tx, client, /*owner=*/false, note);
  }
  co_return sessions.rows() > 0;
}

}  // namespace evp::charging
