// StartTransaction: a transaction id from the database, the older transaction of the
// connector closed, the driver-facing session, and charging_started / new_session - all in
// one database transaction.
#include <spdlog/spdlog.h>

#include "internal.hpp"
#include "push/events.hpp"

namespace evp::charging {
namespace {

// transactions_replay_key makes a replayed StartTransaction (same station, connector,
// idTag, meterStart, timestamp) land on the existing row; the no-op update is there so
// RETURNING yields that row's id. xmax = 0 only for a freshly inserted row version.
constexpr const char* kInsert = R"(
  INSERT INTO transactions AS t (station_id, connector_id, id_tag, client_id, reservation_id, meter_start,
                                 start_timestamp, price_per_kwh)
  SELECT $1::text, $2::int, $3::text, $4::uuid, $5::int, $6::bigint, $7::timestamptz, s.price_per_kwh
    FROM stations s WHERE s.id = $1::text
  ON CONFLICT ON CONSTRAINT transactions_replay_key DO UPDATE SET updated_at = t.updated_at
  RETURNING t.id, (t.xmax = 0) AS inserted)";

// A connector runs one transaction at a time: one still active when a new one starts was
// never stopped (the station rebooted, was swapped, lost the StopTransaction).
constexpr const char* kOlderOnConnector = R"(
  SELECT id, coalesce(meter_last, meter_start) FROM transactions
   WHERE station_id = $1 AND connector_id = $2 AND status = 'active' AND id <> $3
   ORDER BY id FOR UPDATE)";

// A session the REST API created before RemoteStartTransaction becomes this transaction's.
constexpr const char* kClaimPending = R"(
  UPDATE charging_sessions SET status = 'active', transaction_id = $4, updated_at = now()
   WHERE id = (SELECT id FROM charging_sessions
                WHERE station_id = $1 AND connector_id = $2 AND lower(id_tag) = lower($3) AND status = 'pending'
                ORDER BY created_at DESC LIMIT 1 FOR UPDATE)
  RETURNING id, client_id)";

constexpr const char* kCreateSession = R"(
  INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag, status, transaction_id)
  VALUES ($1, $2, $3, $4, 'active', $5) RETURNING id, client_id)";

// Whether a replayed transaction's session was opened by the app (it then had a deadline).
constexpr const char* kSessionOf =
    "SELECT pending_until IS NOT NULL FROM charging_sessions WHERE transaction_id = $1";

constexpr const char* kStationInfo = R"(
  SELECT s.display_name, l.user_id FROM stations s LEFT JOIN locations l ON l.id = s.location_id WHERE s.id = $1)";

}  // namespace

asio::awaitable<StartResult> Service::start_transaction(const StartRequest& req) {
  StartResult out;
  Outbox outbox(impl_->push);
  const std::string timestamp = common::format_datetime(req.timestamp);
  co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    outbox.reset();
    out = {};
    const Authorization tag = co_await lookup_tag(tx, req.id_tag, /*check_concurrent=*/false);
    const db::Param client = tag.client_id ? db::param(*tag.client_id) : db::null();
    const db::Param reservation = req.reservation_id ? db::param(*req.reservation_id) : db::null();
    db::Params ip = db::params(db::param(req.station_id), db::param(req.connector_id), db::param(req.id_tag), client,
                         reservation, db::param(req.meter_start), db::param(timestamp));
    auto ins = co_await tx.query(kInsert, std::move(ip));
    if (ins.empty()) throw db::Error("StartTransaction from unregistered station " + req.station_id);
    out.transaction_id = static_cast<int>(ins.get_int(0, 0));
    out.replay = !ins.get_bool(0, 1);

    if (!out.replay) {
      db::Params op = db::params(db::param(req.station_id), db::param(req.connector_id), db::param(out.transaction_id));
      auto older = co_await tx.query(kOlderOnConnector, std::move(op));
      for (int i = 0; i < older.rows(); ++i) {
        Closing c;
        c.transaction_id = static_cast<int>(older.get_int(i, 0));
        c.station_id = req.station_id;
        c.meter_stop = older.get_int(i, 1);
        c.stop_timestamp = timestamp;
        c.stop_reason = "Other";
        c.end_reason = "superseded";
        c.superseded_by = out.transaction_id;
        co_await close_transaction(impl_->config, tx, outbox, c);
        out.superseded.push_back(c.transaction_id);
      }
    }
    // The driver-facing session: the one the app opened for this connector and tag
    // (RemoteStartTransaction), or a new one for a charge started at the station.
    std::string session_id;
    std::optional<std::string> client_id;
    bool app_started = false;
    if (out.replay) {
      db::Params rp = db::params(db::param(out.transaction_id));
      auto s = co_await tx.query(kSessionOf, std::move(rp));
      app_started = !s.empty() && s.get_bool(0, 0);
    } else {
      db::Params cp = db::params(db::param(req.station_id), db::param(req.connector_id), db::param(req.id_tag),
                           db::param(out.transaction_id));
      auto s = co_await tx.query(kClaimPending, std::move(cp));
      app_started = !s.empty();
      if (s.empty()) {
        db::Params np = db::params(client, db::param(req.station_id), db::param(req.connector_id), db::param(req.id_tag),
                             db::param(out.transaction_id));
        s = co_await tx.query(kCreateSession, std::move(np));
      }
      session_id = std::string(s.get(0, 0));
      client_id = s.opt(0, 1);
    }
    // A tag may not run two transactions at once - unless the central system itself asked for
    // this one (RemoteStartTransaction from the app: a driver may charge two cars; the
    // balance rule keeps that honest). The transaction itself never counts.
    out.authorization = co_await lookup_tag(tx, req.id_tag, /*check_concurrent=*/!app_started, out.transaction_id);
    if (out.replay) co_return;  // the same id, no second session, no second notification

    if (client_id && client_id != tag.client_id) {
      db::Params up = db::params(db::param(out.transaction_id), db::param(*client_id));
      co_await tx.query("UPDATE transactions SET client_id = $2 WHERE id = $1", std::move(up));
    }

    if (out.authorization.status != TagStatus::Accepted || !outbox.enabled()) co_return;
    db::Params sp = db::params(db::param(req.station_id));
    auto info = co_await tx.query(kStationInfo, std::move(sp));
    const push::events::Station st{req.station_id, std::string(info.get(0, 0))};
    // Notifications are locals, not temporaries in the co_await expression (GCC 12).
    if (client_id) {
      const auto note = push::events::charging_started(session_id, st, req.connector_id);
      co_await outbox.add(tx, *client_id, /*owner=*/false, note);
    }
    if (!info.is_null(0, 1)) {
      const auto note = push::events::new_session(session_id, st, req.connector_id);
      const std::string owner(info.get(0, 1));
      co_await outbox.add(tx, owner, /*owner=*/true, note);
    }
  });
  outbox.wake();
  for (int old : out.superseded)
    spdlog::warn("{}: transaction {} on connector {} was still active: closed, superseded by {}", req.station_id, old,
                 req.connector_id, out.transaction_id);
  co_return out;
}

}  // namespace evp::charging
