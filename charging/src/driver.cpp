// What a driver does from the app: open a session on a connector (holding part of the
// available balance), learn the station's answer, stop it; and the server's own stops.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "common/money.hpp"
#include "internal.hpp"

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
  // One statement (evp_open_session, migration 011): the driver's tag, the balance, the
  // connector and the pending session in one round trip.
  const Config& cfg = impl_->config;
  const db::Param limit_kwh = limits.energy_wh ? db::param(common::format_decimal(*limits.energy_wh, 3)) : db::null();
  const db::Param limit_amount = limits.amount ? db::param(limits.amount->str()) : db::null();
  for (int attempt = 0; attempt < 3; ++attempt) {
    db::Params p = db::params(db::param(client_id), db::param(station_id), db::param(connector_id), limit_kwh,
                              limit_amount, db::param(cfg.min_balance_to_start.str()),
                              db::param(static_cast<std::int64_t>(cfg.pending_timeout.count())),
                              db::param(random_tag()));
    auto r = co_await statement(impl_->pool,
                                "SELECT o_error, o_id_tag, o_session, o_reserved, o_available FROM "
                                "evp_open_session($1::uuid, $2, $3, $4::numeric, $5::numeric, $6::numeric, $7, $8)",
                                std::move(p));
    const std::string error = r.opt(0, 0).value_or("");
    if (error == "tag_taken") continue;  // a random tag that exists: draw another
    if (error == "client_not_found") throw Refused(Refused::Kind::NotFound, "client_not_found", "no client account");
    if (error == "insufficient_balance")
      throw Refused(Refused::Kind::InsufficientBalance, "insufficient_balance",
                    "available balance " + Money::from_db(r.get(0, 4)).str() + " is below the minimum " +
                        cfg.min_balance_to_start.str() + " to start charging");
    if (error == "connector_busy")
      throw Refused(Refused::Kind::ConnectorBusy, "connector_busy", "connector already has a session");
    if (error == "station_not_found") throw Refused(Refused::Kind::NotFound, "station_not_found", "no such station");
    if (!error.empty()) throw std::runtime_error("open_session: " + error);
    co_return PendingSession{std::string(r.get(0, 2)), std::string(r.get(0, 1)), Money::from_db(r.get(0, 3))};
  }
  throw std::runtime_error("could not allocate an id tag");
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
