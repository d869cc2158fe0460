// Field lists of the Local Auth List Management messages.
#include "ocpp/messages/local_auth_list.hpp"

#include "field_reader.hpp"

namespace evp::ocpp {

template <class V>
void describe(V&, GetLocalListVersionReq&) {}
EVP_OCPP_DEFINE_JSON(GetLocalListVersionReq)
template <class V>
void describe(V& v, GetLocalListVersionConf& m) {
  v("listVersion", m.listVersion, detail::Min{-1});  // -1 = not supported, 0 = no list
}
EVP_OCPP_DEFINE_JSON(GetLocalListVersionConf)

template <class V>
void describe(V& v, SendLocalListReq& m) {
  v("listVersion", m.listVersion);
  v("localAuthorizationList", m.localAuthorizationList);
  v("updateType", m.updateType);
}
EVP_OCPP_DEFINE_JSON(SendLocalListReq)
template <class V>
void describe(V& v, SendLocalListConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(SendLocalListConf)

}  // namespace evp::ocpp
