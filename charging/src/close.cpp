// Closing a transaction - by StopTransaction, by a newer start on its connector, or by the
// sweeper - with one set of rules: plausible energy, one charge through the ledger, the
// session completed, both parties notified.
#include <spdlog/spdlog.h>

#include "internal.hpp"
#include "push/events.hpp"
#include "rules.hpp"

namespace evp::charging {
namespace {

// Everything the rules need about the transaction the caller has locked. The duration is
// measured on the station's clock (both timestamps come from it); the sweeper, which has no
// stop timestamp, uses ours.
constexpr const char* kRead = R"(
  SELECT t.meter_start, t.connector_id, t.price_per_kwh::text, coalesce(cs.client_id, t.client_id),
         extract(epoch FROM (coalesce($2::timestamptz, now()) - t.start_timestamp))::bigint,
         coalesce(c.max_power_w, $3::bigint), s.display_name, l.user_id, cs.id
    FROM transactions t
    JOIN stations s ON s.id = t.station_id
    LEFT JOIN locations l ON l.id = s.location_id
    LEFT JOIN connectors c ON c.station_id = t.station_id AND c.connector_id = t.connector_id
    LEFT JOIN charging_sessions cs ON cs.transaction_id = t.id
   WHERE t.id = $1)";

constexpr const char* kComplete = R"(
  UPDATE transactions
     SET meter_stop = $2, stop_timestamp = coalesce($3::timestamptz, now()), stop_reason = $4, stop_id_tag = $5,
         energy_wh = $6, amount = $7::numeric, status = 'completed', end_reason = $8, billing = $9,
         review_reason = $10, superseded_by = $11, client_id = coalesce(client_id, $12::uuid), updated_at = now()
   WHERE id = $1)";

constexpr const char* kCompleteSession =
    "UPDATE charging_sessions SET status = 'completed', updated_at = now() WHERE transaction_id = $1";

// The ledger row is the "exactly once" guard: (kind, reference) is unique and the balance
// moves only when the row was inserted. The client row is locked first, so the balance read
// here is current.
constexpr const char* kLockClient = "SELECT 1 FROM clients WHERE id = $1 FOR UPDATE";
constexpr const char* kCharge = R"(
  WITH l AS (
    INSERT INTO balance_ledger (client_id, amount, kind, reference, balance_after)
    SELECT c.id, -$2::numeric, 'session', $3, c.balance - $2::numeric FROM clients c WHERE c.id = $1
    ON CONFLICT (kind, reference) DO NOTHING
    RETURNING balance_after)
  UPDATE clients c SET balance = l.balance_after, updated_at = now() FROM l WHERE c.id = $1
  RETURNING c.balance::text)";

constexpr const char* kLowBalance = R"(
  UPDATE clients SET low_balance_notified_at = now()
   WHERE id = $1 AND balance < $2::numeric
     AND (low_balance_notified_at IS NULL OR low_balance_notified_at <= now() - interval '24 hours')
  RETURNING balance::text)";

}  // namespace

asio::awaitable<void> warn_low_balance(const Config& config, db::Connection& tx, Outbox& outbox,
                                       const std::string& client_id) {
  if (!outbox.enabled()) co_return;
  const Money threshold = config.low_balance_threshold;
  db::Params p = db::params(db::param(client_id), db::param(threshold.str()));
  auto r = co_await tx.query(kLowBalance, std::move(p));
  if (r.empty()) co_return;
  const auto note = push::events::low_balance_warning(Money::from_db(r.get(0, 0)), threshold);
  co_await outbox.add(tx, client_id, /*owner=*/false, note);
}

