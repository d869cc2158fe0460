// Reservations (OCPP ReserveNow / CancelReservation) as the stations accepted them. The
// StartTransaction that names one uses it inside evp_start_transaction (migration 011); the
// sweeper expires the rest.
#include "internal.hpp"

namespace evp::charging {

asio::awaitable<void> Service::reservation_accepted(const std::string& station_id, int reservation_id,
                                                    int connector_id, const std::string& id_tag,
                                                    const std::optional<std::string>& parent_id_tag,
                                                    TimePoint expiry) {
  db::Params p = db::params(db::param(station_id), db::param(reservation_id), db::param(connector_id),
                            db::param(id_tag), db::param(parent_id_tag), db::param(common::format_datetime(expiry)));
  co_await statement(impl_->pool,
                     "INSERT INTO reservations (station_id, id, connector_id, id_tag, parent_id_tag, expiry_date) "
                     "VALUES ($1, $2, $3, $4, $5, $6::timestamptz) "
                     "ON CONFLICT (station_id, id) DO UPDATE SET connector_id = EXCLUDED.connector_id, "
                     "  id_tag = EXCLUDED.id_tag, parent_id_tag = EXCLUDED.parent_id_tag, "
                     "  expiry_date = EXCLUDED.expiry_date, status = 'reserved', transaction_id = NULL, "
                     "  updated_at = now()",
                     std::move(p));
}

asio::awaitable<void> Service::reservation_cancelled(const std::string& station_id, int reservation_id) {
  db::Params p = db::params(db::param(station_id), db::param(reservation_id));
  co_await statement(impl_->pool,
                     "UPDATE reservations SET status = 'cancelled', updated_at = now() "
                     "WHERE station_id = $1 AND id = $2 AND status = 'reserved'",
                     std::move(p));
}

}  // namespace evp::charging
