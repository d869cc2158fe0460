// Every OCPP 1.6 message parser: validate_request / validate_response of the 28 actions.
// Input: byte 0 chooses the message (bit 0: 0 = CALL payload, 1 = CALLRESULT payload; the
// rest, modulo 28, the action in the order of kMessages), the remaining bytes are the JSON
// payload. Invariants: validation fails only with CallError; an accepted payload reads into
// its typed struct, which writes JSON that validates again and reads back to an equal struct
// (what the call API and the simulator send is what they accept).
#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ocpp/messages/all.hpp"
#include "ocpp/rpc.hpp"

using namespace evp::ocpp;
using evp::fuzz::check;
using nlohmann::json;

namespace {

using RoundTrip = json (*)(const json&);

// Returns what the typed message writes.
template <class T>
json round_trip(const json& payload) {
  T parsed;
  from_json(payload, parsed);
  json written = parsed;
  check(written.is_object(), std::string(T::action) + ": writes a payload that is not an object");
  T back;
  from_json(written, back);
  check(back == parsed, std::string(T::action) + ": typed message changed in a write/read round trip");
  return written;
}

struct MessageEntry {
  std::string_view action;
  RoundTrip request;
  RoundTrip response;
};

template <class Req, class Conf>
constexpr MessageEntry entry() {
  return {Req::action, &round_trip<Req>, &round_trip<Conf>};
}

constexpr std::array kMessages = {
    entry<AuthorizeReq, AuthorizeConf>(),
    entry<BootNotificationReq, BootNotificationConf>(),
    entry<CancelReservationReq, CancelReservationConf>(),
    entry<ChangeAvailabilityReq, ChangeAvailabilityConf>(),
    entry<ChangeConfigurationReq, ChangeConfigurationConf>(),
    entry<ClearCacheReq, ClearCacheConf>(),
    entry<ClearChargingProfileReq, ClearChargingProfileConf>(),
    entry<DataTransferReq, DataTransferConf>(),
    entry<DiagnosticsStatusNotificationReq, DiagnosticsStatusNotificationConf>(),
    entry<FirmwareStatusNotificationReq, FirmwareStatusNotificationConf>(),
    entry<GetCompositeScheduleReq, GetCompositeScheduleConf>(),
    entry<GetConfigurationReq, GetConfigurationConf>(),
    entry<GetDiagnosticsReq, GetDiagnosticsConf>(),
    entry<GetLocalListVersionReq, GetLocalListVersionConf>(),
    entry<HeartbeatReq, HeartbeatConf>(),
    entry<MeterValuesReq, MeterValuesConf>(),
    entry<RemoteStartTransactionReq, RemoteStartTransactionConf>(),
    entry<RemoteStopTransactionReq, RemoteStopTransactionConf>(),
    entry<ReserveNowReq, ReserveNowConf>(),
    entry<ResetReq, ResetConf>(),
    entry<SendLocalListReq, SendLocalListConf>(),
    entry<SetChargingProfileReq, SetChargingProfileConf>(),
    entry<StartTransactionReq, StartTransactionConf>(),
    entry<StatusNotificationReq, StatusNotificationConf>(),
    entry<StopTransactionReq, StopTransactionConf>(),
    entry<TriggerMessageReq, TriggerMessageConf>(),
    entry<UnlockConnectorReq, UnlockConnectorConf>(),
    entry<UpdateFirmwareReq, UpdateFirmwareConf>(),
};
static_assert(kMessages.size() == 28, "OCPP 1.6 has 28 actions");

// The registry is what the transport uses; this table must cover exactly its actions.
[[maybe_unused]] const bool kTableMatchesRegistry = [] {
  for (const auto& m : kMessages) check(is_known_action(m.action), "harness action unknown to the registry");
  return true;
}();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool response = data[0] & 1;
  const auto& message = kMessages[(data[0] >> 1) % kMessages.size()];
  auto payload = json::parse(reinterpret_cast<const char*>(data) + 1, reinterpret_cast<const char*>(data) + size,
                             nullptr, /*allow_exceptions=*/false);
  // The frame parser hands over objects only (anything else is TypeConstraintViolation there).
  if (payload.is_discarded() || !payload.is_object()) return 0;
  try {
    if (response)
      validate_response(message.action, payload);
    else
      validate_request(message.action, payload);
  } catch (const CallError& e) {
    check(e.code() != ErrorCode::NotImplemented && e.code() != ErrorCode::InternalError,
          "a known action's payload refused as NotImplemented/InternalError");
    // The hub answers with exactly this; it must serialise.
    (void)serialize_error("1", e.code(), e.description(), e.details());
    return 0;
  }
  json written = (response ? message.response : message.request)(payload);
  try {
    if (response)
      validate_response(message.action, written);
    else
      validate_request(message.action, written);
  } catch (const CallError& e) {
    evp::fuzz::fail(std::string(message.action) + ": a written payload is refused: " + e.what());
  }
  return 0;
}
