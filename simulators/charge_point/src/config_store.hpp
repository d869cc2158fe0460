#pragma once
// The station's configuration keys (OCPP 1.6 §9: core, local auth list, reservation and
// smart charging keys) behind GetConfiguration / ChangeConfiguration.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evp::sim::detail {

class ConfigStore {
 public:
  /// Standard keys with a simulator's defaults; `connectors` fills NumberOfConnectors and
  /// `profiles` (comma-separated) SupportedFeatureProfiles.
  ConfigStore(int connectors, const std::string& profiles);

  std::optional<std::string> get(const std::string& key) const;
  int get_int(const std::string& key, int fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;

  /// ChangeConfiguration status: "Accepted", "Rejected" (read-only or invalid value),
  /// "RebootRequired" (stored; takes effect at the next boot) or "NotSupported" (unknown key).
  std::string change(const std::string& key, const std::string& value);
  /// Sets a key as the station itself does (HeartbeatInterval from BootNotification).
  void set(const std::string& key, const std::string& value);

  /// GetConfiguration.conf payload for `keys` (all keys when empty).
  nlohmann::json describe(const std::vector<std::string>& keys) const;

 private:
  enum class Kind { Text, Integer, Boolean, Measurands };
  struct Entry {
    std::string value;
    bool readonly = false;
    Kind kind = Kind::Text;
    bool reboot = false;  ///< a change takes effect only after a reboot
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace evp::sim::detail
