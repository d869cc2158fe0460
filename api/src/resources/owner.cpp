// Owners: their stations (stations.location_id -> locations.user_id), the sessions on
// them and the revenue. Nothing here can reach another owner's stations.
#include "common/time.hpp"
#include "charging/charging.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"
#include "resources/session_view.hpp"
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
  auto rows = co_await ctx.svc.charging.owner_transactions(ctx.user.id, station, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& t : rows) {
    // Drivers' identities are not the owner's business; the id tag is not shown either.
    items.push_back(transaction_json(t));
  }
  Reply r;
  r.data = {{"items", items}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

awaitable<Reply> revenue(Context& ctx) {
  auto from = time_param(ctx, "from"), to = time_param(ctx, "to");
  const charging::Revenue rev = co_await ctx.svc.charging.owner_revenue(ctx.user.id, from, to);
  auto per_station = nlohmann::json::array();
  for (const auto& s : rev.stations)
    per_station.push_back({{"station_id", s.station_id},
                           {"name", nullable(s.name)},
                           {"sessions", s.sessions},
                           {"energy_wh", s.energy_wh},
                           {"revenue", s.revenue.str()},
                           {"unpaid_sessions", s.unpaid_sessions}});
  Reply r;
  // Revenue is what drivers were charged; sessions nobody paid for are counted apart.
  r.data = {{"from", nullable(from)},
            {"to", nullable(to)},
            {"currency", "KGS"},
            {"sessions", rev.sessions},
            {"energy_wh", rev.energy_wh},
            {"revenue", rev.revenue.str()},
            {"unpaid_sessions", rev.unpaid_sessions},
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
