#pragma once
/// OCPP 1.6 Firmware Management profile messages.
#include <optional>
#include <string>

#include "ocpp/types.hpp"

namespace evp::ocpp {

enum class DiagnosticsStatus { Idle, Uploaded, UploadFailed, Uploading };
template <>
struct EnumNames<DiagnosticsStatus> {
  static constexpr std::string_view type = "DiagnosticsStatus";
  static constexpr auto values = enum_names("Idle", "Uploaded", "UploadFailed", "Uploading");
};

enum class FirmwareStatus { Downloaded, DownloadFailed, Downloading, Idle, InstallationFailed, Installing, Installed };
template <>
struct EnumNames<FirmwareStatus> {
  static constexpr std::string_view type = "FirmwareStatus";
  static constexpr auto values = enum_names("Downloaded", "DownloadFailed", "Downloading", "Idle", "InstallationFailed",
                                            "Installing", "Installed");
};

// ---- station -> central system ----------------------------------------------------------

struct DiagnosticsStatusNotificationReq {
  static constexpr std::string_view action = "DiagnosticsStatusNotification";
  DiagnosticsStatus status = DiagnosticsStatus::Idle;
  bool operator==(const DiagnosticsStatusNotificationReq&) const = default;
};
EVP_OCPP_JSON(DiagnosticsStatusNotificationReq)
struct DiagnosticsStatusNotificationConf {
  static constexpr std::string_view action = "DiagnosticsStatusNotification";
  bool operator==(const DiagnosticsStatusNotificationConf&) const = default;
};
EVP_OCPP_JSON(DiagnosticsStatusNotificationConf)

struct FirmwareStatusNotificationReq {
  static constexpr std::string_view action = "FirmwareStatusNotification";
  FirmwareStatus status = FirmwareStatus::Idle;
  bool operator==(const FirmwareStatusNotificationReq&) const = default;
};
EVP_OCPP_JSON(FirmwareStatusNotificationReq)
struct FirmwareStatusNotificationConf {
  static constexpr std::string_view action = "FirmwareStatusNotification";
  bool operator==(const FirmwareStatusNotificationConf&) const = default;
};
EVP_OCPP_JSON(FirmwareStatusNotificationConf)

// ---- central system -> station ----------------------------------------------------------

struct GetDiagnosticsReq {
  static constexpr std::string_view action = "GetDiagnostics";
  std::string location;  ///< URI the station uploads to
  std::optional<int> retries;
  std::optional<int> retryInterval;  ///< seconds
  std::optional<DateTime> startTime;
  std::optional<DateTime> stopTime;
  bool operator==(const GetDiagnosticsReq&) const = default;
};
EVP_OCPP_JSON(GetDiagnosticsReq)
struct GetDiagnosticsConf {
  static constexpr std::string_view action = "GetDiagnostics";
  std::optional<CiString<255>> fileName;  ///< absent when there is nothing to upload
  bool operator==(const GetDiagnosticsConf&) const = default;
};
EVP_OCPP_JSON(GetDiagnosticsConf)

struct UpdateFirmwareReq {
  static constexpr std::string_view action = "UpdateFirmware";
  std::string location;  ///< URI of the firmware image
  std::optional<int> retries;
  DateTime retrieveDate{};
  std::optional<int> retryInterval;  ///< seconds
  bool operator==(const UpdateFirmwareReq&) const = default;
};
EVP_OCPP_JSON(UpdateFirmwareReq)
struct UpdateFirmwareConf {
  static constexpr std::string_view action = "UpdateFirmware";
  bool operator==(const UpdateFirmwareConf&) const = default;
};
EVP_OCPP_JSON(UpdateFirmwareConf)

}  // namespace evp::ocpp
