#include "config_store.hpp"

#include <charconv>

namespace evp::sim::detail {

ConfigStore::ConfigStore(int connectors) {
  entries_ = {
      {"HeartbeatInterval", {"300", false, true}},
      {"MeterValueSampleInterval", {"60", false, true}},
      {"ClockAlignedDataInterval", {"0", false, true}},
      {"ConnectionTimeOut", {"60", false, true}},
      {"ResetRetries", {"1", false, true}},
      {"NumberOfConnectors", {std::to_string(connectors), true, true}},
      {"MeterValuesSampledData", {"Energy.Active.Import.Register", false, false}},
      {"AuthorizeRemoteTxRequests", {"false", false, false}},
      {"LocalPreAuthorize", {"false", false, false}},
      {"StopTransactionOnEVSideDisconnect", {"true", false, false}},
      {"SupportedFeatureProfiles", {"Core,RemoteTrigger", true, false}},
      {"WebSocketPingInterval", {"0", false, true}},
  };
}

std::optional<std::string> ConfigStore::get(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

int ConfigStore::get_int(const std::string& key, int fallback) const {
  auto v = get(key);
  if (!v) return fallback;
  int out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  return ec == std::errc() && p == v->data() + v->size() ? out : fallback;
}

std::string ConfigStore::change(const std::string& key, const std::string& value) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return "NotSupported";
  if (it->second.readonly) return "Rejected";
  if (it->second.integer) {
    int n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || p != value.data() + value.size() || n < 0) return "Rejected";
  }
  it->second.value = value;
  return "Accepted";
}

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
