// Field lists of the nested types shared by several messages.
#include "field_reader.hpp"
#include "ocpp/messages/charging_profile.hpp"
#include "ocpp/messages/core.hpp"
#include "ocpp/messages/local_auth_list.hpp"

namespace evp::ocpp {

using detail::Min;
using detail::MinItems;
using detail::MultipleOfTenth;

template <class V>
void describe(V& v, IdTagInfo& m) {
  v("expiryDate", m.expiryDate);
  v("parentIdTag", m.parentIdTag);
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(IdTagInfo)

template <class V>
void describe(V& v, SampledValue& m) {
  v("value", m.value);
  v("context", m.context);
  v("format", m.format);
  v("measurand", m.measurand);
  v("phase", m.phase);
  v("location", m.location);
  v("unit", m.unit);
}
EVP_OCPP_DEFINE_JSON(SampledValue)

template <class V>
void describe(V& v, MeterValue& m) {
  v("timestamp", m.timestamp);
  v("sampledValue", m.sampledValue, MinItems{1});  // 1..* in OCPP 1.6 §7.28
}
EVP_OCPP_DEFINE_JSON(MeterValue)

template <class V>
void describe(V& v, KeyValue& m) {
  v("key", m.key);
  v("readonly", m.readonly);
  v("value", m.value);
}
EVP_OCPP_DEFINE_JSON(KeyValue)

template <class V>
void describe(V& v, AuthorizationData& m) {
  v("idTag", m.idTag);
  v("idTagInfo", m.idTagInfo);
}
EVP_OCPP_DEFINE_JSON(AuthorizationData)

template <class V>
void describe(V& v, ChargingSchedulePeriod& m) {
  v("startPeriod", m.startPeriod, Min{0});
  v("limit", m.limit, MultipleOfTenth{});
  v("numberPhases", m.numberPhases, Min{1});
}
EVP_OCPP_DEFINE_JSON(ChargingSchedulePeriod)

template <class V>
void describe(V& v, ChargingSchedule& m) {
  v("duration", m.duration, Min{0});
  v("startSchedule", m.startSchedule);
  v("chargingRateUnit", m.chargingRateUnit);
  v("chargingSchedulePeriod", m.chargingSchedulePeriod, MinItems{1});  // 1..* in §7.13
  v("minChargingRate", m.minChargingRate, MultipleOfTenth{});
}
EVP_OCPP_DEFINE_JSON(ChargingSchedule)

template <class V>
void describe(V& v, ChargingProfile& m) {
  v("chargingProfileId", m.chargingProfileId);
  v("transactionId", m.transactionId);
  v("stackLevel", m.stackLevel, Min{0});
  v("chargingProfilePurpose", m.chargingProfilePurpose);
  v("chargingProfileKind", m.chargingProfileKind);
  v("recurrencyKind", m.recurrencyKind);
  v("validFrom", m.validFrom);
  v("validTo", m.validTo);
  v("chargingSchedule", m.chargingSchedule);
}
EVP_OCPP_DEFINE_JSON(ChargingProfile)

}  // namespace evp::ocpp
