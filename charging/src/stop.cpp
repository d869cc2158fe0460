// StopTransaction: energy and cost, the balance charged exactly once, completion and
// low-balance notifications - one statement, evp_stop_transaction (migration 011). Also
// charging_error on faults.
#include <spdlog/spdlog.h>

#include "internal.hpp"
#include "push/events.hpp"

namespace evp::charging {
namespace {

constexpr const char* kStop = R"(
  SELECT o_known, o_status, o_expiry, o_parent, o_outcome, o_enqueued
    FROM evp_stop_transaction($1, $2, $3, $4::timestamptz, $5, $6, $7, $8::timestamptz[], $9::text[], $10::text[],
                              $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16, $17::numeric, $18,
                              $19::jsonb))";

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
  const Config& cfg = impl_->config;
  const std::string timestamp = common::format_datetime(req.timestamp);
  const db::Param tag = req.id_tag ? db::param(*req.id_tag) : db::null();
  db::Params p = db::params(db::param(req.station_id), db::param(req.transaction_id), db::param(req.meter_stop),
                            db::param(timestamp), db::param(req.reason), tag, db::param(timestamp));
  append_samples(p, req.transaction_data);
  p.push_back(db::param(cfg.default_max_power_w));
  p.push_back(db::param(cfg.low_balance_threshold.str()));
  p.push_back(db::param(cfg.push_ttl_seconds));
  p.push_back(outbox.notes(cfg, req.station_id, 0));
  auto r = co_await statement(impl_->pool, kStop, std::move(p));
  if (req.id_tag) {
    if (r.get(0, 0) == "t")
      out.authorization = authorization_of(r, 1, /*with_client=*/false);
    else
      out.authorization = Authorization{};  // unknown tag: Invalid
  }
  out.outcome = std::string(r.get(0, 4));
  outbox.written(r.get_int(0, 5));
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
