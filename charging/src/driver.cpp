// What a driver does from the app: open a session on a connector (holding part of the
// available balance), learn the station's answer, stop it; and the server's own stops.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "internal.hpp"
#include "rules.hpp"

namespace evp::charging {
namespace {

std::string random_tag() {
  // "EVP" + 17 hex digits fits the 20-character OCPP IdToken.
  unsigned char bytes[9];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string tag = "EVP";
  for (unsigned char b : bytes) {
    tag += kHex[b >> 4];
    tag += kHex[b & 15];
  }
  return tag.substr(0, 20);
}

// What the driver has available for a new session, with the client row locked so that two
// starts of one driver are decided one after the other.
const std::string& available_sql() {
  static const std::string sql = "SELECT greatest(least(c.balance - " + held_by_sessions_sql("NULL") +
                                 ", 1e13), -1e13)::numeric(16,2)::text FROM clients c WHERE c.id = $1 FOR UPDATE";
  return sql;
}

}  // namespace

asio::awaitable<std::string> Service::driver_id_tag(const std::string& client_id) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    db::Params p = db::params(db::param(client_id));
    auto res = co_await impl_->pool.query(
        "SELECT id_tag FROM id_tags WHERE client_id = $1 AND status = 'Accepted' "
        "AND (expiry_date IS NULL OR expiry_date > now()) ORDER BY created_at LIMIT 1",
        std::move(p));
    if (!res.empty()) co_return std::string(res.get(0, 0));
    db::Params ip = db::params(db::param(random_tag()), db::param(client_id));
    co_await impl_->pool.query("INSERT INTO id_tags (id_tag, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                               std::move(ip));
  }
  throw std::runtime_error("could not allocate an id tag");
}

asio::awaitable<PendingSession> Service::open_session(const std::string& client_id, const std::string& station_id,
                                                      int connector_id, const SessionLimits& limits) {
  PendingSession out;
  out.id_tag = co_await driver_id_tag(client_id);
  const Config& cfg = impl_->config;
  co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    // One open session per connector: serialise concurrent starts on it.
    db::Params lp = db::params(db::param(station_id + "/" + std::to_string(connector_id)));
    co_await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", std::move(lp));
    db::Params ap = db::params(db::param(client_id));
    auto a = co_await tx.query(available_sql(), std::move(ap));
    if (a.empty()) throw Refused(Refused::Kind::NotFound, "client_not_found", "no client account");
    const Money available = Money::from_db(a.get(0, 0));
    if (available < cfg.min_balance_to_start || available <= Money())
      throw Refused(Refused::Kind::InsufficientBalance, "insufficient_balance",
                    "available balance " + available.str() + " is below the minimum " +
                        cfg.min_balance_to_start.str() + " to start charging");

    // A pending session the station never started no longer holds the connector.
    db::Params ep = db::params(db::param(station_id), db::param(connector_id));
    co_await tx.query(
        "UPDATE charging_sessions SET status = 'failed', updated_at = now(), "
        "failure_reason = coalesce(failure_reason, 'the station did not start the session in time') "
        "WHERE station_id = $1 AND connector_id = $2 AND status = 'pending' AND pending_until < now()",
        std::move(ep));
    db::Params bp = db::params(db::param(station_id), db::param(connector_id));
    auto busy = co_await tx.query(
        "SELECT 1 FROM charging_sessions WHERE station_id = $1 AND connector_id = $2 AND status IN ('pending', 'active') "
        "AND (transaction_id IS NULL OR NOT EXISTS (SELECT 1 FROM transactions t WHERE t.id = transaction_id AND " +
            std::string(kOrphaned) + "))",
        std::move(bp));
    if (!busy.empty()) throw Refused(Refused::Kind::ConnectorBusy, "connector_busy", "connector already has a session");

    db::Params pp = db::params(db::param(station_id));
    auto price = co_await tx.query("SELECT price_per_kwh::text FROM stations WHERE id = $1", std::move(pp));
    if (price.empty()) throw Refused(Refused::Kind::NotFound, "station_not_found", "no such station");
    out.reserved = rules::reservation(available, cfg.min_balance_to_start, limits, Money::from_db(price.get(0, 0)));

    const db::Param limit_kwh = limits.energy_wh ? db::param(common::format_decimal(*limits.energy_wh, 3)) : db::null();
    const db::Param limit_amount = limits.amount ? db::param(limits.amount->str()) : db::null();
    db::Params ip = db::params(db::param(client_id), db::param(station_id), db::param(connector_id), db::param(out.id_tag),
                         limit_kwh, limit_amount, db::param(out.reserved.str()),
                         db::param(static_cast<std::int64_t>(cfg.pending_timeout.count())));
    auto ins = co_await tx.query(
        "INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag, limit_kwh, limit_amount, "
        "reserved_amount, pending_until) VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, $7::numeric, "
        "now() + make_interval(secs => $8::bigint)) RETURNING id",
        std::move(ip));
    out.session_id = std::string(ins.get(0, 0));
  });
  co_return out;
}

