#pragma once
// The station's installed charging profiles (OCPP 1.6 §3.13 Smart Charging): validation
// and storage by connector, stack level and purpose (SetChargingProfile), removal by id or
// by filter (ClearChargingProfile), and the composite schedule the station would follow
// (GetCompositeSchedule). Pure logic: the caller passes the clock and the transactions.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config_store.hpp"

namespace evp::sim::detail {

using SysTime = std::chrono::sys_seconds;

struct StoredProfile {
  int connector = 0;
  nlohmann::json profile;  ///< csChargingProfiles as received
};

/// What the station knows about a transaction running on a connector.
struct RunningTx {
  std::int64_t id = 0;
  SysTime started;
};

class ChargingProfiles {
 public:
  /// The station's hardware limit per connector, reported where no profile limits.
  static constexpr double kMaxAmps = 32.0;
  static constexpr int kPhases = 3;
  static constexpr double kVolts = 230.0;
  /// Longest composite schedule computed (seconds); longer requests are cut to it.
  static constexpr int kMaxCompositeSeconds = 7 * 24 * 3600;

  /// The fields the station reads are there with their JSON types (the OCPP schema's
  /// csChargingProfiles); a profile that is not is answered with a CALLERROR.
  static bool well_formed(const nlohmann::json& profile);

  /// SetChargingProfile.conf status: "Accepted" (stored, replacing a profile with the same
  /// id or the same connector/stackLevel/purpose) or "Rejected" (invalid or not applicable).
  std::string set(int connector, const nlohmann::json& profile, int connectors,
                  const std::map<int, RunningTx>& running, const ConfigStore& config, SysTime now);

  /// ClearChargingProfile: removes the profile with `id`, or (without id) every profile that
  /// matches all the given fields. Returns how many were removed.
  std::size_t clear(std::optional<std::int64_t> id, std::optional<int> connector, std::optional<std::string> purpose,
                    std::optional<int> stack_level);

  /// A transaction ended on `connector`: its TxProfiles go with it (§3.13.2).
  void transaction_ended(int connector);

  /// GetCompositeSchedule.conf for a known connector: the limit the station would apply
  /// second by second over `duration_s` from `now`, merged into periods.
  nlohmann::json composite(int connector, int duration_s, std::optional<std::string> unit,
                           const std::map<int, RunningTx>& running, SysTime now) const;

  const std::vector<StoredProfile>& installed() const { return profiles_; }

 private:
  std::vector<StoredProfile> profiles_;
};

}  // namespace evp::sim::detail
