// Field lists of the Firmware Management messages.
#include "ocpp/messages/firmware.hpp"

#include "field_reader.hpp"

namespace evp::ocpp {

using detail::Min;
using detail::Uri;

template <class V>
void describe(V& v, DiagnosticsStatusNotificationReq& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(DiagnosticsStatusNotificationReq)
template <class V>
void describe(V&, DiagnosticsStatusNotificationConf&) {}
EVP_OCPP_DEFINE_JSON(DiagnosticsStatusNotificationConf)

template <class V>
void describe(V& v, FirmwareStatusNotificationReq& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(FirmwareStatusNotificationReq)
template <class V>
void describe(V&, FirmwareStatusNotificationConf&) {}
EVP_OCPP_DEFINE_JSON(FirmwareStatusNotificationConf)

template <class V>
void describe(V& v, GetDiagnosticsReq& m) {
  v("location", m.location, Uri{});
  v("retries", m.retries, Min{0});
  v("retryInterval", m.retryInterval, Min{0});
  v("startTime", m.startTime);
  v("stopTime", m.stopTime);
}
EVP_OCPP_DEFINE_JSON(GetDiagnosticsReq)
template <class V>
void describe(V& v, GetDiagnosticsConf& m) {
  v("fileName", m.fileName);
}
EVP_OCPP_DEFINE_JSON(GetDiagnosticsConf)

template <class V>
void describe(V& v, UpdateFirmwareReq& m) {
  v("location", m.location, Uri{});
  v("retries", m.retries, Min{0});
  v("retrieveDate", m.retrieveDate);
  v("retryInterval", m.retryInterval, Min{0});
}
EVP_OCPP_DEFINE_JSON(UpdateFirmwareReq)
template <class V>
void describe(V&, UpdateFirmwareConf&) {}
EVP_OCPP_DEFINE_JSON(UpdateFirmwareConf)

}  // namespace evp::ocpp
