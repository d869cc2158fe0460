#include "server/pg_status_store.hpp"

#include "db/arrays.hpp"
#include "push/events.hpp"
#include "push/service.hpp"

namespace evp::ocpp::detail {

asio::awaitable<void> PgStatusStore::store_transition(const std::string& station_id, bool online,
                                                      common::TimePoint changed_at, common::TimePoint last_seen) {
  // One statement for the transition; the history row is only written when the status
  // really changed, so a transition replayed after a failed write cannot duplicate history
  // (nor its notification).
  static constexpr const char* kSql =
      "WITH u AS (UPDATE stations SET status = $2, status_changed_at = $3::timestamptz,"
      " last_seen_at = GREATEST(last_seen_at, $4::timestamptz)"
      " WHERE id = $1 AND status <> $2 RETURNING id)"
      " INSERT INTO station_status_history (station_id, status, last_seen_at, changed_at)"
      " SELECT id, $2, $4::timestamptz, $3::timestamptz FROM u RETURNING station_id";
  // The owner is told once per offline episode (this transition) and not more often than
  // offline_notify_interval for a station that keeps dropping off.
  static constexpr const char* kClaimNotificationSql =
      "UPDATE stations s SET offline_notified_at = NOW() FROM locations l"
      " WHERE s.id = $1 AND l.id = s.location_id"
      " AND (s.offline_notified_at IS NULL OR s.offline_notified_at <= NOW() - make_interval(secs => $2::int))"
      " RETURNING l.user_id::text, coalesce(s.display_name, '')";
  const std::string status = online ? "online" : "offline";
  const std::string changed = common::format_datetime(changed_at);
  const std::string seen = common::format_datetime(last_seen);
  if (online || push_ == nullptr || !push_->enabled()) {
    auto params = db::params(station_id, status, changed, seen);
    co_await pool_.query(kSql, std::move(params));
    co_return;
  }
  // Going offline with push on: the transition and the owner's outbox row commit together,
  // so a crash cannot record the one without the other.
  bool enqueued = false;
  co_await pool_.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    enqueued = false;  // the body may run again after a serialization failure
    auto params = db::params(station_id, status, changed, seen);
    auto changed_rows = co_await tx.query(kSql, std::move(params));
    if (changed_rows.empty()) co_return;
    auto claim_params = db::params(station_id, static_cast<std::int64_t>(offline_notify_interval_.count()));
    auto owner = co_await tx.query(kClaimNotificationSql, std::move(claim_params));
    if (owner.empty()) co_return;  // no owner, or notified within the interval
    const std::string owner_id(owner.get(0, 0));
    const push::events::Station station{station_id, std::string(owner.get(0, 1))};
    const auto notification = push::events::station_offline(station, last_seen);
    co_await push_->enqueue(tx, owner_id, push::UserType::Owner, notification);
    enqueued = true;
  });
  if (enqueued) push_->wake();
}

asio::awaitable<void> PgStatusStore::store_last_seen(
    const std::vector<std::pair<std::string, common::TimePoint>>& batch) {
  if (batch.empty()) co_return;
  std::vector<std::string> ids, times;
  ids.reserve(batch.size());
  times.reserve(batch.size());
  for (const auto& [id, t] : batch) {
    ids.push_back(id);
    times.push_back(common::format_datetime(t));
  }
  static constexpr const char* kSql =
      "UPDATE stations s SET last_seen_at = v.t FROM unnest($1::text[], $2::timestamptz[]) AS v(id, t)"
      " WHERE s.id = v.id AND (s.last_seen_at IS NULL OR s.last_seen_at < v.t)";
  co_await pool_.query(kSql, db::params(db::text_array(ids), db::text_array(times)));
}

asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> PgStatusStore::load_online() {
  auto r = co_await pool_.query(
      "SELECT id, to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
      " FROM stations WHERE status = 'online'");
  std::vector<std::pair<std::string, std::optional<common::TimePoint>>> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    std::optional<common::TimePoint> t;
    if (!r.is_null(i, 1)) t = common::parse_datetime(r.get(i, 1));
    out.emplace_back(std::string(r.get(i, 0)), t);
  }
  co_return out;
}

}  // namespace evp::ocpp::detail
