#include "charging_profiles.hpp"

#include <doctest/doctest.h>

#include "common/time.hpp"

using evp::sim::detail::ChargingProfiles;
using evp::sim::detail::ConfigStore;
using evp::sim::detail::RunningTx;
using evp::sim::detail::SysTime;
using nlohmann::json;

namespace {
const SysTime kNow{std::chrono::seconds(1'800'000'000)};  // 2027-01-15T08:00:00Z

// Vectors and maps, not json, for the brace-initialised arguments: Clang takes `{x}` for a
// json `x` as a copy of x, GCC as a one-element array.
json profile(int id, int level, const char* purpose, const char* kind, const std::vector<json>& periods,
             const std::map<std::string, json>& extra = {}) {
  json p{{"chargingProfileId", id},
         {"stackLevel", level},
         {"chargingProfilePurpose", purpose},
         {"chargingProfileKind", kind},
         {"chargingSchedule", {{"chargingRateUnit", "A"}, {"chargingSchedulePeriod", json(periods)}}}};
  for (const auto& [k, v] : extra) {
    if (k == "startSchedule" || k == "duration" || k == "chargingRateUnit")
      p["chargingSchedule"][k] = v;
    else
      p[k] = v;
  }
  return p;
}
json period(int start, double limit) { return {{"startPeriod", start}, {"limit", limit}}; }
}  // namespace

TEST_CASE("charging profiles: same id or same slot replaces; limits and counts are enforced") {
  ConfigStore config(2, "Core,SmartCharging");
  ChargingProfiles p;
  const std::map<int, RunningTx> none;
  CHECK(p.set(1, profile(1, 0, "TxDefaultProfile", "Relative", {period(0, 10)}), 2, none, config, kNow) == "Accepted");
  CHECK(p.set(1, profile(2, 0, "TxDefaultProfile", "Relative", {period(0, 12)}), 2, none, config, kNow) == "Accepted");
  REQUIRE(p.installed().size() == 1);  // same connector, stack level and purpose
  CHECK(p.installed()[0].profile["chargingProfileId"] == 2);
  CHECK(p.set(2, profile(2, 3, "TxDefaultProfile", "Relative", {period(0, 12)}), 2, none, config, kNow) == "Accepted");
  REQUIRE(p.installed().size() == 1);  // same id moves
  CHECK(p.installed()[0].connector == 2);
  CHECK(p.set(3, profile(3, 0, "TxDefaultProfile", "Relative", {period(0, 1)}), 2, none, config, kNow) == "Rejected");
  CHECK(p.set(1, profile(3, 11, "TxDefaultProfile", "Relative", {period(0, 1)}), 2, none, config, kNow) == "Rejected");
  CHECK(p.set(1, profile(3, 1, "TxDefaultProfile", "Relative", {period(0, 1), period(0, 2)}), 2, none, config, kNow) ==
        "Rejected");
  CHECK(p.set(1, profile(3, 1, "TxDefaultProfile", "Recurring", {period(0, 1)}), 2, none, config, kNow) == "Rejected");
  json watts = profile(3, 1, "TxDefaultProfile", "Relative", {period(0, 1)}, {{"chargingRateUnit", "kW"}});
  CHECK(p.set(1, watts, 2, none, config, kNow) == "Rejected");
  for (int i = 0; i < 19; ++i)
    CHECK(p.set(i < 11 ? 1 : 0,
                profile(10 + i, i % 11, i < 11 ? "TxDefaultProfile" : "ChargePointMaxProfile", "Relative",
                        {period(0, 1)}),
                2, none, config, kNow) == "Accepted");
  CHECK(p.installed().size() == 20);
  CHECK(p.set(2, profile(99, 5, "TxDefaultProfile", "Relative", {period(0, 1)}), 2, none, config, kNow) == "Rejected");
  CHECK(p.installed().size() == 20);  // MaxChargingProfilesInstalled, nothing lost
}

TEST_CASE("charging profiles: the composite follows stack levels, recurrence, validity and the station maximum") {
  ConfigStore config(2, "Core,SmartCharging");
  ChargingProfiles p;
  std::map<int, RunningTx> running{{1, RunningTx{42, kNow - std::chrono::seconds(30)}}};
  // Daily: 8 A from the start of the day's cycle, 16 A after an hour; started 30 min ago.
  const auto start = evp::common::format_datetime(
      std::chrono::time_point_cast<std::chrono::milliseconds>(kNow - std::chrono::hours(24) - std::chrono::minutes(30)));
  CHECK(p.set(0, profile(1, 0, "TxDefaultProfile", "Recurring", {period(0, 8), period(3600, 16)},
                         {{"recurrencyKind", "Daily"}, {"startSchedule", start}}),
              2, running, config, kNow) == "Accepted");
  // On top for the running transaction: 6 A for its first 60 s (30 s left), then nothing.
  CHECK(p.set(1, profile(2, 0, "TxProfile", "Relative", {period(0, 6)}, {{"duration", 60}}), 2, running, config,
              kNow) == "Accepted");
  auto c = p.composite(1, 3600, std::nullopt, running, kNow);
  const json periods = c["chargingSchedule"]["chargingSchedulePeriod"];
  INFO(c.dump());
  REQUIRE(periods.size() == 3);
  CHECK(periods[0] == json{{"startPeriod", 0}, {"limit", 6.0}, {"numberPhases", 3}});
  CHECK(periods[1]["startPeriod"] == 30);  // the TxProfile ends: the default applies
  CHECK(periods[1]["limit"] == 8.0);
  CHECK(periods[2]["startPeriod"] == 1800);  // the daily schedule's second period
  CHECK(periods[2]["limit"] == 16.0);
  // Connector 2 has no transaction and only the station-wide default; a validTo ends it.
  CHECK(p.set(2, profile(3, 1, "TxDefaultProfile", "Absolute", {period(0, 5)},
                         {{"validTo", evp::common::format_datetime(std::chrono::time_point_cast<std::chrono::milliseconds>(
                                          kNow + std::chrono::seconds(100)))}}),
              2, running, config, kNow) == "Accepted");
  c = p.composite(2, 200, std::string("W"), running, kNow);
  const json two = c["chargingSchedule"]["chargingSchedulePeriod"];
  INFO(c.dump());
  REQUIRE(two.size() == 2);
  CHECK(two[0]["limit"] == 3450.0);  // 5 A x 230 V x 3
  CHECK(two[1]["startPeriod"] == 100);
  CHECK(two[1]["limit"] == 22080.0);  // a connector's own default is gone: the hardware's 32 A
  p.transaction_ended(1);
  CHECK(p.installed().size() == 2);
  CHECK(p.clear(std::nullopt, 2, std::nullopt, std::nullopt) == 1);
  CHECK(p.clear(std::nullopt, std::nullopt, std::string("TxProfile"), std::nullopt) == 0);
}
