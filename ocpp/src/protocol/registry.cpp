// Action name -> typed validation. One table row per OCPP 1.6 action.
#include "ocpp/messages/registry.hpp"

#include <array>

#include "ocpp/messages/core.hpp"
#include "ocpp/messages/firmware.hpp"
#include "ocpp/messages/local_auth_list.hpp"
#include "ocpp/messages/remote_trigger.hpp"
#include "ocpp/messages/reservation.hpp"
#include "ocpp/messages/smart_charging.hpp"

namespace evp::ocpp {
namespace {

using Validator = void (*)(const nlohmann::json&);

template <class T>
void parse_as(const nlohmann::json& payload) {
  T message;
  from_json(payload, message);
}

struct Entry {
  std::string_view action;
  Direction direction;
  Validator request;
  Validator response;
};

template <class Req, class Conf>
constexpr Entry entry(Direction direction) {
  static_assert(Req::action == Conf::action);
  return {Req::action, direction, &parse_as<Req>, &parse_as<Conf>};
}

constexpr auto kFrom = Direction::FromStation;
constexpr auto kTo = Direction::ToStation;

constexpr std::array kActions = {
    // Core
    entry<AuthorizeReq, AuthorizeConf>(kFrom),
    entry<BootNotificationReq, BootNotificationConf>(kFrom),
    entry<ChangeAvailabilityReq, ChangeAvailabilityConf>(kTo),
    entry<ChangeConfigurationReq, ChangeConfigurationConf>(kTo),
    entry<ClearCacheReq, ClearCacheConf>(kTo),
    entry<DataTransferReq, DataTransferConf>(Direction::Both),
    entry<GetConfigurationReq, GetConfigurationConf>(kTo),
    entry<HeartbeatReq, HeartbeatConf>(kFrom),
    entry<MeterValuesReq, MeterValuesConf>(kFrom),
    entry<RemoteStartTransactionReq, RemoteStartTransactionConf>(kTo),
    entry<RemoteStopTransactionReq, RemoteStopTransactionConf>(kTo),
    entry<ResetReq, ResetConf>(kTo),
    entry<StartTransactionReq, StartTransactionConf>(kFrom),
    entry<StatusNotificationReq, StatusNotificationConf>(kFrom),
    entry<StopTransactionReq, StopTransactionConf>(kFrom),
    entry<UnlockConnectorReq, UnlockConnectorConf>(kTo),
    // Firmware Management
    entry<DiagnosticsStatusNotificationReq, DiagnosticsStatusNotificationConf>(kFrom),
    entry<FirmwareStatusNotificationReq, FirmwareStatusNotificationConf>(kFrom),
    entry<GetDiagnosticsReq, GetDiagnosticsConf>(kTo),
    entry<UpdateFirmwareReq, UpdateFirmwareConf>(kTo),
    // Local Auth List Management
    entry<GetLocalListVersionReq, GetLocalListVersionConf>(kTo),
    entry<SendLocalListReq, SendLocalListConf>(kTo),
    // Reservation
    entry<CancelReservationReq, CancelReservationConf>(kTo),
    entry<ReserveNowReq, ReserveNowConf>(kTo),
    // Smart Charging
    entry<ClearChargingProfileReq, ClearChargingProfileConf>(kTo),
    entry<GetCompositeScheduleReq, GetCompositeScheduleConf>(kTo),
    entry<SetChargingProfileReq, SetChargingProfileConf>(kTo),
    // Remote Trigger
    entry<TriggerMessageReq, TriggerMessageConf>(kTo),
};

const Entry* find(std::string_view action) {
  for (const auto& e : kActions)
    if (e.action == action) return &e;
  return nullptr;
}

const Entry& find_or_throw(std::string_view action) {
  if (const auto* e = find(action)) return *e;
  throw CallError(ErrorCode::NotImplemented, "unknown action '" + std::string(action.substr(0, 64)) + "'");
}

}  // namespace

bool is_known_action(std::string_view action) { return find(action) != nullptr; }

void validate_request(std::string_view action, const nlohmann::json& payload) {
  find_or_throw(action).request(payload);
}

void validate_response(std::string_view action, const nlohmann::json& payload) {
  find_or_throw(action).response(payload);
}

Direction direction_of(std::string_view action) { return find_or_throw(action).direction; }

bool allowed_from_station(std::string_view action) {
  const auto* e = find(action);
  return e && e->direction != Direction::ToStation;
}

bool allowed_to_station(std::string_view action) {
  const auto* e = find(action);
  return e && e->direction != Direction::FromStation;
}

}  // namespace evp::ocpp
