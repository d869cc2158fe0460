#pragma once
/// The central-system-initiated calls of the six OCPP 1.6 profiles: which Conf answers
/// which Req. CentralSystem::call<Req> uses it, so a caller names only the request type.
#include <string_view>

#include "ocpp/messages/all.hpp"

namespace evp::ocpp {

/// `ConfOf<XReq>::type` is XConf for every message the central system may send.
template <class Req>
struct ConfOf;

#define EVP_OCPP_CENTRAL_CALL(Name)                                               \
  template <>                                                                     \
  struct ConfOf<Name##Req> {                                                      \
    using type = Name##Conf;                                                      \
    static_assert(Name##Req::action == Name##Conf::action, "mismatched Req/Conf"); \
  };

// Core
EVP_OCPP_CENTRAL_CALL(ChangeAvailability)
EVP_OCPP_CENTRAL_CALL(ChangeConfiguration)
EVP_OCPP_CENTRAL_CALL(ClearCache)
EVP_OCPP_CENTRAL_CALL(DataTransfer)
EVP_OCPP_CENTRAL_CALL(GetConfiguration)
EVP_OCPP_CENTRAL_CALL(RemoteStartTransaction)
EVP_OCPP_CENTRAL_CALL(RemoteStopTransaction)
EVP_OCPP_CENTRAL_CALL(Reset)
EVP_OCPP_CENTRAL_CALL(UnlockConnector)
// Firmware Management
EVP_OCPP_CENTRAL_CALL(GetDiagnostics)
EVP_OCPP_CENTRAL_CALL(UpdateFirmware)
// Local Auth List Management
EVP_OCPP_CENTRAL_CALL(GetLocalListVersion)
EVP_OCPP_CENTRAL_CALL(SendLocalList)
// Reservation
EVP_OCPP_CENTRAL_CALL(CancelReservation)
EVP_OCPP_CENTRAL_CALL(ReserveNow)
// Smart Charging
EVP_OCPP_CENTRAL_CALL(ClearChargingProfile)
EVP_OCPP_CENTRAL_CALL(GetCompositeSchedule)
EVP_OCPP_CENTRAL_CALL(SetChargingProfile)
// Remote Trigger
EVP_OCPP_CENTRAL_CALL(TriggerMessage)

#undef EVP_OCPP_CENTRAL_CALL

template <class Req>
using ConfOf_t = typename ConfOf<Req>::type;

/// A request type the central system may send (has a ConfOf specialisation).
template <class Req>
concept CentralCall = requires { typename ConfOf<Req>::type; };

}  // namespace evp::ocpp
