// Field lists of the Core messages a station sends (and their confirmations).
#include "field_reader.hpp"
#include "ocpp/messages/core.hpp"

namespace evp::ocpp {

using detail::Min;
using detail::MinItems;

template <class V>
void describe(V& v, AuthorizeReq& m) {
  v("idTag", m.idTag);
}
EVP_OCPP_DEFINE_JSON(AuthorizeReq)
template <class V>
void describe(V& v, AuthorizeConf& m) {
  v("idTagInfo", m.idTagInfo);
}
EVP_OCPP_DEFINE_JSON(AuthorizeConf)

template <class V>
void describe(V& v, BootNotificationReq& m) {
  v("chargePointVendor", m.chargePointVendor);
  v("chargePointModel", m.chargePointModel);
  v("chargePointSerialNumber", m.chargePointSerialNumber);
  v("chargeBoxSerialNumber", m.chargeBoxSerialNumber);
  v("firmwareVersion", m.firmwareVersion);
  v("iccid", m.iccid);
  v("imsi", m.imsi);
  v("meterType", m.meterType);
  v("meterSerialNumber", m.meterSerialNumber);
}
EVP_OCPP_DEFINE_JSON(BootNotificationReq)
template <class V>
void describe(V& v, BootNotificationConf& m) {
  v("status", m.status);
  v("currentTime", m.currentTime);
  v("interval", m.interval, Min{0});
}
EVP_OCPP_DEFINE_JSON(BootNotificationConf)

template <class V>
void describe(V& v, DataTransferReq& m) {
  v("vendorId", m.vendorId);
  v("messageId", m.messageId);
  v("data", m.data);
}
EVP_OCPP_DEFINE_JSON(DataTransferReq)
template <class V>
void describe(V& v, DataTransferConf& m) {
  v("status", m.status);
  v("data", m.data);
}
EVP_OCPP_DEFINE_JSON(DataTransferConf)

template <class V>
void describe(V&, HeartbeatReq&) {}
EVP_OCPP_DEFINE_JSON(HeartbeatReq)
template <class V>
void describe(V& v, HeartbeatConf& m) {
  v("currentTime", m.currentTime);
}
EVP_OCPP_DEFINE_JSON(HeartbeatConf)

template <class V>
void describe(V& v, MeterValuesReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("transactionId", m.transactionId);
  v("meterValue", m.meterValue, MinItems{1});  // 1..* in OCPP 1.6 §6.31
}
EVP_OCPP_DEFINE_JSON(MeterValuesReq)
template <class V>
void describe(V&, MeterValuesConf&) {}
EVP_OCPP_DEFINE_JSON(MeterValuesConf)

template <class V>
void describe(V& v, StartTransactionReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("idTag", m.idTag);
  v("meterStart", m.meterStart);
  v("reservationId", m.reservationId);
  v("timestamp", m.timestamp);
}
EVP_OCPP_DEFINE_JSON(StartTransactionReq)
template <class V>
void describe(V& v, StartTransactionConf& m) {
  v("idTagInfo", m.idTagInfo);
  v("transactionId", m.transactionId);
}
EVP_OCPP_DEFINE_JSON(StartTransactionConf)

template <class V>
void describe(V& v, StatusNotificationReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("errorCode", m.errorCode);
  v("info", m.info);
  v("status", m.status);
  v("timestamp", m.timestamp);
  v("vendorId", m.vendorId);
  v("vendorErrorCode", m.vendorErrorCode);
}
EVP_OCPP_DEFINE_JSON(StatusNotificationReq)
template <class V>
void describe(V&, StatusNotificationConf&) {}
EVP_OCPP_DEFINE_JSON(StatusNotificationConf)

template <class V>
void describe(V& v, StopTransactionReq& m) {
  v("idTag", m.idTag);
  v("meterStop", m.meterStop);
  v("timestamp", m.timestamp);
  v("transactionId", m.transactionId);
  v("reason", m.reason);
  v("transactionData", m.transactionData);
}
EVP_OCPP_DEFINE_JSON(StopTransactionReq)
template <class V>
void describe(V& v, StopTransactionConf& m) {
  v("idTagInfo", m.idTagInfo);
}
EVP_OCPP_DEFINE_JSON(StopTransactionConf)

}  // namespace evp::ocpp
