// Sampled values in the charging module's terms, and reading energy registers out of them.
#include <algorithm>

#include "common/money.hpp"
#include "handlers/context.hpp"

namespace evp::ocpp::handlers {
namespace {

template <class E>
std::optional<std::string> name_of(const std::optional<E>& v) {
  if (!v) return std::nullopt;
  return std::string(to_string(*v));
}

}  // namespace

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
  // A meter's own resolution may be finer than a Wh: rounded half away from zero.
  return common::parse_decimal(s.value, digits, common::ExtraDigits::Round);
}

std::vector<charging::Sample> to_samples(const std::vector<MeterValue>& values) {
  std::vector<charging::Sample> out;
  for (const auto& mv : values)
    for (const auto& s : mv.sampledValue)
      out.push_back({mv.timestamp, s.value, name_of(s.context), name_of(s.format), name_of(s.measurand),
                     name_of(s.phase), name_of(s.location), name_of(s.unit)});
  return out;
}

charging::Readings register_readings(const std::vector<MeterValue>& values) {
  charging::Readings readings;
  for (const auto& mv : values)
    for (const auto& s : mv.sampledValue)
      if (auto wh = register_wh(s)) readings.emplace_back(mv.timestamp, *wh);
  std::stable_sort(readings.begin(), readings.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return readings;
}

}  // namespace evp::ocpp::handlers
