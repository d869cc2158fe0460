#pragma once
/// OCPP 1.6 Core profile messages (Req/Conf pairs) and the types they share.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ocpp/messages/charging_profile.hpp"
#include "ocpp/messages/core_enums.hpp"
#include "ocpp/types.hpp"

namespace evp::ocpp {

// ---- shared types ---------------------------------------------------------------------

struct IdTagInfo {
  std::optional<DateTime> expiryDate;
  std::optional<CiString<20>> parentIdTag;
  AuthorizationStatus status = AuthorizationStatus::Invalid;
  bool operator==(const IdTagInfo&) const = default;
};
EVP_OCPP_JSON(IdTagInfo)

struct SampledValue {
  std::string value;  ///< a string on the wire even for numbers (may be signed data)
  std::optional<ReadingContext> context;
  std::optional<ValueFormat> format;
  std::optional<Measurand> measurand;  ///< absent means Energy.Active.Import.Register
  std::optional<Phase> phase;
  std::optional<Location> location;
  std::optional<UnitOfMeasure> unit;  ///< absent means Wh
  bool operator==(const SampledValue&) const = default;
};
EVP_OCPP_JSON(SampledValue)

struct MeterValue {
  DateTime timestamp{};
  std::vector<SampledValue> sampledValue;  ///< at least one
  bool operator==(const MeterValue&) const = default;
};
EVP_OCPP_JSON(MeterValue)

struct KeyValue {
  CiString<50> key;
  bool readonly = false;
  std::optional<CiString<500>> value;
  bool operator==(const KeyValue&) const = default;
};
EVP_OCPP_JSON(KeyValue)

// ---- station -> central system ----------------------------------------------------------

struct AuthorizeReq {
  static constexpr std::string_view action = "Authorize";
  CiString<20> idTag;
  bool operator==(const AuthorizeReq&) const = default;
};
EVP_OCPP_JSON(AuthorizeReq)
struct AuthorizeConf {
  static constexpr std::string_view action = "Authorize";
  IdTagInfo idTagInfo;
  bool operator==(const AuthorizeConf&) const = default;
};
EVP_OCPP_JSON(AuthorizeConf)

struct BootNotificationReq {
  static constexpr std::string_view action = "BootNotification";
  CiString<20> chargePointVendor;
  CiString<20> chargePointModel;
  std::optional<CiString<25>> chargePointSerialNumber;
  std::optional<CiString<25>> chargeBoxSerialNumber;
  std::optional<CiString<50>> firmwareVersion;
  std::optional<CiString<20>> iccid;
  std::optional<CiString<20>> imsi;
  std::optional<CiString<25>> meterType;
  std::optional<CiString<25>> meterSerialNumber;
  bool operator==(const BootNotificationReq&) const = default;
};
EVP_OCPP_JSON(BootNotificationReq)
struct BootNotificationConf {
  static constexpr std::string_view action = "BootNotification";
  RegistrationStatus status = RegistrationStatus::Rejected;
  DateTime currentTime{};
  int interval = 0;  ///< seconds (heartbeat interval when Accepted, retry delay otherwise)
  bool operator==(const BootNotificationConf&) const = default;
};
EVP_OCPP_JSON(BootNotificationConf)

/// DataTransfer goes both ways (station -> central system and back).
struct DataTransferReq {
  static constexpr std::string_view action = "DataTransfer";
  CiString<255> vendorId;
  std::optional<CiString<50>> messageId;
  std::optional<std::string> data;
  bool operator==(const DataTransferReq&) const = default;
};
EVP_OCPP_JSON(DataTransferReq)
struct DataTransferConf {
  static constexpr std::string_view action = "DataTransfer";
  DataTransferStatus status = DataTransferStatus::Rejected;
  std::optional<std::string> data;
  bool operator==(const DataTransferConf&) const = default;
};
EVP_OCPP_JSON(DataTransferConf)

struct HeartbeatReq {
  static constexpr std::string_view action = "Heartbeat";
  bool operator==(const HeartbeatReq&) const = default;
};
EVP_OCPP_JSON(HeartbeatReq)
struct HeartbeatConf {
  static constexpr std::string_view action = "Heartbeat";
  DateTime currentTime{};
  bool operator==(const HeartbeatConf&) const = default;
};
EVP_OCPP_JSON(HeartbeatConf)

struct MeterValuesReq {
  static constexpr std::string_view action = "MeterValues";
  int connectorId = 0;  ///< 0 = main meter of the station
  std::optional<int> transactionId;
  std::vector<MeterValue> meterValue;  ///< at least one
  bool operator==(const MeterValuesReq&) const = default;
};
EVP_OCPP_JSON(MeterValuesReq)
struct MeterValuesConf {
  static constexpr std::string_view action = "MeterValues";
  bool operator==(const MeterValuesConf&) const = default;
};
EVP_OCPP_JSON(MeterValuesConf)

struct StartTransactionReq {
  static constexpr std::string_view action = "StartTransaction";
  int connectorId = 0;
  CiString<20> idTag;
  std::int64_t meterStart = 0;  ///< Wh
  std::optional<int> reservationId;
  DateTime timestamp{};
  bool operator==(const StartTransactionReq&) const = default;
};
EVP_OCPP_JSON(StartTransactionReq)
struct StartTransactionConf {
  static constexpr std::string_view action = "StartTransaction";
  IdTagInfo idTagInfo;
  int transactionId = 0;
  bool operator==(const StartTransactionConf&) const = default;
};
EVP_OCPP_JSON(StartTransactionConf)

struct StatusNotificationReq {
  static constexpr std::string_view action = "StatusNotification";
  int connectorId = 0;
  ChargePointErrorCode errorCode = ChargePointErrorCode::NoError;
  std::optional<CiString<50>> info;
  ChargePointStatus status = ChargePointStatus::Available;
  std::optional<DateTime> timestamp;
  std::optional<CiString<255>> vendorId;
  std::optional<CiString<50>> vendorErrorCode;
  bool operator==(const StatusNotificationReq&) const = default;
};
EVP_OCPP_JSON(StatusNotificationReq)
struct StatusNotificationConf {
  static constexpr std::string_view action = "StatusNotification";
  bool operator==(const StatusNotificationConf&) const = default;
};
EVP_OCPP_JSON(StatusNotificationConf)

struct StopTransactionReq {
  static constexpr std::string_view action = "StopTransaction";
  std::optional<CiString<20>> idTag;
  std::int64_t meterStop = 0;  ///< Wh
  DateTime timestamp{};
  int transactionId = 0;
  std::optional<Reason> reason;  ///< absent means Local
  std::optional<std::vector<MeterValue>> transactionData;
  bool operator==(const StopTransactionReq&) const = default;
};
EVP_OCPP_JSON(StopTransactionReq)
struct StopTransactionConf {
  static constexpr std::string_view action = "StopTransaction";
  std::optional<IdTagInfo> idTagInfo;
  bool operator==(const StopTransactionConf&) const = default;
};
EVP_OCPP_JSON(StopTransactionConf)

// ---- central system -> station ----------------------------------------------------------

struct ChangeAvailabilityReq {
  static constexpr std::string_view action = "ChangeAvailability";
  int connectorId = 0;  ///< 0 = the whole station
  AvailabilityType type = AvailabilityType::Operative;
  bool operator==(const ChangeAvailabilityReq&) const = default;
};
EVP_OCPP_JSON(ChangeAvailabilityReq)
struct ChangeAvailabilityConf {
  static constexpr std::string_view action = "ChangeAvailability";
  AvailabilityStatus status = AvailabilityStatus::Rejected;
  bool operator==(const ChangeAvailabilityConf&) const = default;
};
EVP_OCPP_JSON(ChangeAvailabilityConf)

struct ChangeConfigurationReq {
  static constexpr std::string_view action = "ChangeConfiguration";
  CiString<50> key;
  CiString<500> value;
  bool operator==(const ChangeConfigurationReq&) const = default;
};
EVP_OCPP_JSON(ChangeConfigurationReq)
struct ChangeConfigurationConf {
  static constexpr std::string_view action = "ChangeConfiguration";
  ConfigurationStatus status = ConfigurationStatus::Rejected;
  bool operator==(const ChangeConfigurationConf&) const = default;
};
EVP_OCPP_JSON(ChangeConfigurationConf)

struct ClearCacheReq {
  static constexpr std::string_view action = "ClearCache";
  bool operator==(const ClearCacheReq&) const = default;
};
EVP_OCPP_JSON(ClearCacheReq)
struct ClearCacheConf {
  static constexpr std::string_view action = "ClearCache";
  ClearCacheStatus status = ClearCacheStatus::Rejected;
  bool operator==(const ClearCacheConf&) const = default;
};
EVP_OCPP_JSON(ClearCacheConf)

struct GetConfigurationReq {
  static constexpr std::string_view action = "GetConfiguration";
  std::optional<std::vector<CiString<50>>> key;  ///< absent = all keys
  bool operator==(const GetConfigurationReq&) const = default;
};
EVP_OCPP_JSON(GetConfigurationReq)
struct GetConfigurationConf {
  static constexpr std::string_view action = "GetConfiguration";
  std::optional<std::vector<KeyValue>> configurationKey;
  std::optional<std::vector<CiString<50>>> unknownKey;
  bool operator==(const GetConfigurationConf&) const = default;
};
EVP_OCPP_JSON(GetConfigurationConf)

struct RemoteStartTransactionReq {
  static constexpr std::string_view action = "RemoteStartTransaction";
  std::optional<int> connectorId;  ///< > 0 when given
  CiString<20> idTag;
  std::optional<ChargingProfile> chargingProfile;  ///< purpose must be TxProfile
  bool operator==(const RemoteStartTransactionReq&) const = default;
};
EVP_OCPP_JSON(RemoteStartTransactionReq)
struct RemoteStartTransactionConf {
  static constexpr std::string_view action = "RemoteStartTransaction";
  RemoteStartStopStatus status = RemoteStartStopStatus::Rejected;
  bool operator==(const RemoteStartTransactionConf&) const = default;
};
EVP_OCPP_JSON(RemoteStartTransactionConf)

struct RemoteStopTransactionReq {
  static constexpr std::string_view action = "RemoteStopTransaction";
  int transactionId = 0;
  bool operator==(const RemoteStopTransactionReq&) const = default;
};
EVP_OCPP_JSON(RemoteStopTransactionReq)
struct RemoteStopTransactionConf {
  static constexpr std::string_view action = "RemoteStopTransaction";
  RemoteStartStopStatus status = RemoteStartStopStatus::Rejected;
  bool operator==(const RemoteStopTransactionConf&) const = default;
};
EVP_OCPP_JSON(RemoteStopTransactionConf)

struct ResetReq {
  static constexpr std::string_view action = "Reset";
  ResetType type = ResetType::Soft;
  bool operator==(const ResetReq&) const = default;
};
EVP_OCPP_JSON(ResetReq)
struct ResetConf {
  static constexpr std::string_view action = "Reset";
  ResetStatus status = ResetStatus::Rejected;
  bool operator==(const ResetConf&) const = default;
};
EVP_OCPP_JSON(ResetConf)

struct UnlockConnectorReq {
  static constexpr std::string_view action = "UnlockConnector";
  int connectorId = 0;  ///< > 0
  bool operator==(const UnlockConnectorReq&) const = default;
};
EVP_OCPP_JSON(UnlockConnectorReq)
struct UnlockConnectorConf {
  static constexpr std::string_view action = "UnlockConnector";
  UnlockStatus status = UnlockStatus::UnlockFailed;
  bool operator==(const UnlockConnectorConf&) const = default;
};
EVP_OCPP_JSON(UnlockConnectorConf)

}  // namespace evp::ocpp
