// GET /api/v1/stations and /api/v1/stations/{id}: what a driver picks a station from.
// Online/offline comes from the live central system, connectors from their last
// StatusNotification, the price as a decimal string.
#include "resources/stations.hpp"

#include "db/db.hpp"
#include "http/context.hpp"
#include "ocpp/central_system.hpp"
#include "resources/resources.hpp"

namespace evp::api {

const char* const kStationSelect =
    "SELECT s.id, s.display_name, s.price_per_kwh::text, s.last_seen_at, s.registration_status, "
    "l.name, l.address, s.vendor, s.model, s.firmware_version, "
    "coalesce((SELECT json_agg(json_build_object('connector_id', c.connector_id, 'status', c.status, "
    "'error_code', c.error_code, 'updated_at', c.updated_at) ORDER BY c.connector_id) "
    "FROM connectors c WHERE c.station_id = s.id AND c.connector_id > 0), '[]'), "
    "s.location_id, s.password_hash IS NOT NULL "
    "FROM stations s LEFT JOIN locations l ON l.id = s.location_id ";

nlohmann::json station_json(const Services& svc, const db::Result& r, int i, bool detailed) {
  std::string id(r.get(i, 0));
  nlohmann::json j{{"id", id},
                   {"name", r.opt(i, 1).value_or(id)},
                   {"status", svc.ocpp.is_online(id) ? "online" : "offline"},
                   {"price_per_kwh", r.get(i, 2)},
                   {"currency", "KGS"},
                   {"last_seen_at", nullable(r.opt(i, 3))},
                   {"location", {{"name", nullable(r.opt(i, 5))}, {"address", nullable(r.opt(i, 6))}}},
                   {"connectors", nlohmann::json::parse(r.get(i, 10))}};
  if (detailed) {
    j["registration_status"] = r.get(i, 4);
    j["vendor"] = nullable(r.opt(i, 7));
    j["model"] = nullable(r.opt(i, 8));
    j["firmware_version"] = nullable(r.opt(i, 9));
  }
  return j;
}

nlohmann::json operator_station_json(const Services& svc, const db::Result& r, int i) {
  nlohmann::json j = station_json(svc, r, i, true);
  const std::string id = j.at("id");
  j["connected"] = svc.ocpp.is_connected(id);
  j["display_name"] = nullable(r.opt(i, 1));
  j["location_id"] = nullable(r.opt(i, 11));
  j["password_set"] = r.get_bool(i, 12);
  return j;
}

namespace {

using boost::asio::awaitable;

awaitable<Reply> list(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(std::string(kStationSelect) +
                                         "WHERE s.registration_status = 'Accepted' ORDER BY s.id");
  auto out = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) out.push_back(station_json(ctx.svc, res, i, false));
  Reply r;
  r.data = std::move(out);
  co_return r;
}

awaitable<Reply> one(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(
      std::string(kStationSelect) + "WHERE s.id = $1 AND s.registration_status = 'Accepted'",
      db::params(ctx.param("id")));
  if (res.empty()) throw ApiError(http::status::not_found, "station_not_found", "no such station");
  Reply r;
  r.data = station_json(ctx.svc, res, 0, false);
  co_return r;
}

}  // namespace

std::vector<Route> station_routes() {
  return {
      {http::verb::get, "/api/v1/stations", Access::User, list},
      {http::verb::get, "/api/v1/stations/{id}", Access::User, one},
  };
}

}  // namespace evp::api
