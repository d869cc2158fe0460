// Owners: their stations (stations.location_id -> locations.user_id), the sessions on
// them and the revenue. Nothing here can reach another owner's stations.
#include "common/time.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"
#include "resources/stations.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> stations(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(std::string(kStationSelect) + "WHERE l.user_id = $1 ORDER BY s.id",
                                         db::params(ctx.user.id));
  auto out = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) out.push_back(station_json(ctx.svc, res, i, true));
  Reply r;
  r.data = std::move(out);
  co_return r;
}

std::optional<std::string> time_param(const Context& ctx, const char* name) {
  auto v = ctx.query(name);
  if (!v) return std::nullopt;
  auto t = common::parse_datetime(*v);
  if (!t) {
    // A bare date is the start of that day (UTC).
    t = common::parse_datetime(*v + "T00:00:00Z");
    if (!t)
      throw ApiError(http::status::bad_request, "invalid_parameter",
                     std::string("query parameter '") + name + "' must be an RFC 3339 date-time or YYYY-MM-DD");
  }
  return common::format_datetime(*t);
}

awaitable<Reply> sessions(Context& ctx) {
  auto page = page_of(ctx);
  auto station = ctx.query("station_id");
  auto res = co_await ctx.svc.pool.query(
      "SELECT t.id, t.station_id, t.connector_id, t.status, t.start_timestamp, t.stop_timestamp, "
      "coalesce(t.energy_wh, coalesce(t.meter_last, t.meter_start) - t.meter_start), t.amount::text, "
      "t.price_per_kwh::text, t.stop_reason, cs.id "
      "FROM transactions t JOIN stations s ON s.id = t.station_id JOIN locations l ON l.id = s.location_id "
      "LEFT JOIN charging_sessions cs ON cs.transaction_id = t.id "
      "WHERE l.user_id = $1 AND ($2::text IS NULL OR t.station_id = $2) "
      "ORDER BY t.start_timestamp DESC, t.id DESC LIMIT $3 OFFSET $4",
      db::params(ctx.user.id, station, page.limit, page.offset));
  auto items = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) {
    // Drivers' identities are not the owner's business; the id tag is not shown either.
    items.push_back({{"transaction_id", res.get_int(i, 0)},
                     {"station_id", res.get(i, 1)},
                     {"connector_id", res.get_int(i, 2)},
                     {"status", res.get(i, 3)},
                     {"started_at", res.get(i, 4)},
                     {"stopped_at", nullable(res.opt(i, 5))},
                     {"energy_wh", res.is_null(i, 6) ? 0 : std::max<std::int64_t>(0, res.get_int(i, 6))},
                     {"amount", nullable(res.opt(i, 7))},
                     {"price_per_kwh", res.get(i, 8)},
                     {"stop_reason", nullable(res.opt(i, 9))},
                     {"session_id", nullable(res.opt(i, 10))}});
  }
  Reply r;
  r.data = {{"items", items}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

awaitable<Reply> revenue(Context& ctx) {
  auto from = time_param(ctx, "from"), to = time_param(ctx, "to");
  auto res = co_await ctx.svc.pool.query(
      "SELECT s.id, s.display_name, count(t.id), coalesce(sum(t.energy_wh), 0), coalesce(sum(t.amount), "
      "0)::numeric(14,2)::text "
      "FROM stations s JOIN locations l ON l.id = s.location_id "
      "LEFT JOIN transactions t ON t.station_id = s.id AND t.status = 'completed' "
      "AND ($2::timestamptz IS NULL OR t.stop_timestamp >= $2::timestamptz) "
      "AND ($3::timestamptz IS NULL OR t.stop_timestamp < $3::timestamptz) "
      "WHERE l.user_id = $1 GROUP BY s.id ORDER BY s.id",
      db::params(ctx.user.id, from, to));
  auto total = co_await ctx.svc.pool.query(
      "SELECT count(t.id), coalesce(sum(t.energy_wh), 0), coalesce(sum(t.amount), 0)::numeric(14,2)::text "
      "FROM transactions t JOIN stations s ON s.id = t.station_id JOIN locations l ON l.id = s.location_id "
      "WHERE l.user_id = $1 AND t.status = 'completed' "
      "AND ($2::timestamptz IS NULL OR t.stop_timestamp >= $2::timestamptz) "
      "AND ($3::timestamptz IS NULL OR t.stop_timestamp < $3::timestamptz)",
      db::params(ctx.user.id, from, to));
  auto per_station = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i)
    per_station.push_back({{"station_id", res.get(i, 0)},
                           {"name", nullable(res.opt(i, 1))},
                           {"sessions", res.get_int(i, 2)},
                           {"energy_wh", res.get_int(i, 3)},
                           {"revenue", res.get(i, 4)}});
  Reply r;
  r.data = {{"from", nullable(from)},
            {"to", nullable(to)},
            {"currency", "KGS"},
            {"sessions", total.get_int(0, 0)},
            {"energy_wh", total.get_int(0, 1)},
            {"revenue", total.get(0, 2)},
            {"stations", per_station}};
  co_return r;
}

}  // namespace

std::vector<Route> owner_routes() {
  return {
      {http::verb::get, "/api/v1/owner/stations", Access::Owner, stations},
      {http::verb::get, "/api/v1/owner/sessions", Access::Owner, sessions},
      {http::verb::get, "/api/v1/owner/revenue", Access::Owner, revenue},
  };
}

}  // namespace evp::api