asio::awaitable<std::string> close_transaction(const Config& config, db::Connection& tx, Outbox& outbox,
                                               const Closing& closing) {
  const db::Param stop_ts = closing.stop_timestamp.empty() ? db::null() : db::param(closing.stop_timestamp);
  db::Params rp = db::params(db::param(closing.transaction_id), stop_ts, db::param(config.default_max_power_w));
  auto t = co_await tx.query(kRead, std::move(rp));
  if (t.empty()) throw db::Error("transaction " + std::to_string(closing.transaction_id) + " vanished");
  const std::int64_t meter_start = t.get_int(0, 0);
  const Money price = Money::from_db(t.get(0, 2));
  const std::optional<std::string> client_id = t.opt(0, 3);
  const std::int64_t duration_s = t.get_int(0, 4), max_power_w = t.get_int(0, 5);
  const push::events::Station station{closing.station_id, std::string(t.get(0, 6))};
  const std::optional<std::string> owner_id = t.opt(0, 7), session_id = t.opt(0, 8);

  std::int64_t energy = 0;
  if (closing.meter_stop < meter_start) {
    // Meters do not run backwards: a reset or swapped meter. Counting it would refund energy.
    spdlog::warn("{}: transaction {} meterStop {} < meterStart {}: energy 0", closing.station_id,
                 closing.transaction_id, closing.meter_stop, meter_start);
    const nlohmann::json detail = {{"transaction_id", closing.transaction_id},
                                   {"meter_start", meter_start},
                                   {"meter_stop", closing.meter_stop},
                                   {"source", "StopTransaction"}};
    co_await record_event(tx, closing.station_id, "meter_backwards", detail);
  } else {
    energy = closing.meter_stop - meter_start;
  }

  // Plausible energy only: more than the connector could deliver in the time, or a cost the
  // money columns cannot hold, is not charged; an operator reviews it.
  const auto check = rules::check_energy(energy, duration_s, max_power_w);
  std::optional<Money> cost = Money::energy_cost(energy, price);
  std::optional<std::string> review;
  std::string billing;
  if (!check.plausible || !cost || !cost->fits_column()) {
    billing = "suspect";
    review = "energy " + std::to_string(energy) + " Wh in " + std::to_string(duration_s) + " s exceeds " +
             std::to_string(max_power_w) + " W (at most " + std::to_string(check.allowed_wh) + " Wh)";
    cost.reset();
    const nlohmann::json detail = {{"transaction_id", closing.transaction_id}, {"energy_wh", energy},
                                   {"duration_s", duration_s},                 {"max_power_w", max_power_w},
                                   {"allowed_wh", check.allowed_wh},          {"meter_start", meter_start},
                                   {"meter_stop", closing.meter_stop}};
    co_await record_event(tx, closing.station_id, "suspect_session", detail);
  } else if (cost->is_zero()) {
    billing = "free";
  } else if (!client_id) {
    billing = "unpaid";  // energy delivered to a tag that belongs to nobody: no one to charge
    const nlohmann::json detail = {{"transaction_id", closing.transaction_id}, {"energy_wh", energy},
                                   {"amount", cost->str()}};
    co_await record_event(tx, closing.station_id, "unpaid_session", detail);
  } else {
    billing = "charged";
  }
  if (closing.end_reason == "swept") review = "no sign of life: closed at the last known meter reading";
  if (closing.end_reason != "stopped") {
    const nlohmann::json detail = {{"transaction_id", closing.transaction_id},
                                   {"meter_stop", closing.meter_stop},
                                   {"superseded_by", closing.superseded_by ? nlohmann::json(*closing.superseded_by)
                                                                           : nlohmann::json(nullptr)}};
    co_await record_event(tx, closing.station_id, "transaction_" + closing.end_reason, detail);
  }

  const db::Param amount = cost ? db::param(cost->str()) : db::null();
  const db::Param review_p = review ? db::param(*review) : db::null();
  const db::Param superseded = closing.superseded_by ? db::param(*closing.superseded_by) : db::null();
  const db::Param stop_tag = closing.stop_id_tag ? db::param(*closing.stop_id_tag) : db::null();
  const db::Param client_p = client_id ? db::param(*client_id) : db::null();
  db::Params up = db::params(db::param(closing.transaction_id), db::param(closing.meter_stop), stop_ts,
                       db::param(closing.stop_reason), stop_tag, db::param(energy), amount,
                       db::param(closing.end_reason), db::param(billing), review_p, superseded, client_p);
  co_await tx.query(kComplete, std::move(up));
  db::Params sp = db::params(db::param(closing.transaction_id));
  co_await tx.query(kCompleteSession, std::move(sp));

  Money charged;
  if (billing == "charged") {
    db::Params lp = db::params(db::param(*client_id));
    co_await tx.query(kLockClient, std::move(lp));
    db::Params cp = db::params(db::param(*client_id), db::param(cost->str()), db::param(std::to_string(closing.transaction_id)));
    auto c = co_await tx.query(kCharge, std::move(cp));
    if (!c.empty()) charged = *cost;
  }

  std::string outcome = std::to_string(energy) + " Wh, " + billing + (cost ? " " + cost->str() + " som" : "");
  if (billing == "suspect" || !session_id || !outbox.enabled()) co_return outcome;
  if (client_id) {
    const auto note = push::events::charging_completed(*session_id, energy, charged);
    co_await outbox.add(tx, *client_id, /*owner=*/false, note);
  }
  if (owner_id) {
    // The owner's income is what a driver was charged: an unpaid session earned nothing.
    const auto note = push::events::session_completed(*session_id, station, energy, charged);
    co_await outbox.add(tx, *owner_id, /*owner=*/true, note);
  }
  if (client_id && !charged.is_zero()) co_await warn_low_balance(config, tx, outbox, *client_id);
  co_return outcome;
}

}  // namespace evp::charging
