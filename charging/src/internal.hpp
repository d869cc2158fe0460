#pragma once
// Internals shared by the charging sources: the service state, the outbox helper, the
// event log and the pure rules (rules.hpp) applied inside database transactions.
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
  void reset() { enqueued_ = false; }
  /// Call after COMMIT: waking earlier would let the dispatcher look before the rows exist.
  void wake() const;

 private:
  push::Service* push_;
  bool enqueued_ = false;
};

/// Appends a session event (station_events, kinds of the charging module) for the operator.
asio::awaitable<void> record_event(db::Connection& tx, std::string_view station_id, std::string_view kind,
                                   const nlohmann::json& detail);

/// Authorize rules on a connection (see Service::authorize). `own_transaction` does not count
/// as a concurrent one.
asio::awaitable<Authorization> lookup_tag(db::Connection& c, std::string_view id_tag, bool check_concurrent,
                                          int own_transaction = 0);

/// Stores sampled values in one INSERT (unnest of arrays).
asio::awaitable<void> store_samples(db::Connection& tx, std::string_view station_id, int connector_id,
                                    std::optional<int> transaction_id, const std::vector<Sample>& samples);

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
/// (exactly once, through the ledger), the session, notifications. Returns a line for the log.
asio::awaitable<std::string> close_transaction(const Config& config, db::Connection& tx, Outbox& outbox,
                                               const Closing& closing);

/// The driver's notification of low balance after a debit, at most once per 24 h.
asio::awaitable<void> warn_low_balance(const Config& config, db::Connection& tx, Outbox& outbox,
                                       const std::string& client_id);

}  // namespace evp::charging

namespace evp::charging {

/// SQL: what the driver `c` (a clients row alias) has tied up in running sessions other
/// than the one whose id is `self` (an SQL expression, NULL for none): for each pending or
/// active session, its reservation or what it has consumed so far, whichever is more.
/// Clamped so that absurd meter readings cannot overflow the money type.
std::string held_by_sessions_sql(const std::string& self);

/// SQL predicate on an active transaction `t`: the station has since reported its connector
/// Available, which OCPP 1.6 connectors never are during a transaction - the station lost it
/// (a reboot, a swap). Such a transaction no longer holds the connector or the id tag; it is
/// closed by the next start on the connector or by the sweeper.
inline constexpr const char* kOrphaned =
    "EXISTS (SELECT 1 FROM connectors oc WHERE oc.station_id = t.station_id AND oc.connector_id = t.connector_id "
    "AND oc.status = 'Available' AND oc.updated_at > t.last_activity_at)";

}  // namespace evp::charging
