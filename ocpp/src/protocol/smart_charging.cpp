// Field lists of the Smart Charging messages (ChargingProfile itself is in shared_types.cpp).
#include "ocpp/messages/smart_charging.hpp"

#include "field_reader.hpp"

namespace evp::ocpp {

using detail::Min;

template <class V>
void describe(V& v, SetChargingProfileReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("csChargingProfiles", m.csChargingProfiles);
}
EVP_OCPP_DEFINE_JSON(SetChargingProfileReq)
template <class V>
void describe(V& v, SetChargingProfileConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(SetChargingProfileConf)

template <class V>
void describe(V& v, ClearChargingProfileReq& m) {
  v("id", m.id);
  v("connectorId", m.connectorId, Min{0});
  v("chargingProfilePurpose", m.chargingProfilePurpose);
  v("stackLevel", m.stackLevel, Min{0});
}
EVP_OCPP_DEFINE_JSON(ClearChargingProfileReq)
template <class V>
void describe(V& v, ClearChargingProfileConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(ClearChargingProfileConf)

template <class V>
void describe(V& v, GetCompositeScheduleReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("duration", m.duration, Min{0});
  v("chargingRateUnit", m.chargingRateUnit);
}
EVP_OCPP_DEFINE_JSON(GetCompositeScheduleReq)
template <class V>
void describe(V& v, GetCompositeScheduleConf& m) {
  v("status", m.status);
  v("connectorId", m.connectorId, Min{0});
  v("scheduleStart", m.scheduleStart);
  v("chargingSchedule", m.chargingSchedule);
}
EVP_OCPP_DEFINE_JSON(GetCompositeScheduleConf)

}  // namespace evp::ocpp
