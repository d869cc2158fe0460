// What drivers, owners and operators read: sessions, balances, the ledger, revenue, events.
#include "common/time.hpp"
#include "internal.hpp"

namespace evp::charging {
namespace {

std::string utc(const char* column) { return std::string("to_char(") + column + " AT TIME ZONE 'UTC', '" + kUtcFormat + "')"; }

const std::string& session_select() {
  static const std::string sql =
      "SELECT s.id, s.status, s.station_id, s.connector_id, s.limit_kwh::text, s.limit_amount::text, "
      "s.failure_reason, " + utc("s.created_at") + ", " + utc("s.stop_requested_at") + ", s.auto_stop_reason, "
      "t.id, t.meter_start, coalesce(t.meter_stop, t.meter_last, t.meter_start), t.price_per_kwh::text, "
      "t.amount::text, " + utc("t.start_timestamp") + ", " + utc("t.stop_timestamp") + ", t.stop_reason, "
      "st.display_name, st.price_per_kwh::text, s.station_answer, s.reserved_amount::text, t.status, t.end_reason, "
      "t.billing, t.energy_wh "
      "FROM charging_sessions s LEFT JOIN transactions t ON t.id = s.transaction_id "
      "JOIN stations st ON st.id = s.station_id ";
  return sql;
}

SessionView session_of(const db::Result& r, int i) {
  SessionView v;
  v.session_id = r.get(i, 0);
  v.status = r.get(i, 1);
  v.station_id = r.get(i, 2);
  v.station_name = r.opt(i, 18).value_or(v.station_id);
  v.connector_id = static_cast<int>(r.get_int(i, 3));
  v.limit_kwh = r.opt(i, 4);
  v.limit_amount = r.opt(i, 5);
  v.failure_reason = r.opt(i, 6);
  v.created_at = r.get(i, 7);
  v.stop_requested_at = r.opt(i, 8);
  v.auto_stop_reason = r.opt(i, 9);
  v.station_answer = r.opt(i, 20);
  v.reserved = Money::from_db(r.get(i, 21));
  v.price_per_kwh = Money::from_db(r.is_null(i, 13) ? r.get(i, 19) : r.get(i, 13));
  if (r.is_null(i, 10)) return v;
  v.transaction_id = static_cast<int>(r.get_int(i, 10));
  v.started_at = r.opt(i, 15);
  v.stopped_at = r.opt(i, 16);
  v.stop_reason = r.opt(i, 17);
  v.end_reason = r.opt(i, 23);
  v.billing = r.opt(i, 24);
  const bool completed = r.get(i, 22) == "completed";
  if (completed) {
    v.energy_wh = r.is_null(i, 25) ? 0 : r.get_int(i, 25);
    // What the driver was charged: nothing for a suspect or unpaid session.
    if (v.billing == "charged" && !r.is_null(i, 14)) v.cost = Money::from_db(r.get(i, 14));
  } else {
    v.energy_wh = std::max<std::int64_t>(0, r.get_int(i, 12) - r.get_int(i, 11));
    v.cost = Money::energy_cost(v.energy_wh, v.price_per_kwh).value_or(Money());
  }
  return v;
}

}  // namespace

asio::awaitable<std::optional<SessionView>> Service::session(const std::string& client_id,
                                                             const std::string& session_id) {
  db::Params p = db::params(db::param(session_id), db::param(client_id));
  auto r = co_await impl_->pool.query(session_select() + "WHERE s.id = $1 AND s.client_id = $2", std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return session_of(r, 0);
}

asio::awaitable<SessionPage> Service::history(const std::string& client_id, std::int64_t limit, std::int64_t offset) {
  db::Params p = db::params(db::param(client_id), db::param(limit), db::param(offset));
  auto r = co_await impl_->pool.query(
      session_select() + "WHERE s.client_id = $1 ORDER BY s.created_at DESC, s.id LIMIT $2 OFFSET $3", std::move(p));
  db::Params cp = db::params(db::param(client_id));
  auto total = co_await impl_->pool.query("SELECT count(*) FROM charging_sessions WHERE client_id = $1", std::move(cp));
  SessionPage page;
  for (int i = 0; i < r.rows(); ++i) page.items.push_back(session_of(r, i));
  page.total = total.get_int(0, 0);
  co_return page;
}

asio::awaitable<std::optional<Money>> Service::balance(const std::string& client_id) {
  db::Params p = db::params(db::param(client_id));
  auto r = co_await impl_->pool.query("SELECT balance::text FROM clients WHERE id = $1", std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return Money::from_db(r.get(0, 0));
}

asio::awaitable<std::optional<Money>> Service::available_balance(const std::string& client_id) {
  db::Params p = db::params(db::param(client_id));
  auto r = co_await impl_->pool.query("SELECT greatest(least(c.balance - " + held_by_sessions_sql("NULL") +
                                          ", 1e13), -1e13)::numeric(16,2)::text FROM clients c WHERE c.id = $1",
                                      std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return Money::from_db(r.get(0, 0));
}

asio::awaitable<std::vector<LedgerEntry>> Service::ledger(const std::string& client_id, std::int64_t limit,
                                                          std::int64_t offset) {
  db::Params p = db::params(db::param(client_id), db::param(limit), db::param(offset));
  auto r = co_await impl_->pool.query(
      "SELECT id, amount::text, kind, reference, balance_after::text, " + utc("created_at") +
          " FROM balance_ledger WHERE client_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
      std::move(p));
  std::vector<LedgerEntry> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.get_int(i, 0), Money::from_db(r.get(i, 1)), Money::from_db(r.get(i, 4)), std::string(r.get(i, 2)),
                   std::string(r.get(i, 3)), std::string(r.get(i, 5))});
  co_return out;
}

namespace {

// The select list and joins of a transaction as owners and operators see it; read by
// transaction_of(). The caller appends WHERE, ORDER BY and paging.
const std::string& transaction_select() {
  static const std::string sql =
      "SELECT t.id, t.station_id, t.connector_id, t.status, " + utc("t.start_timestamp") + ", " +
      utc("t.stop_timestamp") +
      ", coalesce(t.energy_wh, coalesce(t.meter_last, t.meter_start) - t.meter_start), "
      "CASE WHEN t.billing = 'charged' THEN t.amount::text END, t.price_per_kwh::text, t.stop_reason, cs.id, "
      "t.end_reason, t.billing, t.id_tag, coalesce(cs.client_id, i.client_id)::text "
      "FROM transactions t JOIN stations s ON s.id = t.station_id LEFT JOIN locations l ON l.id = s.location_id "
      "LEFT JOIN charging_sessions cs ON cs.transaction_id = t.id "
      "LEFT JOIN id_tags i ON lower(i.id_tag) = lower(t.id_tag) ";
  return sql;
}

OwnerTransaction transaction_of(const db::Result& r, int i) {
  OwnerTransaction o;
  o.transaction_id = static_cast<int>(r.get_int(i, 0));
  o.station_id = r.get(i, 1);
  o.connector_id = static_cast<int>(r.get_int(i, 2));
  o.status = r.get(i, 3);
  o.started_at = r.get(i, 4);
  o.stopped_at = r.opt(i, 5);
  o.energy_wh = r.is_null(i, 6) ? 0 : std::max<std::int64_t>(0, r.get_int(i, 6));
  if (!r.is_null(i, 7)) o.charged = Money::from_db(r.get(i, 7));
  o.price_per_kwh = Money::from_db(r.get(i, 8));
  o.stop_reason = r.opt(i, 9);
  o.session_id = r.opt(i, 10);
  o.end_reason = r.opt(i, 11);
  o.billing = r.opt(i, 12);
  o.id_tag = r.get(i, 13);
  o.client_id = r.opt(i, 14);
  return o;
}

}  // namespace

asio::awaitable<std::vector<OwnerTransaction>> Service::owner_transactions(const std::string& owner_id,
                                                                           const std::optional<std::string>& station_id,
                                                                           std::int64_t limit, std::int64_t offset) {
  const db::Param station = station_id ? db::param(*station_id) : db::null();
  db::Params p = db::params(db::param(owner_id), station, db::param(limit), db::param(offset));
  auto r = co_await impl_->pool.query(transaction_select() +
                                          "WHERE l.user_id = $1 AND ($2::text IS NULL OR t.station_id = $2) "
                                          "ORDER BY t.start_timestamp DESC, t.id DESC LIMIT $3 OFFSET $4",
                                      std::move(p));
  std::vector<OwnerTransaction> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(transaction_of(r, i));
  co_return out;
}

asio::awaitable<std::vector<OwnerTransaction>> Service::transactions(const TransactionFilter& f, std::int64_t limit,
                                                                     std::int64_t offset) {
  db::Params p = db::params(db::param(f.station_id), db::param(f.client_id), db::param(f.status), db::param(f.from),
                            db::param(f.to), db::param(limit), db::param(offset));
  // A bad time or UUID is the caller's mistake, not a database failure.
  if ((f.from && !common::parse_datetime(*f.from)) || (f.to && !common::parse_datetime(*f.to)))
    throw Refused(Refused::Kind::Invalid, "invalid_time", "from and to must be RFC 3339 times");
  auto r = co_await impl_->pool.query(
      transaction_select() +
          "WHERE ($1::text IS NULL OR t.station_id = $1) "
          "AND ($2::uuid IS NULL OR coalesce(cs.client_id, i.client_id) = $2::uuid) "
          "AND ($3::text IS NULL OR t.status = $3) "
          "AND ($4::timestamptz IS NULL OR t.start_timestamp >= $4::timestamptz) "
          "AND ($5::timestamptz IS NULL OR t.start_timestamp < $5::timestamptz) "
          "ORDER BY t.start_timestamp DESC, t.id DESC LIMIT $6 OFFSET $7",
      std::move(p));
  std::vector<OwnerTransaction> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(transaction_of(r, i));
  co_return out;
}

asio::awaitable<std::optional<OwnerTransaction>> Service::transaction(const std::string& station_id,
                                                                       int transaction_id) {
  db::Params p = db::params(db::param(transaction_id), db::param(station_id));
  auto r = co_await impl_->pool.query(transaction_select() + "WHERE t.id = $1 AND t.station_id = $2", std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return transaction_of(r, 0);
}

asio::awaitable<Revenue> Service::owner_revenue(const std::string& owner_id, const std::optional<std::string>& from,
                                                const std::optional<std::string>& to) {
  // Revenue counts only what drivers were charged; sessions nobody paid for (unpaid,
  // suspect) are counted apart so the owner sees them without being told they earned money.
  static const std::string kWindow =
      "AND ($2::timestamptz IS NULL OR t.stop_timestamp >= $2::timestamptz) "
      "AND ($3::timestamptz IS NULL OR t.stop_timestamp < $3::timestamptz) ";
  static const std::string kSums =
      "count(t.id), coalesce(sum(t.energy_wh), 0), "
      "coalesce(sum(t.amount) FILTER (WHERE t.billing = 'charged'), 0)::numeric(14,2)::text, "
      "count(t.id) FILTER (WHERE t.billing IN ('unpaid', 'suspect')) ";
  const db::Param f = from ? db::param(*from) : db::null();
  const db::Param u = to ? db::param(*to) : db::null();
  db::Params p = db::params(db::param(owner_id), f, u);
  auto per = co_await impl_->pool.query(
      "SELECT s.id, s.display_name, " + kSums +
          "FROM stations s JOIN locations l ON l.id = s.location_id "
          "LEFT JOIN transactions t ON t.station_id = s.id AND t.status = 'completed' " +
          kWindow + "WHERE l.user_id = $1 GROUP BY s.id ORDER BY s.id",
      std::move(p));
  db::Params tp = db::params(db::param(owner_id), f, u);
  auto total = co_await impl_->pool.query(
      "SELECT " + kSums +
          "FROM transactions t JOIN stations s ON s.id = t.station_id JOIN locations l ON l.id = s.location_id "
          "WHERE l.user_id = $1 AND t.status = 'completed' " +
          kWindow,
      std::move(tp));
  Revenue out;
  out.sessions = total.get_int(0, 0);
  out.energy_wh = total.get_int(0, 1);
  out.revenue = Money::from_db(total.get(0, 2));
  out.unpaid_sessions = total.get_int(0, 3);
  for (int i = 0; i < per.rows(); ++i)
    out.stations.push_back({std::string(per.get(i, 0)), per.opt(i, 1), per.get_int(i, 2), per.get_int(i, 3),
                            Money::from_db(per.get(i, 4)), per.get_int(i, 5)});
  co_return out;
}

asio::awaitable<std::vector<SessionEvent>> Service::events(const std::optional<std::string>& kind, std::int64_t limit) {
  static const std::string kKinds =
      "('transaction_superseded', 'transaction_swept', 'suspect_session', 'unpaid_session', 'late_stop', "
      "'unknown_transaction_stop', 'meter_backwards', 'reservation_mismatch')";
  const db::Param k = kind ? db::param(*kind) : db::null();
  db::Params p = db::params(k, db::param(limit));
  auto r = co_await impl_->pool.query("SELECT id, station_id, kind, detail::text, " + utc("created_at") +
                                          " FROM station_events WHERE kind IN " + kKinds +
                                          " AND ($1::text IS NULL OR kind = $1) ORDER BY id DESC LIMIT $2",
                                      std::move(p));
  std::vector<SessionEvent> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.get_int(i, 0), std::string(r.get(i, 1)), std::string(r.get(i, 2)), std::string(r.get(i, 3)),
                   std::string(r.get(i, 4))});
  co_return out;
}

}  // namespace evp::charging
