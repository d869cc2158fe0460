#pragma once
/// OCPP 1.6 Local Auth List Management profile messages.
#include <optional>
#include <vector>

#include "ocpp/messages/core.hpp"

namespace evp::ocpp {

enum class UpdateType { Differential, Full };
template <>
struct EnumNames<UpdateType> {
  static constexpr std::string_view type = "UpdateType";
  static constexpr auto values = enum_names("Differential", "Full");
};

enum class UpdateStatus { Accepted, Failed, NotSupported, VersionMismatch };
template <>
struct EnumNames<UpdateStatus> {
  static constexpr std::string_view type = "UpdateStatus";
  static constexpr auto values = enum_names("Accepted", "Failed", "NotSupported", "VersionMismatch");
};

struct AuthorizationData {
  CiString<20> idTag;
  std::optional<IdTagInfo> idTagInfo;  ///< absent in a Differential update = remove the entry
  bool operator==(const AuthorizationData&) const = default;
};
EVP_OCPP_JSON(AuthorizationData)

struct GetLocalListVersionReq {
  static constexpr std::string_view action = "GetLocalListVersion";
  bool operator==(const GetLocalListVersionReq&) const = default;
};
EVP_OCPP_JSON(GetLocalListVersionReq)
struct GetLocalListVersionConf {
  static constexpr std::string_view action = "GetLocalListVersion";
  int listVersion = 0;  ///< 0 = no list, -1 = not supported
  bool operator==(const GetLocalListVersionConf&) const = default;
};
EVP_OCPP_JSON(GetLocalListVersionConf)

struct SendLocalListReq {
  static constexpr std::string_view action = "SendLocalList";
  int listVersion = 0;
  std::optional<std::vector<AuthorizationData>> localAuthorizationList;
  UpdateType updateType = UpdateType::Full;
  bool operator==(const SendLocalListReq&) const = default;
};
EVP_OCPP_JSON(SendLocalListReq)
struct SendLocalListConf {
  static constexpr std::string_view action = "SendLocalList";
  UpdateStatus status = UpdateStatus::Failed;
  bool operator==(const SendLocalListConf&) const = default;
};
EVP_OCPP_JSON(SendLocalListConf)

}  // namespace evp::ocpp