asio::awaitable<std::string> Service::remote_start_result(const std::string& session_id, RemoteAnswer answer,
                                                          const std::string& detail) {
  const bool ends = answer == RemoteAnswer::Rejected || answer == RemoteAnswer::Failed;
  const char* label = answer == RemoteAnswer::Accepted   ? "Accepted"
                      : answer == RemoteAnswer::Rejected ? "Rejected"
                      : answer == RemoteAnswer::NoAnswer ? "no_answer"
                                                         : "failed";
  // Only a still-pending session changes: StartTransaction may have activated it already
  // (stations often send it before the CALLRESULT).
  db::Params p = db::params(db::param(session_id), db::param(label), db::param(ends), db::param(detail),
                      db::param(static_cast<std::int64_t>(impl_->config.pending_timeout.count())));
  auto r = co_await impl_->pool.query(
      "UPDATE charging_sessions SET station_answer = $2, updated_at = now(), "
      "status = CASE WHEN status = 'pending' AND $3 THEN 'failed' ELSE status END, "
      "failure_reason = CASE WHEN status = 'pending' AND $3 THEN $4 ELSE failure_reason END, "
      "pending_until = CASE WHEN status = 'pending' THEN now() + make_interval(secs => $5::bigint) "
      "ELSE pending_until END WHERE id = $1 RETURNING status",
      std::move(p));
  co_return r.empty() ? std::string("failed") : std::string(r.get(0, 0));
}

asio::awaitable<StopTarget> Service::stop_target(const std::string& client_id, const std::string& session_id) {
  db::Params p = db::params(db::param(session_id), db::param(client_id));
  auto res = co_await impl_->pool.query(
      "SELECT s.status, s.station_id, s.transaction_id, t.status FROM charging_sessions s "
      "LEFT JOIN transactions t ON t.id = s.transaction_id WHERE s.id = $1 AND s.client_id = $2",
      std::move(p));
  if (res.empty()) throw Refused(Refused::Kind::NotFound, "session_not_found", "no such session");
  const std::string status(res.get(0, 0));
  if (status == "pending" && res.is_null(0, 2))
    throw Refused(Refused::Kind::NotStarted, "session_not_started", "the station has not started this session yet");
  if (status != "active" || res.get(0, 3) != "active")
    throw Refused(Refused::Kind::NotActive, "session_not_active", "session is " + status);
  co_return StopTarget{std::string(res.get(0, 1)), static_cast<int>(res.get_int(0, 2))};
}

asio::awaitable<void> Service::stop_requested(const std::string& session_id) {
  db::Params p = db::params(db::param(session_id));
  co_await impl_->pool.query(
      "UPDATE charging_sessions SET stop_requested_at = coalesce(stop_requested_at, now()), updated_at = now() "
      "WHERE id = $1",
      std::move(p));
}

asio::awaitable<bool> Service::claim_auto_stop(int transaction_id, const std::string& reason) {
  db::Params p = db::params(db::param(transaction_id), db::param(reason));
  auto r = co_await impl_->pool.query(
      "UPDATE charging_sessions SET stop_requested_at = now(), auto_stop_reason = $2, updated_at = now() "
      "WHERE transaction_id = $1 AND stop_requested_at IS NULL RETURNING id",
      std::move(p));
  co_return !r.empty();
}

asio::awaitable<void> Service::release_auto_stop(int transaction_id) {
  db::Params p = db::params(db::param(transaction_id));
  co_await impl_->pool.query(
      "UPDATE charging_sessions SET stop_requested_at = NULL, auto_stop_reason = NULL WHERE transaction_id = $1",
      std::move(p));
}

}  // namespace evp::charging
