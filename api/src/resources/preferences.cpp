// Per-event notification preferences: a user can switch off, say, low-balance warnings.
// Stored as opt-outs in notification_preferences (migration 004); the outbox honours them.
#include <algorithm>

#include "db/db.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

constexpr const char* kClientEvents[] = {"charging_started", "charging_completed", "charging_error",
                                         "low_balance_warning", "payment_confirmed"};
constexpr const char* kOwnerEvents[] = {"new_session", "session_completed", "station_offline"};

std::vector<std::string> events_for(const User& u) {
  std::vector<std::string> out;
  if (u.client) out.insert(out.end(), std::begin(kClientEvents), std::end(kClientEvents));
  if (u.owner) out.insert(out.end(), std::begin(kOwnerEvents), std::end(kOwnerEvents));
  return out;
}

awaitable<nlohmann::json> current(Context& ctx) {
  auto res = co_await ctx.svc.pool.query("SELECT event_type, enabled FROM notification_preferences WHERE user_id = $1",
                                         db::params(ctx.user.id));
  nlohmann::json prefs = nlohmann::json::object();
  for (const auto& e : events_for(ctx.user)) prefs[e] = true;
  for (int i = 0; i < res.rows(); ++i) {
    std::string e(res.get(i, 0));
    if (prefs.contains(e)) prefs[e] = res.get_bool(i, 1);
  }
  co_return nlohmann::json{{"preferences", prefs}};
}

awaitable<Reply> get_preferences(Context& ctx) {
  Reply r;
  r.data = co_await current(ctx);
  co_return r;
}

awaitable<Reply> put_preferences(Context& ctx) {
  const nlohmann::json& raw = ctx.body_json();
  // Either {"preferences": {...}} or the map itself.
  const nlohmann::json& map = raw.contains("preferences") ? raw["preferences"] : raw;
  if (!map.is_object() || map.empty()) bad_field("preferences", "must be an object of event_type: true|false");
  auto allowed = events_for(ctx.user);
  db::Params batch_events, batch_values;
  std::string events_csv, values_csv;
  for (const auto& [event, value] : map.items()) {
    std::string field = raw.contains("preferences") ? "preferences." + event : event;
    if (std::find(allowed.begin(), allowed.end(), event) == allowed.end())
      bad_field(field, "is not a notification event of this user");
    if (!value.is_boolean()) bad_field(field, "must be true or false");
    events_csv += (events_csv.empty() ? "" : ",") + event;
    values_csv += (values_csv.empty() ? "" : ",") + std::string(value.get<bool>() ? "true" : "false");
  }
  // One statement for the whole map: arrays unnested side by side.
  co_await ctx.svc.pool.query(
      "INSERT INTO notification_preferences (user_id, event_type, enabled) "
      "SELECT $1, e, v FROM unnest(string_to_array($2, ','), string_to_array($3, ',')::boolean[]) AS x(e, v) "
      "ON CONFLICT (user_id, event_type) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = NOW()",
      db::params(ctx.user.id, events_csv, values_csv));
  Reply r;
  r.data = co_await current(ctx);
  co_return r;
}

}  // namespace

std::vector<Route> preference_routes() {
  return {
      {http::verb::get, "/api/v1/notifications/preferences", Access::User, get_preferences},
      {http::verb::put, "/api/v1/notifications/preferences", Access::User, put_preferences},
  };
}

}  // namespace evp::api
