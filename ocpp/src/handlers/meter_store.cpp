// Storing sampled values and reading energy registers out of them.
#include <limits>

#include "db/arrays.hpp"
#include "handlers/context.hpp"

namespace evp::ocpp::handlers {
namespace {

template <class E>
std::optional<std::string> name_of(const std::optional<E>& v) {
  if (!v) return std::nullopt;
  return std::string(to_string(*v));
}

}  // namespace

std::optional<std::int64_t> parse_scaled(std::string_view s, int digits) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  auto dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (ip.empty() && fp.empty()) return std::nullopt;
  if (dot != std::string_view::npos && fp.empty()) return std::nullopt;
  constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 100;
  std::int64_t v = 0;
  auto push_digit = [&](char ch) {
    if (ch < '0' || ch > '9' || v > kLimit) return false;
    v = v * 10 + (ch - '0');
    return true;
  };
  for (char ch : ip)
    if (!push_digit(ch)) return std::nullopt;
  for (int i = 0; i < digits; ++i)
    if (!push_digit(i < static_cast<int>(fp.size()) ? fp[i] : '0')) return std::nullopt;
  for (std::size_t i = digits; i < fp.size(); ++i)
    if (fp[i] < '0' || fp[i] > '9') return std::nullopt;
  if (fp.size() > static_cast<std::size_t>(digits) && fp[digits] >= '5') ++v;  // half away from zero
  return negative ? -v : v;
}

std::optional<std::int64_t> register_wh(const SampledValue& s) {
  if (s.measurand && *s.measurand != Measurand::Energy_Active_Import_Register) return std::nullopt;
  if (s.format && *s.format != ValueFormat::Raw) return std::nullopt;  // SignedData: not a number
  if (s.phase) return std::nullopt;                                    // a per-phase share, not the meter's total
  if (s.location && *s.location != Location::Outlet && *s.location != Location::Inlet) return std::nullopt;
  int digits = 0;
  if (s.unit && *s.unit == UnitOfMeasure::kWh)
    digits = 3;
  else if (s.unit && *s.unit != UnitOfMeasure::Wh)
    return std::nullopt;
  return parse_scaled(s.value, digits);
}

asio::awaitable<void> store_meter_values(db::Connection& c, std::string_view station_id, int connector_id,
                                         std::optional<int> transaction_id, const std::vector<MeterValue>& values) {
  std::vector<std::optional<std::string>> ts, measurand, phase, unit, context, location, format, value;
  for (const auto& mv : values) {
    for (const auto& s : mv.sampledValue) {
      ts.emplace_back(common::format_datetime(mv.timestamp));
      measurand.push_back(name_of(s.measurand));
      phase.push_back(name_of(s.phase));
      unit.push_back(name_of(s.unit));
      context.push_back(name_of(s.context));
      location.push_back(name_of(s.location));
      format.push_back(name_of(s.format));
      value.emplace_back(s.value);
    }
  }
  if (value.empty()) co_return;
  db::Params params1 =
      args(db::param(station_id), db::param(connector_id), transaction_id ? db::param(*transaction_id) : db::null(),
           db::param(db::text_array(ts)), db::param(db::text_array(measurand)), db::param(db::text_array(phase)),
           db::param(db::text_array(unit)), db::param(db::text_array(context)), db::param(db::text_array(location)),
           db::param(db::text_array(format)), db::param(db::text_array(value)));
  co_await c.query(
      "INSERT INTO meter_values (station_id, connector_id, transaction_id, timestamp, measurand, phase, unit, "
      "context, location, format, value) "
      "SELECT $1, $2, $3, u.ts, coalesce(u.measurand, 'Energy.Active.Import.Register'), u.phase, u.unit, u.context, "
      "u.location, u.format, u.value "
      "FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], "
      "$11::text[]) AS u(ts, measurand, phase, unit, context, location, format, value)",
      std::move(params1));
}

}  // namespace evp::ocpp::handlers
