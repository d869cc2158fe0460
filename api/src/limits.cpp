#include "limits.hpp"

#include <spdlog/spdlog.h>

#include "db/db.hpp"
#include "http/context.hpp"
#include "ocpp/central_system.hpp"
#include "util/money.hpp"

namespace evp::api {

std::optional<std::string> limit_reached(std::int64_t energy_wh, std::int64_t cost,
                                         std::optional<std::int64_t> limit_wh, std::optional<std::int64_t> limit_amount,
                                         std::optional<std::int64_t> balance) {
  if (limit_wh && energy_wh >= *limit_wh) return "limit_kwh";
  if (limit_amount && cost >= *limit_amount) return "limit_amount";
  // The session is charged at StopTransaction; stop while the balance still covers it.
  if (balance && cost > 0 && cost >= *balance) return "balance";
  return std::nullopt;
}

namespace {

boost::asio::awaitable<void> check(Services& svc, std::int64_t transaction_id) {
  auto r = co_await svc.pool.query(
      "SELECT t.status, t.station_id, t.meter_start, coalesce(t.meter_last, t.meter_start), t.price_per_kwh::text, "
      "c.balance::text, s.id, s.limit_kwh::text, s.limit_amount::text, s.stop_requested_at IS NOT NULL "
      "FROM transactions t LEFT JOIN clients c ON c.id = t.client_id "
      "LEFT JOIN charging_sessions s ON s.transaction_id = t.id WHERE t.id = $1",
      db::params(transaction_id));
  if (r.empty() || r.get(0, 0) != "active" || r.get_bool(0, 9)) co_return;
  std::int64_t energy = std::max<std::int64_t>(0, r.get_int(0, 3) - r.get_int(0, 2));
  std::int64_t cost = energy_cost(energy, parse_money(r.get(0, 4)).value_or(0));
  auto opt_dec = [&](int col, int scale) -> std::optional<std::int64_t> {
    return r.is_null(0, col) ? std::nullopt : parse_decimal(r.get(0, col), scale);
  };
  auto reason = limit_reached(energy, cost, opt_dec(7, 3), opt_dec(8, 2), opt_dec(5, 2));
  if (!reason) co_return;

  std::string station_id(r.get(0, 1));
  auto session_id = r.opt(0, 6);
  if (!svc.auto_stops.insert(transaction_id).second) co_return;
  struct Done {
    Services& svc;
    std::int64_t id;
    ~Done() { svc.auto_stops.erase(id); }
  } done{svc, transaction_id};

  if (session_id) {
    auto claimed = co_await svc.pool.query(
        "UPDATE charging_sessions SET stop_requested_at = NOW(), auto_stop_reason = $2, updated_at = NOW() "
        "WHERE id = $1 AND stop_requested_at IS NULL RETURNING id",
        db::params(*session_id, *reason));
    if (claimed.empty()) co_return;  // someone (the driver) asked already
  }
  spdlog::info("transaction {} on {}: {} reached ({} Wh, cost {}), sending RemoteStopTransaction", transaction_id,
               station_id, *reason, energy, format_money(cost));
  std::string failure;
  try {
    nlohmann::json payload{{"transactionId", transaction_id}};
    auto answer = co_await svc.ocpp.call(station_id, "RemoteStopTransaction", std::move(payload));
    if (answer.value("status", "") != "Accepted") failure = "station answered " + answer.value("status", "?");
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    spdlog::warn("transaction {}: automatic stop failed ({}); will retry on the next meter reading", transaction_id,
                 failure);
    if (session_id)
      co_await svc.pool.query(
          "UPDATE charging_sessions SET stop_requested_at = NULL, auto_stop_reason = NULL WHERE id = $1",
          db::params(*session_id));
  }
}

}  // namespace

boost::asio::awaitable<void> check_limits(Services& svc, std::int64_t transaction_id) {
  try {
    co_await check(svc, transaction_id);
  } catch (const std::exception& e) {
    spdlog::warn("check_limits({}): {}", transaction_id, e.what());
  }
}

}  // namespace evp::api
