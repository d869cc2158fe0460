#pragma once
/// OCPP 1.6 Remote Trigger profile messages.
#include <optional>

#include "ocpp/types.hpp"

namespace evp::ocpp {

enum class MessageTrigger {
  BootNotification,
  DiagnosticsStatusNotification,
  FirmwareStatusNotification,
  Heartbeat,
  MeterValues,
  StatusNotification
};
template <>
struct EnumNames<MessageTrigger> {
  static constexpr std::string_view type = "MessageTrigger";
  static constexpr auto values =
      enum_names("BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
                 "MeterValues", "StatusNotification");
};

enum class TriggerMessageStatus { Accepted, Rejected, NotImplemented };
template <>
struct EnumNames<TriggerMessageStatus> {
  static constexpr std::string_view type = "TriggerMessageStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected", "NotImplemented");
};

struct TriggerMessageReq {
  static constexpr std::string_view action = "TriggerMessage";
  MessageTrigger requestedMessage = MessageTrigger::Heartbeat;
  std::optional<int> connectorId;
  bool operator==(const TriggerMessageReq&) const = default;
};
EVP_OCPP_JSON(TriggerMessageReq)
struct TriggerMessageConf {
  static constexpr std::string_view action = "TriggerMessage";
  TriggerMessageStatus status = TriggerMessageStatus::Rejected;
  bool operator==(const TriggerMessageConf&) const = default;
};
EVP_OCPP_JSON(TriggerMessageConf)

}  // namespace evp::ocpp
