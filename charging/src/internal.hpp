#pragma once
// Internals shared by the charging sources: the service state, the outbox helper, the
// one-statement helper and the pure rules (rules.hpp) applied to what the statements return.
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>
#include <string_view>

#include "charging/charging.hpp"
#include "push/notification.hpp"

namespace evp::charging {

/// RFC 3339 text in UTC as SQL selects it: to_char(<col> AT TIME ZONE 'UTC', kUtcFormat).
inline constexpr const char* kUtcFormat = "YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"";

/// id_tags.status as stored ('Accepted', 'Blocked', 'Expired', anything else Invalid).
inline TagStatus tag_status_of(std::string_view stored) {
  return stored == "Accepted"  ? TagStatus::Accepted
         : stored == "Blocked" ? TagStatus::Blocked
         : stored == "Expired" ? TagStatus::Expired
                               : TagStatus::Invalid;
}

struct Service::Impl {
  Impl(asio::any_io_executor ex, db::Pool& p, push::Service* ps, Config c)
      : executor(ex), pool(p), push(ps), config(std::move(c)), sweep_timer(ex), idle(ex) {}
  asio::any_io_executor executor;
  db::Pool& pool;
  push::Service* push;
  Config config;
  asio::steady_timer sweep_timer;
  asio::steady_timer idle;  ///< cancelled when the sweeper loop ends (stop() waits on it)
  bool running = false, looping = false;
};

/// Writes notifications into the outbox inside a transaction and wakes the dispatcher once
/// it committed. One per transaction attempt (Pool::transaction may run a body again).
class Outbox {
 public:
  explicit Outbox(push::Service* push) : push_(push) {}
  bool enabled() const;
  /// No-op when push is disabled; otherwise one row per subscription of the user.
  asio::awaitable<void> add(db::Connection& tx, std::string_view user_id, bool owner,
                            const push::Notification& notification);
  void reset() {
    enqueued_ = false;
    written_ = 0;
  }
  /// Rows a function of migration 011 wrote to the outbox.
  void written(std::int64_t rows) {
    if (rows <= 0) return;
    enqueued_ = true;
    written_ += static_cast<std::uint64_t>(rows);
  }
  /// The notifications a transaction message may raise, as the functions of migration 011
  /// take them (p_notes): rendered by push/events.hpp with stand-ins for what only the
  /// database knows (notes.cpp). NULL when push is disabled.
  db::Param notes(const Config& config, const std::string& station_id, int connector_id) const;
  /// Call after COMMIT: waking earlier would let the dispatcher look before the rows exist.
  void wake() const;

 private:
  push::Service* push_;
  bool enqueued_ = false;
  std::uint64_t written_ = 0;  ///< by the database functions; enqueue() counts its own
};

/// One autocommit statement (one round trip), run again on a serialization failure or a
/// deadlock (SQLSTATE 40001/40P01) as Pool::transaction does: the statement rolled back whole.
asio::awaitable<db::Result> statement(db::Pool& pool, std::string_view sql, db::Params params);

/// Authorize rules on a connection (see Service::authorize). `own_transaction` does not count
/// as a concurrent one.
asio::awaitable<Authorization> lookup_tag(db::Connection& c, std::string_view id_tag, bool check_concurrent,
                                          int own_transaction = 0);

/// Sampled values as the eight array parameters (timestamp, measurand, phase, unit, context,
/// location, format, value) of evp_store_samples and the functions that call it.
void append_samples(db::Params& params, const std::vector<Sample>& samples);

/// An Authorization from the status, expiry, parent and client columns of evp_tag()
/// (migration 011), starting at column `col` of row 0; `known` false: an unknown tag.
Authorization authorization_of(const db::Result& r, int col, bool with_client = true);

/// How an active transaction ends (StopTransaction, superseded, swept).
struct Closing {
  int transaction_id = 0;
  std::string station_id;
  std::int64_t meter_stop = 0;
  /// SQL expression-free value: RFC 3339 text; empty = now() (the sweeper).
  std::string stop_timestamp;
  std::string stop_reason;  ///< OCPP Reason
  std::optional<std::string> stop_id_tag;
  std::string end_reason;  ///< stopped | superseded | swept
  std::optional<int> superseded_by;
};
/// Closes a transaction locked FOR UPDATE by the caller: energy, plausibility, the charge
/// (exactly once, through the ledger), the session, notifications - one statement
/// (evp_close_transaction, migration 011). Returns a line for the log.
asio::awaitable<std::string> close_transaction(const Config& config, db::Connection& tx, Outbox& outbox,
                                               const Closing& closing);

}  // namespace evp::charging

namespace evp::charging {

/// SQL: what the driver `c` (a clients row alias) has tied up in running sessions other
/// than the one whose id is `self` (an SQL expression, NULL::uuid for none): for each pending
/// or active session, its reservation or what it has consumed so far, whichever is more.
inline std::string held_by_sessions_sql(const std::string& self) {
  return "evp_held_by_sessions(c.id, " + self + ")";  // migration 011
}

/// SQL predicate on an active transaction `t`: the station has since reported its connector
/// Available, which OCPP 1.6 connectors never are during a transaction - the station lost it
/// (a reboot, a swap). Such a transaction no longer holds the connector or the id tag; it is
/// closed by the next start on the connector or by the sweeper.
inline constexpr const char* kOrphaned =
    "EXISTS (SELECT 1 FROM connectors oc WHERE oc.station_id = t.station_id AND oc.connector_id = t.connector_id "
    "AND oc.status = 'Available' AND oc.updated_at > t.last_activity_at)";

}  // namespace evp::charging
