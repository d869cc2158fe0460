#include "charging_profiles.hpp"

#include <algorithm>
#include <cmath>

#include "common/time.hpp"

namespace evp::sim::detail {

namespace {

using Json = nlohmann::json;

std::optional<SysTime> time_field(const Json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
  auto t = common::parse_datetime(j[name].get<std::string>());
  if (!t) return std::nullopt;
  return std::chrono::floor<std::chrono::seconds>(*t);
}

std::string unit_key(const std::string& unit) { return unit == "A" ? "Current" : unit == "W" ? "Power" : ""; }

bool allowed_unit(const ConfigStore& config, const std::string& unit) {
  const std::string allowed = config.get("ChargingScheduleAllowedChargingRateUnit").value_or("Current");
  const std::string key = unit_key(unit);
  return !key.empty() && allowed.find(key) != std::string::npos;
}

// A schedule's limit at `t` in its own unit, with its phase count; nullopt when the profile
// does not apply then (not valid yet/any more, not started, past its duration).
struct Limit {
  double value;
  int phases;
  std::string unit;
};

std::optional<Limit> limit_at(const Json& p, SysTime t, std::optional<SysTime> tx_start) {
  if (auto from = time_field(p, "validFrom"); from && t < *from) return std::nullopt;
  if (auto to = time_field(p, "validTo"); to && t >= *to) return std::nullopt;
  const Json& s = p["chargingSchedule"];
  const std::string kind = p.value("chargingProfileKind", "");
  std::optional<SysTime> start;
  if (kind == "Relative") {
    start = tx_start;
  } else {
    start = time_field(s, "startSchedule");
    if (kind == "Recurring" && start && t >= *start) {
      const std::int64_t cycle = p.value("recurrencyKind", "") == "Weekly" ? 7 * 86400 : 86400;
      const std::int64_t since = (t - *start).count();
      *start += std::chrono::seconds(since - since % cycle);
    }
  }
  if (!start || t < *start) return std::nullopt;
  const std::int64_t offset = (t - *start).count();
  if (s.contains("duration") && offset >= s["duration"].get<std::int64_t>()) return std::nullopt;
  const Json* current = nullptr;
  for (const auto& period : s["chargingSchedulePeriod"])
    if (period["startPeriod"].get<std::int64_t>() <= offset) current = &period;
  if (current == nullptr) return std::nullopt;
  return Limit{(*current)["limit"].get<double>(), current->value("numberPhases", ChargingProfiles::kPhases),
               s["chargingRateUnit"].get<std::string>()};
}

double convert(const Limit& l, const std::string& unit) {
  if (l.unit == unit) return l.value;
  const double factor = ChargingProfiles::kVolts * l.phases;
  return unit == "W" ? l.value * factor : l.value / factor;
}

bool is_int(const Json& j, const char* name, bool required) {
  if (!j.contains(name)) return !required;
  return j[name].is_number_integer();
}
bool is_text(const Json& j, const char* name, bool required) {
  if (!j.contains(name)) return !required;
  return j[name].is_string();
}

}  // namespace

bool ChargingProfiles::well_formed(const Json& p) {
  if (!p.is_object() || !is_int(p, "chargingProfileId", true) || !is_int(p, "stackLevel", true) ||
      !is_int(p, "transactionId", false) || !is_text(p, "chargingProfilePurpose", true) ||
      !is_text(p, "chargingProfileKind", true) || !is_text(p, "recurrencyKind", false) ||
      !is_text(p, "validFrom", false) || !is_text(p, "validTo", false) || !p.contains("chargingSchedule"))
    return false;
  const Json& s = p["chargingSchedule"];
  if (!s.is_object() || !is_text(s, "chargingRateUnit", true) || !is_int(s, "duration", false) ||
      !is_text(s, "startSchedule", false) || !s.contains("chargingSchedulePeriod") ||
      !s["chargingSchedulePeriod"].is_array())
    return false;
  for (const auto& period : s["chargingSchedulePeriod"])
    if (!period.is_object() || !is_int(period, "startPeriod", true) || !period.contains("limit") ||
        !period["limit"].is_number() || !is_int(period, "numberPhases", false))
      return false;
  return true;
}

std::string ChargingProfiles::set(int connector, const Json& p, int connectors, const std::map<int, RunningTx>& running,
                                  const ConfigStore& config, SysTime now) {
  if (!well_formed(p) || connector < 0 || connector > connectors) return "Rejected";
  const std::string purpose = p.value("chargingProfilePurpose", "");
  const std::string kind = p.value("chargingProfileKind", "");
  if (purpose == "ChargePointMaxProfile" && connector != 0) return "Rejected";
  if (purpose == "TxProfile") {
    // Only for the transaction running on that connector (§3.13.4).
    auto tx = running.find(connector);
    if (connector == 0 || tx == running.end()) return "Rejected";
    if (p.contains("transactionId") && p["transactionId"].get<std::int64_t>() != tx->second.id) return "Rejected";
  }
  const int stack = p.value("stackLevel", -1);
  if (stack < 0 || stack > config.get_int("ChargeProfileMaxStackLevel", 10)) return "Rejected";
  if (kind == "Recurring" && (!p.contains("recurrencyKind") || !p["chargingSchedule"].contains("startSchedule")))
    return "Rejected";
  const Json& s = p["chargingSchedule"];
  if (!allowed_unit(config, s.value("chargingRateUnit", ""))) return "Rejected";
  const Json& periods = s["chargingSchedulePeriod"];
  if (periods.empty() || static_cast<int>(periods.size()) > config.get_int("ChargingScheduleMaxPeriods", 24))
    return "Rejected";
  std::int64_t previous = -1;
  for (const auto& period : periods) {
    const auto start = period["startPeriod"].get<std::int64_t>();
    if ((previous < 0 && start != 0) || start <= previous || period["limit"].get<double>() < 0) return "Rejected";
    if (period.contains("numberPhases") && (period["numberPhases"] < 1 || period["numberPhases"] > 3))
      return "Rejected";
    previous = start;
  }
  for (const char* name : {"validFrom", "validTo", "startSchedule"}) {
    const Json& holder = std::string(name) == "startSchedule" ? s : p;
    if (holder.contains(name) && !time_field(holder, name)) return "Rejected";
  }

  Json stored = p;
  // An Absolute schedule without a start starts when the station receives it.
  if (kind == "Absolute" && !s.contains("startSchedule"))
    stored["chargingSchedule"]["startSchedule"] = common::format_datetime(std::chrono::time_point_cast<std::chrono::milliseconds>(now));
  const auto id = p["chargingProfileId"].get<std::int64_t>();
  std::vector<StoredProfile> kept;
  for (const auto& sp : profiles_) {
    const bool same_id = sp.profile["chargingProfileId"].get<std::int64_t>() == id;
    const bool same_slot = sp.connector == connector && sp.profile["stackLevel"] == stack &&
                           sp.profile["chargingProfilePurpose"] == purpose;
    if (!same_id && !same_slot) kept.push_back(sp);
  }
  if (static_cast<int>(kept.size()) >= config.get_int("MaxChargingProfilesInstalled", 20)) {
    return "Rejected";
  }
  kept.push_back(StoredProfile{connector, std::move(stored)});
  profiles_ = std::move(kept);
  return "Accepted";
}

std::size_t ChargingProfiles::clear(std::optional<std::int64_t> id, std::optional<int> connector,
                                    std::optional<std::string> purpose, std::optional<int> stack_level) {
  const auto before = profiles_.size();
  std::erase_if(profiles_, [&](const StoredProfile& sp) {
    if (id) return sp.profile["chargingProfileId"].get<std::int64_t>() == *id;
    if (connector && sp.connector != *connector) return false;
    if (purpose && sp.profile["chargingProfilePurpose"] != *purpose) return false;
    if (stack_level && sp.profile["stackLevel"] != *stack_level) return false;
    return true;
  });
  return before - profiles_.size();
}

void ChargingProfiles::transaction_ended(int connector) {
  std::erase_if(profiles_, [&](const StoredProfile& sp) {
    return sp.connector == connector && sp.profile["chargingProfilePurpose"] == "TxProfile";
  });
}

Json ChargingProfiles::composite(int connector, int duration_s, std::optional<std::string> unit,
                                 const std::map<int, RunningTx>& running, SysTime now) const {
  // The unit asked for, else that of the first profile that could apply, else amperes.
  std::string out_unit = unit.value_or("");
  for (const auto& sp : profiles_)
    if (out_unit.empty() && (sp.connector == 0 || sp.connector == connector))
      out_unit = sp.profile["chargingSchedule"]["chargingRateUnit"].get<std::string>();
  if (out_unit.empty()) out_unit = "A";
  const double hardware = out_unit == "A" ? kMaxAmps : kMaxAmps * kVolts * kPhases;

  std::optional<SysTime> tx_start;
  const auto tx = running.find(connector);
  if (tx != running.end()) tx_start = tx->second.started;
  // A schedule relative to a transaction that has not started yet starts now.
  const SysTime relative_start = tx_start.value_or(now);
  bool connector_defaults = false;
  for (const auto& sp : profiles_)
    connector_defaults = connector_defaults || (sp.connector == connector && connector != 0 &&
                                                sp.profile["chargingProfilePurpose"] == "TxDefaultProfile");

  // Highest stack level of a purpose that has a limit at t.
  auto purpose_limit = [&](const std::string& purpose, SysTime t) -> std::optional<double> {
    std::optional<double> best;
    int best_level = -1;
    for (const auto& sp : profiles_) {
      const Json& p = sp.profile;
      if (p["chargingProfilePurpose"] != purpose) continue;
      if (purpose == "TxDefaultProfile" && sp.connector != (connector_defaults ? connector : 0)) continue;
      if (purpose == "TxProfile" && (sp.connector != connector || tx == running.end())) continue;
      const int level = p["stackLevel"].get<int>();
      if (level <= best_level) continue;
      if (auto l = limit_at(p, t, relative_start)) {
        best = convert(*l, out_unit);
        best_level = level;
      }
    }
    return best;
  };

  const int duration = std::clamp(duration_s, 0, kMaxCompositeSeconds);
  Json periods = Json::array();
  std::optional<double> last;
  for (int offset = 0; offset < std::max(duration, 1); ++offset) {
    const SysTime t = now + std::chrono::seconds(offset);
    double limit = hardware;
    if (auto cp = purpose_limit("ChargePointMaxProfile", t)) limit = std::min(limit, *cp);
    if (connector > 0) {
      auto txl = purpose_limit("TxProfile", t);
      if (!txl) txl = purpose_limit("TxDefaultProfile", t);
      if (txl) limit = std::min(limit, *txl);
    }
    limit = std::round(limit * 10.0) / 10.0;  // the schema's multipleOf 0.1
    if (!last || *last != limit) {
      periods.push_back({{"startPeriod", offset}, {"limit", limit}, {"numberPhases", kPhases}});
      last = limit;
    }
  }
  const std::string start = common::format_datetime(std::chrono::time_point_cast<std::chrono::milliseconds>(now));
  return {{"status", "Accepted"},
          {"connectorId", connector},
          {"scheduleStart", start},
          {"chargingSchedule",
           {{"duration", duration}, {"startSchedule", start}, {"chargingRateUnit", out_unit},
            {"chargingSchedulePeriod", periods}}}};
}

}  // namespace evp::sim::detail
