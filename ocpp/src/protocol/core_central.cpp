// Field lists of the Core messages the central system sends (and their confirmations).
#include "field_reader.hpp"
#include "ocpp/messages/core.hpp"

namespace evp::ocpp {

using detail::Min;

template <class V>
void describe(V& v, ChangeAvailabilityReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("type", m.type);
}
EVP_OCPP_DEFINE_JSON(ChangeAvailabilityReq)
template <class V>
void describe(V& v, ChangeAvailabilityConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(ChangeAvailabilityConf)

template <class V>
void describe(V& v, ChangeConfigurationReq& m) {
  v("key", m.key);
  v("value", m.value);
}
EVP_OCPP_DEFINE_JSON(ChangeConfigurationReq)
template <class V>
void describe(V& v, ChangeConfigurationConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(ChangeConfigurationConf)

template <class V>
void describe(V&, ClearCacheReq&) {}
EVP_OCPP_DEFINE_JSON(ClearCacheReq)
template <class V>
void describe(V& v, ClearCacheConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(ClearCacheConf)

template <class V>
void describe(V& v, GetConfigurationReq& m) {
  v("key", m.key);
}
EVP_OCPP_DEFINE_JSON(GetConfigurationReq)
template <class V>
void describe(V& v, GetConfigurationConf& m) {
  v("configurationKey", m.configurationKey);
  v("unknownKey", m.unknownKey);
}
EVP_OCPP_DEFINE_JSON(GetConfigurationConf)

template <class V>
void describe(V& v, RemoteStartTransactionReq& m) {
  v("connectorId", m.connectorId, Min{0});
  v("idTag", m.idTag);
  v("chargingProfile", m.chargingProfile);
}
EVP_OCPP_DEFINE_JSON(RemoteStartTransactionReq)
template <class V>
void describe(V& v, RemoteStartTransactionConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(RemoteStartTransactionConf)

template <class V>
void describe(V& v, RemoteStopTransactionReq& m) {
  v("transactionId", m.transactionId);
}
EVP_OCPP_DEFINE_JSON(RemoteStopTransactionReq)
template <class V>
void describe(V& v, RemoteStopTransactionConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(RemoteStopTransactionConf)

template <class V>
void describe(V& v, ResetReq& m) {
  v("type", m.type);
}
EVP_OCPP_DEFINE_JSON(ResetReq)
template <class V>
void describe(V& v, ResetConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(ResetConf)

template <class V>
void describe(V& v, UnlockConnectorReq& m) {
  v("connectorId", m.connectorId, Min{0});
}
EVP_OCPP_DEFINE_JSON(UnlockConnectorReq)
template <class V>
void describe(V& v, UnlockConnectorConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(UnlockConnectorConf)

}  // namespace evp::ocpp
