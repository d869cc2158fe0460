#pragma once
/// OCPP 1.6 Smart Charging profile messages.
#include <optional>

#include "ocpp/messages/charging_profile.hpp"

namespace evp::ocpp {

enum class ChargingProfileStatus { Accepted, Rejected, NotSupported };
template <>
struct EnumNames<ChargingProfileStatus> {
  static constexpr std::string_view type = "ChargingProfileStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected", "NotSupported");
};

enum class ClearChargingProfileStatus { Accepted, Unknown };
template <>
struct EnumNames<ClearChargingProfileStatus> {
  static constexpr std::string_view type = "ClearChargingProfileStatus";
  static constexpr auto values = enum_names("Accepted", "Unknown");
};

enum class GetCompositeScheduleStatus { Accepted, Rejected };
template <>
struct EnumNames<GetCompositeScheduleStatus> {
  static constexpr std::string_view type = "GetCompositeScheduleStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected");
};

struct SetChargingProfileReq {
  static constexpr std::string_view action = "SetChargingProfile";
  int connectorId = 0;
  ChargingProfile csChargingProfiles;  ///< (sic: the spec's field name)
  bool operator==(const SetChargingProfileReq&) const = default;
};
EVP_OCPP_JSON(SetChargingProfileReq)
struct SetChargingProfileConf {
  static constexpr std::string_view action = "SetChargingProfile";
  ChargingProfileStatus status = ChargingProfileStatus::Rejected;
  bool operator==(const SetChargingProfileConf&) const = default;
};
EVP_OCPP_JSON(SetChargingProfileConf)

/// Every field is a filter; none given clears all profiles.
struct ClearChargingProfileReq {
  static constexpr std::string_view action = "ClearChargingProfile";
  std::optional<int> id;
  std::optional<int> connectorId;
  std::optional<ChargingProfilePurposeType> chargingProfilePurpose;
  std::optional<int> stackLevel;
  bool operator==(const ClearChargingProfileReq&) const = default;
};
EVP_OCPP_JSON(ClearChargingProfileReq)
struct ClearChargingProfileConf {
  static constexpr std::string_view action = "ClearChargingProfile";
  ClearChargingProfileStatus status = ClearChargingProfileStatus::Unknown;
  bool operator==(const ClearChargingProfileConf&) const = default;
};
EVP_OCPP_JSON(ClearChargingProfileConf)

struct GetCompositeScheduleReq {
  static constexpr std::string_view action = "GetCompositeSchedule";
  int connectorId = 0;
  int duration = 0;  ///< seconds
  std::optional<ChargingRateUnitType> chargingRateUnit;
  bool operator==(const GetCompositeScheduleReq&) const = default;
};
EVP_OCPP_JSON(GetCompositeScheduleReq)
struct GetCompositeScheduleConf {
  static constexpr std::string_view action = "GetCompositeSchedule";
  GetCompositeScheduleStatus status = GetCompositeScheduleStatus::Rejected;
  std::optional<int> connectorId;
  std::optional<DateTime> scheduleStart;
  std::optional<ChargingSchedule> chargingSchedule;
  bool operator==(const GetCompositeScheduleConf&) const = default;
};
EVP_OCPP_JSON(GetCompositeScheduleConf)

}  // namespace evp::ocpp
