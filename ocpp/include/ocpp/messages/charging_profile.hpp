#pragma once
/// OCPP 1.6 ChargingProfile and its parts (used by RemoteStartTransaction and Smart Charging).
#include <optional>
#include <vector>

#include "ocpp/types.hpp"

namespace evp::ocpp {

enum class ChargingProfilePurposeType { ChargePointMaxProfile, TxDefaultProfile, TxProfile };
template <>
struct EnumNames<ChargingProfilePurposeType> {
  static constexpr std::string_view type = "ChargingProfilePurposeType";
  static constexpr auto values = enum_names("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile");
};

enum class ChargingProfileKindType { Absolute, Recurring, Relative };
template <>
struct EnumNames<ChargingProfileKindType> {
  static constexpr std::string_view type = "ChargingProfileKindType";
  static constexpr auto values = enum_names("Absolute", "Recurring", "Relative");
};

enum class RecurrencyKindType { Daily, Weekly };
template <>
struct EnumNames<RecurrencyKindType> {
  static constexpr std::string_view type = "RecurrencyKindType";
  static constexpr auto values = enum_names("Daily", "Weekly");
};

enum class ChargingRateUnitType { A, W };
template <>
struct EnumNames<ChargingRateUnitType> {
  static constexpr std::string_view type = "ChargingRateUnitType";
  static constexpr auto values = enum_names("A", "W");
};

struct ChargingSchedulePeriod {
  int startPeriod = 0;  ///< seconds from the start of the schedule
  double limit = 0;     ///< in chargingRateUnit, one decimal
  std::optional<int> numberPhases;
  bool operator==(const ChargingSchedulePeriod&) const = default;
};
EVP_OCPP_JSON(ChargingSchedulePeriod)

struct ChargingSchedule {
  std::optional<int> duration;  ///< seconds
  std::optional<DateTime> startSchedule;
  ChargingRateUnitType chargingRateUnit = ChargingRateUnitType::A;
  std::vector<ChargingSchedulePeriod> chargingSchedulePeriod;  ///< at least one
  std::optional<double> minChargingRate;
  bool operator==(const ChargingSchedule&) const = default;
};
EVP_OCPP_JSON(ChargingSchedule)

struct ChargingProfile {
  int chargingProfileId = 0;
  std::optional<int> transactionId;
  int stackLevel = 0;
  ChargingProfilePurposeType chargingProfilePurpose = ChargingProfilePurposeType::TxProfile;
  ChargingProfileKindType chargingProfileKind = ChargingProfileKindType::Absolute;
  std::optional<RecurrencyKindType> recurrencyKind;
  std::optional<DateTime> validFrom;
  std::optional<DateTime> validTo;
  ChargingSchedule chargingSchedule;
  bool operator==(const ChargingProfile&) const = default;
};
EVP_OCPP_JSON(ChargingProfile)

}  // namespace evp::ocpp
