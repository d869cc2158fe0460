#include "config_store.hpp"

#include <charconv>
#include <set>

namespace evp::sim::detail {

namespace {
// Measurands of OCPP 1.6 §7.31 the simulated meter can sample.
const std::set<std::string>& known_measurands() {
  static const std::set<std::string> m{"Energy.Active.Import.Register", "Power.Active.Import", "Current.Import",
                                       "Voltage", "SoC", "Temperature"};
  return m;
}

bool valid_measurands(const std::string& value) {
  if (value.empty()) return true;  // nothing sampled
  std::size_t from = 0;
  for (;;) {
    const auto comma = value.find(',', from);
    const std::string item = value.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (!known_measurands().contains(item)) return false;
    if (comma == std::string::npos) return true;
    from = comma + 1;
  }
}

bool parse_int(const std::string& value, int& out) {
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return !value.empty() && ec == std::errc() && p == value.data() + value.size();
}
}  // namespace

ConfigStore::ConfigStore(int connectors, const std::string& profiles) {
  const auto I = Kind::Integer;
  const auto B = Kind::Boolean;
  const auto T = Kind::Text;
  entries_ = {
      // Core
      {"AuthorizeRemoteTxRequests", {"false", false, B}},
      {"AuthorizationCacheEnabled", {"true", false, B}},
      {"ClockAlignedDataInterval", {"0", false, I}},
      {"ConnectionTimeOut", {"60", false, I}},
      {"ConnectorPhaseRotation", {"NotApplicable", false, T}},
      {"GetConfigurationMaxKeys", {"50", true, I}},
      {"HeartbeatInterval", {"300", false, I}},
      {"LocalAuthorizeOffline", {"true", false, B}},
      {"LocalPreAuthorize", {"false", false, B}},
      {"MeterValuesAlignedData", {"Energy.Active.Import.Register", false, Kind::Measurands}},
      {"MeterValuesSampledData", {"Energy.Active.Import.Register", false, Kind::Measurands}},
      {"MeterValueSampleInterval", {"60", false, I}},
      {"NumberOfConnectors", {std::to_string(connectors), true, I}},
      {"ResetRetries", {"1", false, I}},
      {"StopTransactionOnEVSideDisconnect", {"true", false, B}},
      {"StopTransactionOnInvalidId", {"true", false, B}},
      {"StopTxnAlignedData", {"", false, Kind::Measurands}},
      {"StopTxnSampledData", {"", false, Kind::Measurands}},
      {"SupportedFeatureProfiles", {profiles, true, T}},
      {"TransactionMessageAttempts", {"3", false, I}},
      {"TransactionMessageRetryInterval", {"60", false, I}},
      {"UnlockConnectorOnEVSideDisconnect", {"true", false, B}},
      // The WebSocket layer reads it when it connects: a change waits for the next boot.
      {"WebSocketPingInterval", {"0", false, I, true}},
      // Local Auth List Management
      {"LocalAuthListEnabled", {"true", false, B}},
      {"LocalAuthListMaxLength", {"100", true, I}},
      {"SendLocalListMaxLength", {"100", true, I}},
      // Reservation
      {"ReserveConnectorZeroSupported", {"false", true, B}},
      // Smart Charging
      {"ChargeProfileMaxStackLevel", {"10", true, I}},
      {"ChargingScheduleAllowedChargingRateUnit", {"Current,Power", true, T}},
      {"ChargingScheduleMaxPeriods", {"24", true, I}},
      {"MaxChargingProfilesInstalled", {"20", true, I}},
  };
}

std::optional<std::string> ConfigStore::get(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

int ConfigStore::get_int(const std::string& key, int fallback) const {
  auto v = get(key);
  int out = 0;
  return v && parse_int(*v, out) ? out : fallback;
}

bool ConfigStore::get_bool(const std::string& key, bool fallback) const {
  auto v = get(key);
  if (!v) return fallback;
  if (*v == "true") return true;
  if (*v == "false") return false;
  return fallback;
}

std::string ConfigStore::change(const std::string& key, const std::string& value) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return "NotSupported";
  Entry& e = it->second;
  if (e.readonly) return "Rejected";
  int n = 0;
  switch (e.kind) {
    case Kind::Integer:
      if (!parse_int(value, n) || n < 0) return "Rejected";
      break;
    case Kind::Boolean:
      // OCPP booleans are "true"/"false"; stations commonly take either case.
      if (value != "true" && value != "false" && value != "True" && value != "False") return "Rejected";
      break;
    case Kind::Measurands:
      if (!valid_measurands(value)) return "Rejected";
      break;
    case Kind::Text:
      if (value.size() > 500) return "Rejected";
      break;
  }
  e.value = e.kind == Kind::Boolean ? (value == "true" || value == "True" ? "true" : "false") : value;
  return e.reboot ? "RebootRequired" : "Accepted";
}

void ConfigStore::set(const std::string& key, const std::string& value) { entries_[key].value = value; }

nlohmann::json ConfigStore::describe(const std::vector<std::string>& keys) const {
  nlohmann::json known = nlohmann::json::array();
  nlohmann::json unknown = nlohmann::json::array();
  auto add = [&](const std::string& k, const Entry& e) {
    known.push_back({{"key", k}, {"readonly", e.readonly}, {"value", e.value}});
  };
  if (keys.empty()) {
    for (const auto& [k, e] : entries_) add(k, e);
  } else {
    for (const auto& k : keys) {
      auto it = entries_.find(k);
      if (it == entries_.end())
        unknown.push_back(k);
      else
        add(k, it->second);
    }
  }
  nlohmann::json out{{"configurationKey", known}};
  if (!unknown.empty()) out["unknownKey"] = unknown;
  return out;
}

}  // namespace evp::sim::detail
