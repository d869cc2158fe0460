// Field lists of the Reservation messages.
#include "ocpp/messages/reservation.hpp"

#include "field_reader.hpp"

namespace evp::ocpp {

template <class V>
void describe(V& v, ReserveNowReq& m) {
  v("connectorId", m.connectorId, detail::Min{0});
  v("expiryDate", m.expiryDate);
  v("idTag", m.idTag);
  v("parentIdTag", m.parentIdTag);
  v("reservationId", m.reservationId);
}
EVP_OCPP_DEFINE_JSON(ReserveNowReq)
template <class V>
void describe(V& v, ReserveNowConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(ReserveNowConf)

template <class V>
void describe(V& v, CancelReservationReq& m) {
  v("reservationId", m.reservationId);
}
EVP_OCPP_DEFINE_JSON(CancelReservationReq)
template <class V>
void describe(V& v, CancelReservationConf& m) {
  v("status", m.status);
}
EVP_OCPP_DEFINE_JSON(CancelReservationConf)

}  // namespace evp::ocpp
