// MeterValues: every sampled value stored; the energy register advances the transaction,
// and the rules say whether the server should stop the session now.
#include <spdlog/spdlog.h>

#include "db/arrays.hpp"
#include "internal.hpp"
#include "rules.hpp"

namespace evp::charging {
namespace {

constexpr const char* kLock = R"(
  SELECT meter_start, meter_last FROM transactions
   WHERE id = $1 AND station_id = $2 AND status = 'active' FOR UPDATE)";

constexpr const char* kAdvance =
    "UPDATE transactions SET meter_last = $2, last_activity_at = now(), updated_at = now() WHERE id = $1";

const std::string& limits_sql() {
  static const std::string sql =
      "SELECT cs.limit_kwh::text, cs.limit_amount::text, cs.stop_requested_at IS NOT NULL, t.price_per_kwh::text, "
      "  CASE WHEN c.id IS NULL THEN NULL ELSE greatest(least(c.balance - " +
      held_by_sessions_sql("cs.id") +
      ", 1e13), -1e13)::numeric(16,2)::text END "
      "FROM transactions t LEFT JOIN charging_sessions cs ON cs.transaction_id = t.id "
      "LEFT JOIN clients c ON c.id = coalesce(cs.client_id, t.client_id) WHERE t.id = $1";
  return sql;
}

std::optional<std::string> name(const std::optional<std::string>& v) { return v; }

}  // namespace

std::string held_by_sessions_sql(const std::string& self) {
  return "coalesce((SELECT sum(greatest(o.reserved_amount, coalesce(round(least(greatest(coalesce(ot.meter_last, "
         "ot.meter_start) - ot.meter_start, 0), 1e12)::numeric * ot.price_per_kwh / 1000, 2), 0))) "
         "FROM charging_sessions o LEFT JOIN transactions ot ON ot.id = o.transaction_id AND ot.status = 'active' "
         "WHERE o.client_id = c.id AND o.status IN ('pending', 'active') AND o.id IS DISTINCT FROM " +
         self + "), 0)";
}

asio::awaitable<void> store_samples(db::Connection& tx, std::string_view station_id, int connector_id,
                                    std::optional<int> transaction_id, const std::vector<Sample>& samples) {
  if (samples.empty()) co_return;
  std::vector<std::optional<std::string>> ts, measurand, phase, unit, context, location, format, value;
  for (const auto& s : samples) {
    ts.emplace_back(common::format_datetime(s.timestamp));
    measurand.push_back(name(s.measurand));
    phase.push_back(name(s.phase));
    unit.push_back(name(s.unit));
    context.push_back(name(s.context));
    location.push_back(name(s.location));
    format.push_back(name(s.format));
    value.emplace_back(s.value);
  }
  const db::Param tx_id = transaction_id ? db::param(*transaction_id) : db::null();
  db::Params p = db::params(db::param(station_id), db::param(connector_id), tx_id, db::param(db::text_array(ts)),
                      db::param(db::text_array(measurand)), db::param(db::text_array(phase)),
                      db::param(db::text_array(unit)), db::param(db::text_array(context)),
                      db::param(db::text_array(location)), db::param(db::text_array(format)),
                      db::param(db::text_array(value)));
  co_await tx.query(
      "INSERT INTO meter_values (station_id, connector_id, transaction_id, timestamp, measurand, phase, unit, "
      "context, location, format, value) "
      "SELECT $1, $2, $3, u.ts, coalesce(u.measurand, 'Energy.Active.Import.Register'), u.phase, u.unit, u.context, "
      "u.location, u.format, u.value "
      "FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], "
      "$11::text[]) AS u(ts, measurand, phase, unit, context, location, format, value)",
      std::move(p));
}

asio::awaitable<MeterResult> Service::meter_values(const MeterRequest& req) {
  MeterResult out;
  co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    out = {};
    co_await store_samples(tx, req.station_id, req.connector_id, req.transaction_id, req.samples);
    if (!req.transaction_id) co_return;
    const int id = *req.transaction_id;
    db::Params lp = db::params(db::param(id), db::param(req.station_id));
    auto t = co_await tx.query(kLock, std::move(lp));
    if (t.empty()) co_return;  // unknown or finished transaction: values are stored, nothing to count
    const std::int64_t start = t.get_int(0, 0);
    std::int64_t last = t.is_null(0, 1) ? start : t.get_int(0, 1);
    const std::int64_t before = last;
    for (const auto& [ts, wh] : req.readings) {
      if (wh < last) {
        // Meters do not run backwards; a lower reading is a meter reset, a swapped meter or
        // firmware trouble. Counting it would refund energy, so it is kept only as evidence.
        spdlog::warn("{}: transaction {} meter went backwards: {} Wh < {} Wh", req.station_id, id, wh, last);
        const nlohmann::json detail = {{"transaction_id", id},
                                       {"reading_wh", wh},
                                       {"last_wh", last},
                                       {"timestamp", common::format_datetime(ts)},
                                       {"source", "MeterValues"}};
        co_await record_event(tx, req.station_id, "meter_backwards", detail);
        continue;
      }
      last = wh;
    }
    // Any MeterValues of the transaction is a sign of life (the sweeper leaves it alone).
    db::Params ap = db::params(db::param(id), db::param(last));
    co_await tx.query(kAdvance, std::move(ap));
    if (last == before) co_return;

    db::Params qp = db::params(db::param(id));
    auto r = co_await tx.query(limits_sql(), std::move(qp));
    if (r.empty() || r.get_bool(0, 2)) co_return;  // a stop is under way already
    const std::int64_t energy = last - start;
    const Money price = Money::from_db(r.get(0, 3));
    // A cost beyond the money type is an absurd reading: certainly past any balance.
    const Money cost = Money::energy_cost(energy, price).value_or(Money::tyiyn(Money::kColumnMax));
    std::optional<std::int64_t> limit_wh;
    if (!r.is_null(0, 0)) limit_wh = common::parse_decimal(r.get(0, 0), 3);
    std::optional<Money> limit_amount, available;
    if (!r.is_null(0, 1)) limit_amount = Money::parse(r.get(0, 1));
    if (!r.is_null(0, 4)) available = Money::parse(r.get(0, 4));
    if (auto reason = rules::limit_reached(energy, cost, limit_wh, limit_amount, available))
      out.stop_due = StopDue{id, req.station_id, *reason, energy};
  });
  co_return out;
}

}  // namespace evp::charging
