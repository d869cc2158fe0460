// StopTransaction: energy and cost, the balance charged exactly once, completion and
// low-balance notifications - all in one database transaction.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "push/events.hpp"

namespace evp::ocpp::handlers {
namespace {

constexpr const char* kLockTransaction = R"(
  SELECT t.status, t.meter_start, t.connector_id, s.display_name, l.user_id
    FROM transactions t
    JOIN stations s ON s.id = t.station_id
    LEFT JOIN locations l ON l.id = s.location_id
   WHERE t.id = $1 AND t.station_id = $2
     FOR UPDATE OF t)";

// Cost in NUMERIC: Wh * som/kWh / 1000, rounded half away from zero to tyiyn. Exact.
constexpr const char* kComplete = R"(
  UPDATE transactions
     SET meter_stop = $2, stop_timestamp = $3, stop_reason = $4, stop_id_tag = $5, energy_wh = $6::bigint,
         amount = round($6::bigint::numeric * price_per_kwh / 1000, 2), status = 'completed', updated_at = now()
   WHERE id = $1
  RETURNING amount::text, client_id)";

constexpr const char* kCompleteSession = R"(
  UPDATE charging_sessions SET status = 'completed', updated_at = now()
   WHERE transaction_id = $1 RETURNING id, client_id)";

// The ledger row is the "exactly once" guard: (kind, reference) is unique, and the balance
// moves only when the row was inserted. The client row is locked first (kLockClient), so the
// balance read here is current.
constexpr const char* kLockClient = "SELECT 1 FROM clients WHERE id = $1 FOR UPDATE";
constexpr const char* kCharge = R"(
  WITH l AS (
    INSERT INTO balance_ledger (client_id, amount, kind, reference, balance_after)
    SELECT c.id, -$2::numeric, 'session', $3, c.balance - $2::numeric FROM clients c WHERE c.id = $1
    ON CONFLICT (kind, reference) DO NOTHING
    RETURNING balance_after)
  UPDATE clients c SET balance = l.balance_after, updated_at = now() FROM l WHERE c.id = $1
  RETURNING c.balance::text, c.balance < $4::numeric,
            c.low_balance_notified_at IS NULL OR c.low_balance_notified_at <= now() - interval '24 hours')";

}  // namespace

asio::awaitable<StopTransactionConf> stop_transaction(Context& ctx, detail::StationContext& station,
                                                      const StopTransactionReq& req) {
  StopTransactionConf conf;
  std::string outcome;
  Outbox outbox(ctx.push);
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    outbox.reset();
    conf = {};
    if (req.idTag) conf.idTagInfo = (co_await lookup_id_tag(tx, req.idTag->str(), /*check_concurrent=*/false)).info;

    db::Params params1 = args(db::param(req.transactionId), db::param(station.station_id));
    auto t = co_await tx.query(kLockTransaction, std::move(params1));
    if (t.empty()) {
      // Stations replay stops of transactions the central system never saw (lost
      // StartTransaction, a database restored from backup). Answer normally so the station
      // can drop it from its queue; keep it visible to the operator.
      outcome = "unknown transaction";
      const nlohmann::json detail = req;
      co_await record_event(tx, station.station_id, "unknown_transaction_stop", detail);
      co_return;
    }
    if (t.get(0, 0) != "active") {
      outcome = "already completed (replay)";
      co_return;  // same answer, no side effects
    }
    const int connector = static_cast<int>(t.get_int(0, 2));
    const std::int64_t meter_start = t.get_int(0, 1);
    std::int64_t energy = req.meterStop - meter_start;
    if (energy < 0) {
      spdlog::warn("{}: transaction {} meterStop {} < meterStart {}: energy 0", station.station_id, req.transactionId,
                   req.meterStop, meter_start);
      const nlohmann::json detail = {{"transaction_id", req.transactionId},
                                     {"meter_start", meter_start},
                                     {"meter_stop", req.meterStop},
                                     {"source", "StopTransaction"}};
      co_await record_event(tx, station.station_id, "meter_backwards", detail);
      energy = 0;
    }
    db::Params params2 =
        args(db::param(req.transactionId), db::param(req.meterStop), db::param(common::format_datetime(req.timestamp)),
             db::param(to_string(req.reason.value_or(Reason::Local))),
             req.idTag ? db::param(req.idTag->str()) : db::null(), db::param(energy));
    auto done = co_await tx.query(kComplete, std::move(params2));
    const std::string amount(done.get(0, 0));
    std::optional<std::string> client_id = done.opt(0, 1);
    if (req.transactionData)
      co_await store_meter_values(tx, station.station_id, connector, req.transactionId, *req.transactionData);

    db::Params params3 = args(db::param(req.transactionId));
    auto session = co_await tx.query(kCompleteSession, std::move(params3));
    std::string session_id = session.empty() ? std::string() : std::string(session.get(0, 0));
    if (!session.empty() && !session.is_null(0, 1)) client_id = session.opt(0, 1);
    outcome = std::to_string(energy) + " Wh, " + amount + " som";

    std::optional<std::string> balance;
    bool below = false, may_warn = false;
    // A free session (price 0, or no energy) moves no money and needs no ledger row.
    if (client_id && amount != "0.00") {
      db::Params params4 = args(db::param(*client_id));
      co_await tx.query(kLockClient, std::move(params4));
      db::Params params5 = args(db::param(*client_id), db::param(amount), db::param(std::to_string(req.transactionId)),
                                db::param(ctx.options.low_balance_threshold));
      auto c = co_await tx.query(kCharge, std::move(params5));
      if (!c.empty()) {
        balance = std::string(c.get(0, 0));
        below = c.get_bool(0, 1);
        may_warn = c.get_bool(0, 2);
      }
    }

    if (!outbox.enabled() || session_id.empty()) co_return;
    push::events::Station st{station.station_id, std::string(t.get(0, 3))};
    if (client_id) {
      const auto note = push::events::charging_completed(session_id, energy, amount);
      co_await outbox.add(tx, *client_id, push::UserType::Client, note);
    }
    if (!t.is_null(0, 4)) {
      const auto note = push::events::session_completed(session_id, st, energy, amount);
      const std::string owner(t.get(0, 4));
      co_await outbox.add(tx, owner, push::UserType::Owner, note);
    }
    if (balance && below && may_warn) {
      const auto note = push::events::low_balance_warning(*balance, ctx.options.low_balance_threshold);
      co_await outbox.add(tx, *client_id, push::UserType::Client, note);
      db::Params params6 = args(db::param(*client_id));
      co_await tx.query("UPDATE clients SET low_balance_notified_at = now() WHERE id = $1", std::move(params6));
    }
  });
  outbox.wake();
  spdlog::info("{}: StopTransaction tx {} meter {}: {}", station.station_id, req.transactionId, req.meterStop, outcome);
  co_return conf;
}

}  // namespace evp::ocpp::handlers
