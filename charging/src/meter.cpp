// MeterValues: every sampled value stored; the energy register advances the transaction,
// and the rules say whether the server should stop the session now. The data part is one
// statement, evp_meter_values (migration 011); the stop rule (rules::limit_reached) runs here
// on what it returns.
#include <spdlog/spdlog.h>

#include "db/arrays.hpp"
#include "internal.hpp"
#include "rules.hpp"

namespace evp::charging {
namespace {

constexpr const char* kMeter = R"(
  SELECT o_moved, o_backwards, o_energy, o_price, o_limit_kwh, o_limit_amount, o_stop_requested, o_available
    FROM evp_meter_values($1, $2, $3, $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                          $10::text[], $11::text[], $12::text[], $13::bigint[]))";

}  // namespace

void append_samples(db::Params& p, const std::vector<Sample>& samples) {
  std::vector<std::optional<std::string>> ts, measurand, phase, unit, context, location, format, value;
  for (const auto& s : samples) {
    ts.emplace_back(common::format_datetime(s.timestamp));
    measurand.push_back(s.measurand);
    phase.push_back(s.phase);
    unit.push_back(s.unit);
    context.push_back(s.context);
    location.push_back(s.location);
    format.push_back(s.format);
    value.emplace_back(s.value);
  }
  for (const auto* column : {&ts, &measurand, &phase, &unit, &context, &location, &format, &value})
    p.push_back(db::param(db::text_array(*column)));
}

asio::awaitable<MeterResult> Service::meter_values(const MeterRequest& req) {
  MeterResult out;
  const db::Param tx_id = req.transaction_id ? db::param(*req.transaction_id) : db::null();
  db::Params p = db::params(db::param(req.station_id), db::param(req.connector_id), tx_id);
  append_samples(p, req.samples);
  std::vector<std::optional<std::string>> read_ts, read_wh;
  for (const auto& [ts, wh] : req.readings) {
    read_ts.emplace_back(common::format_datetime(ts));
    read_wh.emplace_back(std::to_string(wh));
  }
  p.push_back(db::param(db::text_array(read_ts)));
  p.push_back(db::param(db::text_array(read_wh)));
  auto r = co_await statement(impl_->pool, kMeter, std::move(p));
  if (r.empty()) co_return out;
  if (r.get_int(0, 1) > 0)
    spdlog::warn("{}: transaction {}: {} meter reading(s) went backwards, kept as events only", req.station_id,
                 *req.transaction_id, r.get_int(0, 1));
  // Nothing new counted, or a stop is under way already.
  if (!r.get_bool(0, 0) || r.is_null(0, 6) || r.get_bool(0, 6)) co_return out;
  const int id = *req.transaction_id;
  const std::int64_t energy = r.get_int(0, 2);
  const Money price = Money::from_db(r.get(0, 3));
  // A cost beyond the money type is an absurd reading: certainly past any balance.
  const Money cost = Money::energy_cost(energy, price).value_or(Money::tyiyn(Money::kColumnMax));
  std::optional<std::int64_t> limit_wh;
  if (!r.is_null(0, 4)) limit_wh = common::parse_decimal(r.get(0, 4), 3);
  std::optional<Money> limit_amount, available;
  if (!r.is_null(0, 5)) limit_amount = Money::parse(r.get(0, 5));
  if (!r.is_null(0, 7)) available = Money::parse(r.get(0, 7));
  if (auto reason = rules::limit_reached(energy, cost, limit_wh, limit_amount, available))
    out.stop_due = StopDue{id, req.station_id, *reason, energy};
  co_return out;
}

}  // namespace evp::charging
