#pragma once
// Station rows as JSON, shared by the driver and owner views.
#include <nlohmann/json.hpp>

#include "db/db.hpp"

namespace evp::api {

struct Services;

/// SELECT list + FROM for stations (s) with location (l); append WHERE/ORDER BY.
extern const char* const kStationSelect;
/// `detailed` adds registration status, vendor, model and firmware (owners).
nlohmann::json station_json(const Services& svc, const db::Result& r, int i, bool detailed);
/// The operators' view: the detailed one plus `connected` (a WebSocket is open now),
/// `display_name` (null when unset), `location_id` and `password_set`.
nlohmann::json operator_station_json(const Services& svc, const db::Result& r, int i);

}  // namespace evp::api
