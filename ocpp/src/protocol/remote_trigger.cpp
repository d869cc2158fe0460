// Field lists of the Remote Trigger messages.
#include "ocpp/messages/remote_trigger.hpp"

#include "field_reader.hpp"

namespace evp::ocpp {

template <class V>
void describe(V& v, TriggerMessageReq& m) {
  v("requestedMessage", m.requestedMessage);
  v("connectorId", m.connectorId, detail::Min{0});
}
EVP_OCPP_DEFINE_JSON(TriggerMessageReq)
template <class V>
void describe(V& v, TriggerMessageConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(TriggerMessageConf)

}  // namespace evp::ocpp
