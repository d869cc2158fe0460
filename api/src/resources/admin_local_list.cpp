// The Local Authorization List of a station, built from id_tags (operators only):
//   POST /api/v1/admin/stations/{id}/local-list  {"update": "Full"|"Differential"} sends
//        SendLocalList through the audited call path; a Differential carries only what
//        changed since the list the station last accepted
//   GET  /api/v1/admin/stations/{id}/local-list  the version the station holds, the last
//        attempt and how many entries differ from id_tags now
// The accepted list (version and entries) is kept per station in station_local_lists.
#include "common/time.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "ocpp/messages/registry.hpp"
#include "ocpp/rpc.hpp"
#include "resources/admin_calls.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;
using Json = nlohmann::json;

// idTag -> idTagInfo for every card in id_tags, as a station should judge it offline.
awaitable<Json> current_entries(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(
      "SELECT id_tag, status, "
      "to_char(expiry_date AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), parent_id_tag "
      "FROM id_tags ORDER BY id_tag");
  Json out = Json::object();
  for (int i = 0; i < res.rows(); ++i) {
    Json info{{"status", std::string(res.get(i, 1))}};
    if (auto expiry = res.opt(i, 2)) info["expiryDate"] = *expiry;
    if (auto parent = res.opt(i, 3)) info["parentIdTag"] = *parent;
    out[std::string(res.get(i, 0))] = std::move(info);
  }
  co_return out;
}

// The localAuthorizationList that turns `base` into `now`: changed or new entries with their
// idTagInfo, removed ones without.
Json difference(const Json& base, const Json& now) {
  Json list = Json::array();
  for (const auto& [tag, info] : now.items())
    if (!base.contains(tag) || base[tag] != info) list.push_back({{"idTag", tag}, {"idTagInfo", info}});
  for (const auto& [tag, info] : base.items())
    if (!now.contains(tag)) list.push_back({{"idTag", tag}});
  return list;
}

Json full_list(const Json& now) {
  Json list = Json::array();
  for (const auto& [tag, info] : now.items()) list.push_back({{"idTag", tag}, {"idTagInfo", info}});
  return list;
}

struct ListState {
  int version = 0;
  Json entries = Json::object();
};

awaitable<ListState> accepted_state(Context& ctx, const std::string& station_id) {
  auto res = co_await ctx.svc.pool.query("SELECT version, entries::text FROM station_local_lists WHERE station_id = $1",
                                         db::params(station_id));
  ListState s;
  if (!res.empty()) {
    s.version = static_cast<int>(res.get_int(0, 0));
    s.entries = Json::parse(res.get(0, 1));
  }
  co_return s;
}

awaitable<Reply> send_list(Context& ctx) {
  const std::string& station_id = ctx.param("id");
  auto body = ctx.body();
  const std::string update = body.str("update", 16);
  if (update != "Full" && update != "Differential") bad_field("update", "must be Full or Differential");
  const auto timeout_s = ctx.query_int("timeout", 0, 0, 300);
  std::optional<std::chrono::seconds> timeout;
  if (timeout_s > 0) timeout = std::chrono::seconds(timeout_s);
  co_await require_station(ctx, station_id);

  const ListState base = co_await accepted_state(ctx, station_id);
  if (update == "Differential" && base.version == 0)
    throw ApiError(http::status::conflict, "no_accepted_list",
                   "the station has accepted no list from this server yet: send a Full one first");
  const Json now = co_await current_entries(ctx);

  // A new number, never used before for this station (two operators at once get two).
  auto reserved = co_await ctx.svc.pool.query(
      "INSERT INTO station_local_lists (station_id, last_version_sent) VALUES ($1, 1) "
      "ON CONFLICT (station_id) DO UPDATE SET last_version_sent = "
      "GREATEST(station_local_lists.version, station_local_lists.last_version_sent) + 1 "
      "RETURNING last_version_sent",
      db::params(station_id));
  const auto version = reserved.get_int(0, 0);

  const Json list = update == "Full" ? full_list(now) : difference(base.entries, now);
  Json payload{{"listVersion", version}, {"updateType", update}};
  if (!list.empty()) payload["localAuthorizationList"] = list;
  try {
    ocpp::validate_request("SendLocalList", payload);
  } catch (const ocpp::CallError& e) {
    throw ApiError(http::status::unprocessable_entity, "invalid_local_list",
                   "the id tags do not make a valid SendLocalList: " + std::string(e.description()));
  }

  const AuditedCall sent = co_await audited_call(ctx, station_id, "SendLocalList", payload, timeout);
  const std::string status = sent.answer ? sent.answer->value("status", "") : sent.outcome;
  if (status == "Accepted") {
    // The station holds `now` at `version` (a Differential applied to the base gives it too);
    // an older attempt answered late does not overwrite a newer list.
    const std::string entries_text = now.dump();
    co_await ctx.svc.pool.query(
        "UPDATE station_local_lists SET version = $2, entries = $3::jsonb, accepted_at = now(), "
        "last_update_type = $4, last_status = 'Accepted', last_audit_id = $5, last_sent_at = now() "
        "WHERE station_id = $1 AND version < $2",
        db::params(station_id, version, entries_text, update, sent.audit_id));
  } else {
    co_await ctx.svc.pool.query(
        "UPDATE station_local_lists SET last_update_type = $2, last_status = $3, last_audit_id = $4, "
        "last_sent_at = now() WHERE station_id = $1",
        db::params(station_id, update, status, sent.audit_id));
  }
  if (sent.failure) throw_call_failure(sent, station_id, "SendLocalList");

  Reply r;
  r.data = {{"audit_id", sent.audit_id},
            {"station_id", station_id},
            {"update", update},
            {"list_version", version},
            {"entries_sent", list.size()},
            {"status", status},
            {"response", *sent.answer},
            {"recorded", sent.recorded}};
  co_return r;
}

awaitable<Reply> show_list(Context& ctx) {
  const std::string& station_id = ctx.param("id");
  co_await require_station(ctx, station_id);
  auto res = co_await ctx.svc.pool.query(
      "SELECT version, entries::text, accepted_at, last_version_sent, last_update_type, last_status, last_audit_id, "
      "last_sent_at FROM station_local_lists WHERE station_id = $1",
      db::params(station_id));
  const ListState base = co_await accepted_state(ctx, station_id);
  const Json now = co_await current_entries(ctx);
  Json out{{"station_id", station_id},
           {"version", base.version},
           {"entries", base.entries.size()},
           {"pending_changes", difference(base.entries, now).size()},
           {"accepted_at", nullptr},
           {"last_version_sent", 0},
           {"last_update_type", nullptr},
           {"last_status", nullptr},
           {"last_audit_id", nullptr},
           {"last_sent_at", nullptr}};
  if (!res.empty()) {
    out["accepted_at"] = nullable(res.opt(0, 2));
    out["last_version_sent"] = res.get_int(0, 3);
    out["last_update_type"] = nullable(res.opt(0, 4));
    out["last_status"] = nullable(res.opt(0, 5));
    if (!res.is_null(0, 6)) out["last_audit_id"] = std::string(res.get(0, 6));
    out["last_sent_at"] = nullable(res.opt(0, 7));
  }
  Reply r;
  r.data = std::move(out);
  co_return r;
}

}  // namespace

std::vector<Route> admin_local_list_routes() {
  return {
      {http::verb::post, "/api/v1/admin/stations/{id}/local-list", Access::Operator, send_list},
      {http::verb::get, "/api/v1/admin/stations/{id}/local-list", Access::Operator, show_list},
  };
}

}  // namespace evp::api
