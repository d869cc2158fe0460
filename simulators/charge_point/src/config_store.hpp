#pragma once
// The station's configuration keys (OCPP 1.6 §9 core profile subset) behind
// GetConfiguration / ChangeConfiguration.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evp::sim::detail {

class ConfigStore {
 public:
  /// Standard keys with a simulator's defaults; `connectors` fills NumberOfConnectors.
  explicit ConfigStore(int connectors);

  std::optional<std::string> get(const std::string& key) const;
  int get_int(const std::string& key, int fallback) const;

  /// ChangeConfiguration status: "Accepted", "Rejected" (read-only or invalid value) or
  /// "NotSupported" (unknown key).
  std::string change(const std::string& key, const std::string& value);

  /// GetConfiguration.conf payload for `keys` (all keys when empty).
  nlohmann::json describe(const std::vector<std::string>& keys) const;

 private:
  struct Entry {
    std::string value;
    bool readonly = false;
    bool integer = false;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace evp::sim::detail
