// The management API's registry (operators only), saved through ocpp/registry.hpp as the
// CLI saves it:
//   GET/POST /api/v1/admin/owners, GET/PATCH .../owners/{id}
//   GET/POST /api/v1/admin/locations (?owner_id=), GET/PATCH .../locations/{id}
//   POST /api/v1/admin/stations, PATCH .../stations/{id}             name, location, price
//   POST/DELETE /api/v1/admin/stations/{id}/password                  set, rotate, remove
//   GET .../stations/{id}/connectors, PATCH .../connectors/{n}         max power, plug type
//   GET /api/v1/admin/clients (?q=), GET .../clients/{id}              drivers and their money
// PATCH bodies change what they name: a field left out keeps its value, null clears it.
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>

#include "charging/charging.hpp"
#include "http/context.hpp"
#include "ocpp/central_system.hpp"
#include "ocpp/registry.hpp"
#include "resources/resources.hpp"
#include "resources/stations.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;
namespace registry = ocpp::registry;

[[noreturn]] void not_found(const char* code, const std::string& what) {
  throw ApiError(http::status::not_found, code, what);
}

// ---- body fields -----------------------------------------------------------------------

/// Left out: keep; null: clear; a string: set.
registry::Change<std::string> text_change(Context& ctx, const char* name, std::size_t max_len) {
  const nlohmann::json& j = ctx.body_json();
  if (!j.contains(name)) return {};
  if (j[name].is_null()) return registry::cleared<std::string>();
  return registry::Change<std::string>(ctx.body().str(name, max_len));
}

/// A degree with at most 6 fraction digits within +-limit, as decimal text.
std::optional<std::string> degrees(JsonFields& body, const char* name, std::int64_t limit) {
  const auto micro = body.opt_decimal(name, 6);
  if (!micro) return std::nullopt;
  if (*micro < -limit * 1'000'000 || *micro > limit * 1'000'000)
    bad_field(name, "must be between -" + std::to_string(limit) + " and " + std::to_string(limit));
  const std::int64_t a = *micro < 0 ? -*micro : *micro;
  char text[32];
  std::snprintf(text, sizeof text, "%s%lld.%06lld", *micro < 0 ? "-" : "", static_cast<long long>(a / 1'000'000),
                static_cast<long long>(a % 1'000'000));
  return std::string(text);
}

registry::Change<std::string> degrees_change(Context& ctx, const char* name, std::int64_t limit) {
  const nlohmann::json& j = ctx.body_json();
  if (!j.contains(name)) return {};
  if (j[name].is_null()) return registry::cleared<std::string>();
  auto body = ctx.body();
  return registry::Change<std::string>(degrees(body, name, limit));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string uuid_field(JsonFields& body, const char* name) {
  const std::string v = body.str(name, 36);
  if (!is_uuid(v)) bad_field(name, "must be a UUID");
  return lower(v);
}

void require_uuid_param(const std::string& id, const char* code, const char* what) {
  if (!is_uuid(id)) not_found(code, what);
}

nlohmann::json number_or_null(const std::optional<std::string>& decimal) {
  return decimal ? nlohmann::json::parse(*decimal, nullptr, false) : nlohmann::json(nullptr);
}

// ---- owners ----------------------------------------------------------------------------

nlohmann::json owner_json(const registry::Owner& o) {
  return {{"id", o.id},
          {"user_id", o.id},
          {"name", nullable(o.name)},
          {"email", nullable(o.email)},
          {"phone", nullable(o.phone)},
          {"created_at", o.created_at},
          {"location_count", o.locations},
          {"station_count", o.stations}};
}

nlohmann::json location_json(const registry::Location& l) {
  return {{"id", l.id},
          {"owner_id", l.owner_id},
          {"name", l.name},
          {"address", nullable(l.address)},
          {"latitude", number_or_null(l.latitude)},
          {"longitude", number_or_null(l.longitude)},
          {"created_at", l.created_at},
          {"station_count", l.stations}};
}

awaitable<Reply> owners(Context& ctx) {
  const Page page = page_of(ctx);
  auto list = co_await registry::owners(ctx.svc.pool, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& o : list) items.push_back(owner_json(o));
  Reply r;
  r.data = {{"items", std::move(items)}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

awaitable<Reply> create_owner(Context& ctx) {
  auto body = ctx.body();
  // The owner's user id is the one they sign in with (Supabase), so the operator gives it.
  const std::string id = uuid_field(body, "user_id");
  registry::OwnerChange change;
  change.name = body.str("name", 200);
  change.email = body.opt_str("email", 320);
  change.phone = body.opt_str("phone", 32);
  auto saved = co_await registry::save_owner(ctx.svc.pool, id, change, registry::Save::Create);
  if (saved.outcome == registry::Outcome::Exists)
    throw ApiError(http::status::conflict, "owner_exists", "user " + id + " is an owner already");
  Reply r;
  r.status = http::status::created;
  r.data = owner_json(*saved.row);
  co_return r;
}

awaitable<Reply> owner(Context& ctx) {
  const std::string id = lower(ctx.param("id"));
  require_uuid_param(id, "owner_not_found", "no owner with this id");
  auto o = co_await registry::owner(ctx.svc.pool, id);
  if (!o) not_found("owner_not_found", "no owner with this id");
  auto locations = co_await registry::locations(ctx.svc.pool, id, 100, 0);
  Reply r;
  r.data = owner_json(*o);
  r.data["locations"] = nlohmann::json::array();
  for (const auto& l : locations) r.data["locations"].push_back(location_json(l));
  co_return r;
}

awaitable<Reply> patch_owner(Context& ctx) {
  const std::string id = lower(ctx.param("id"));
  ctx.body();  // 400 unless a JSON object
  registry::OwnerChange change;
  change.name = text_change(ctx, "name", 200);
  if (change.name && !*change.name) bad_field("name", "must not be null");
  change.email = text_change(ctx, "email", 320);
  change.phone = text_change(ctx, "phone", 32);
  require_uuid_param(id, "owner_not_found", "no owner with this id");
  auto saved = co_await registry::save_owner(ctx.svc.pool, id, change, registry::Save::Update);
  if (saved.outcome == registry::Outcome::Missing) not_found("owner_not_found", "no owner with this id");
  Reply r;
  r.data = owner_json(*saved.row);
  co_return r;
}

// ---- locations -------------------------------------------------------------------------

awaitable<Reply> locations(Context& ctx) {
  const Page page = page_of(ctx);
  auto owner_id = ctx.query("owner_id");
  if (owner_id && !is_uuid(*owner_id))
    throw ApiError(http::status::bad_request, "invalid_query", "owner_id must be a UUID");
  if (owner_id) owner_id = lower(*owner_id);
  auto list = co_await registry::locations(ctx.svc.pool, owner_id, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& l : list) items.push_back(location_json(l));
  Reply r;
  r.data = {{"items", std::move(items)}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

Reply saved_location(const registry::Saved<registry::Location>& saved, http::status status) {
  if (saved.outcome == registry::Outcome::UnknownOwner) not_found("owner_not_found", "no owner with this id");
  if (saved.outcome == registry::Outcome::Missing) not_found("location_not_found", "no location with this id");
  Reply r;
  r.status = status;
  r.data = location_json(*saved.row);
  return r;
}

awaitable<Reply> create_location(Context& ctx) {
  auto body = ctx.body();
  registry::LocationChange change;
  change.owner_id = uuid_field(body, "owner_id");
  change.name = body.str("name", 200);
  change.address = body.str("address", 500);
  change.latitude = degrees(body, "latitude", 90);
  change.longitude = degrees(body, "longitude", 180);
  if (change.latitude.has_value() != change.longitude.has_value())
    bad_field(change.latitude ? "longitude" : "latitude", "is required with the other coordinate");
  auto saved = co_await registry::save_location(ctx.svc.pool, "", change, registry::Save::Create);
  co_return saved_location(saved, http::status::created);
}

awaitable<Reply> location(Context& ctx) {
  const std::string id = lower(ctx.param("id"));
  require_uuid_param(id, "location_not_found", "no location with this id");
  auto l = co_await registry::location(ctx.svc.pool, id);
  if (!l) not_found("location_not_found", "no location with this id");
  Reply r;
  r.data = location_json(*l);
  co_return r;
}

awaitable<Reply> patch_location(Context& ctx) {
  const std::string id = lower(ctx.param("id"));
  auto body = ctx.body();
  registry::LocationChange change;
  if (body.has("owner_id")) change.owner_id = uuid_field(body, "owner_id");
  if (ctx.body_json().contains("name") && ctx.body_json()["name"].is_null()) bad_field("name", "must not be null");
  change.name = body.opt_str("name", 200);
  change.address = text_change(ctx, "address", 500);
  change.latitude = degrees_change(ctx, "latitude", 90);
  change.longitude = degrees_change(ctx, "longitude", 180);
  require_uuid_param(id, "location_not_found", "no location with this id");
  auto saved = co_await registry::save_location(ctx.svc.pool, id, change, registry::Save::Update);
  co_return saved_location(saved, http::status::ok);
}

// ---- stations --------------------------------------------------------------------------

// The characters a station id may have here: it is a path segment of the OCPP URL and of
// these routes, so nothing that needs escaping.
bool valid_station_id(const std::string& id) {
  if (id.empty() || id.size() > 48) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '~';
  });
}

registry::StationChange station_change(Context& ctx) {
  auto body = ctx.body();
  registry::StationChange change;
  change.display_name = text_change(ctx, "display_name", 200);
  change.location_id = text_change(ctx, "location_id", 36);
  if (change.location_id && *change.location_id) {
    if (!is_uuid(**change.location_id)) bad_field("location_id", "must be a UUID or null");
    **change.location_id = lower(**change.location_id);
  }
  if (auto price = body.opt_decimal("price_per_kwh", 2)) {
    // NUMERIC(10,2): below 100 million som per kWh.
    if (*price < 0 || *price >= 10'000'000'000) bad_field("price_per_kwh", "must be between 0 and 99999999.99");
    change.price_per_kwh = common::Money::tyiyn(*price).str();
  }
  return change;
}

awaitable<Reply> station_reply(Context& ctx, const std::string& id, http::status status) {
  auto res = co_await ctx.svc.pool.query(std::string(kStationSelect) + "WHERE s.id = $1", db::params(id));
  if (res.empty()) not_found("station_not_found", "no such station");
  Reply r;
  r.status = status;
  r.data = operator_station_json(ctx.svc, res, 0);
  co_return r;
}

void check_saved(registry::Outcome outcome) {
  if (outcome == registry::Outcome::UnknownLocation) not_found("location_not_found", "no location with this id");
  if (outcome == registry::Outcome::Missing) not_found("station_not_found", "no such station");
}

awaitable<Reply> create_station(Context& ctx) {
  auto body = ctx.body();
  const std::string id = body.str("id", 48);
  if (!valid_station_id(id))
    bad_field("id", "must be 1 to 48 letters, digits or - _ . : ~ (it is the last segment of the station's OCPP URL)");
  const auto change = station_change(ctx);
  const auto outcome = co_await registry::save_station(ctx.svc.pool, id, change, registry::Save::Create);
  if (outcome == registry::Outcome::Exists)
    throw ApiError(http::status::conflict, "station_exists", "station " + id + " is registered already");
  check_saved(outcome);
  co_return co_await station_reply(ctx, id, http::status::created);
}

awaitable<Reply> patch_station(Context& ctx) {
  const std::string& id = ctx.param("id");
  const auto change = station_change(ctx);
  check_saved(co_await registry::save_station(ctx.svc.pool, id, change, registry::Save::Update));
  co_return co_await station_reply(ctx, id, http::status::ok);
}

// The OCPP 2.x passwordString alphabet (a subset of what 1.6 stations take), 16-40 long.
bool valid_password(const std::string& p) {
  if (p.size() < 16 || p.size() > 40) return false;
  return std::all_of(p.begin(), p.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("*-_=:+|@.").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// 20 characters of [A-Za-z0-9] (119 bits): fits the 20 bytes an OCPP 1.6 AuthorizationKey
// holds as well as the 2.x alphabet.
std::string generate_password() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < 20) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a password");
    for (unsigned char b : bytes)
      if (b < 248 && out.size() < 20) out.push_back(kAlphabet[b % kAlphabet.size()]);  // 248 = 4 * 62: unbiased
  }
  return out;
}

awaitable<Reply> set_password(Context& ctx) {
  const std::string& id = ctx.param("id");
  std::string password;
  const bool generated = ctx.req.body().empty();
  if (generated) {
    password = generate_password();
  } else {
    auto body = ctx.body();
    password = body.str("password", 40);
    if (!valid_password(password))
      bad_field("password", "must be 16 to 40 characters of A-Z, a-z, 0-9 and * - _ = : + | @ .");
  }
  const std::optional<std::string> value = password;
  if (!co_await registry::set_station_password(ctx.svc.pool, id, value)) not_found("station_not_found", "no such station");
  Reply r;
  r.data = {{"station_id", id}, {"password_set", true}, {"generated", generated}};
  if (generated) r.data["password"] = password;  // shown once: only its hash is kept
  co_return r;
}

awaitable<Reply> remove_password(Context& ctx) {
  const std::string& id = ctx.param("id");
  const std::optional<std::string> none;
  if (!co_await registry::set_station_password(ctx.svc.pool, id, none)) not_found("station_not_found", "no such station");
  Reply r;
  r.data = {{"station_id", id}, {"password_set", false}};
  co_return r;
}

nlohmann::json connector_json(const registry::Connector& c) {
  return {{"connector_id", c.connector_id},
          {"status", c.status},
          {"error_code", c.error_code},
          {"info", nullable(c.info)},
          {"vendor_error_code", nullable(c.vendor_error_code)},
          {"max_power_w", c.max_power_w ? nlohmann::json(*c.max_power_w) : nlohmann::json(nullptr)},
          {"connector_type", nullable(c.connector_type)},
          {"updated_at", nullable(c.updated_at)}};
}

awaitable<Reply> connectors(Context& ctx) {
  const std::string& id = ctx.param("id");
  auto known = co_await ctx.svc.pool.query("SELECT 1 FROM stations WHERE id = $1", db::params(id));
  if (known.empty()) not_found("station_not_found", "no such station");
  auto list = co_await registry::connectors(ctx.svc.pool, id);
  Reply r;
  r.data = nlohmann::json::array();
  for (const auto& c : list) r.data.push_back(connector_json(c));
  co_return r;
}

awaitable<Reply> patch_connector(Context& ctx) {
  const std::string& id = ctx.param("id");
  const std::string& n = ctx.param("n");
  int connector = 0;
  const bool digits = std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  if (n.empty() || n.size() > 2 || !digits || (connector = std::stoi(n)) < 1)
    not_found("connector_not_found", "connectors are numbered 1 to 99");
  const nlohmann::json& j = ctx.body_json();
  registry::ConnectorChange change;
  if (j.contains("max_power_w")) {
    auto body = ctx.body();
    // Up to 10 MW; the energy check multiplies it by a session's seconds.
    change.max_power_w = j["max_power_w"].is_null() ? registry::cleared<std::int64_t>()
                                                    : registry::Change<std::int64_t>(
                                                          body.integer("max_power_w", 1, 10'000'000));
  }
  change.connector_type = text_change(ctx, "connector_type", 20);
  auto saved = co_await registry::save_connector(ctx.svc.pool, id, connector, change);
  if (saved.outcome == registry::Outcome::Missing || !saved.row) not_found("station_not_found", "no such station");
  Reply r;
  r.data = connector_json(*saved.row);
  co_return r;
}

// ---- clients ---------------------------------------------------------------------------

nlohmann::json client_json(const charging::ClientSummary& c) {
  return {{"id", c.id},
          {"email", nullable(c.email)},
          {"name", nullable(c.name)},
          {"phone", nullable(c.phone)},
          {"balance", c.balance.str()},
          {"currency", "KGS"},
          {"created_at", c.created_at}};
}

awaitable<Reply> clients(Context& ctx) {
  const Page page = page_of(ctx);
  auto q = ctx.query("q");
  if (q && q->empty()) q.reset();
  if (q && q->size() > 200) throw ApiError(http::status::bad_request, "invalid_query", "q is longer than 200 characters");
  auto found = co_await ctx.svc.charging.clients(q, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& c : found.items) items.push_back(client_json(c));
  Reply r;
  r.data = {{"items", std::move(items)}, {"total", found.total}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

awaitable<Reply> client(Context& ctx) {
  const std::string id = lower(ctx.param("id"));
  require_uuid_param(id, "client_not_found", "no client with this id");
  auto c = co_await ctx.svc.charging.client(id);
  if (!c) not_found("client_not_found", "no client with this id");
  const auto available = co_await ctx.svc.charging.available_balance(id);
  const auto ledger = co_await ctx.svc.charging.ledger(id, 20, 0);
  const auto tags = co_await ctx.svc.charging.id_tags_of(id);
  Reply r;
  r.data = client_json(*c);
  r.data["available"] = available ? nlohmann::json(available->str()) : nlohmann::json(nullptr);
  auto& l = r.data["ledger"] = nlohmann::json::array();
  for (const auto& e : ledger)
    l.push_back({{"id", e.id},
                 {"amount", e.amount.str()},
                 {"kind", e.kind},
                 {"reference", e.reference},
                 {"balance_after", e.balance_after.str()},
                 {"created_at", e.created_at}});
  auto& t = r.data["id_tags"] = nlohmann::json::array();
  for (const auto& tag : tags)
    t.push_back({{"id_tag", tag.id_tag},
                 {"status", charging::to_string(tag.status)},
                 {"expiry_date", nullable(tag.expiry)},
                 {"parent_id_tag", nullable(tag.parent_id_tag)},
                 {"created_at", tag.created_at}});
  co_return r;
}

}  // namespace

std::vector<Route> admin_registry_routes() {
  return {
      {http::verb::get, "/api/v1/admin/owners", Access::Operator, owners},
      {http::verb::post, "/api/v1/admin/owners", Access::Operator, create_owner},
      {http::verb::get, "/api/v1/admin/owners/{id}", Access::Operator, owner},
      {http::verb::patch, "/api/v1/admin/owners/{id}", Access::Operator, patch_owner},
      {http::verb::get, "/api/v1/admin/locations", Access::Operator, locations},
      {http::verb::post, "/api/v1/admin/locations", Access::Operator, create_location},
      {http::verb::get, "/api/v1/admin/locations/{id}", Access::Operator, location},
      {http::verb::patch, "/api/v1/admin/locations/{id}", Access::Operator, patch_location},
      {http::verb::post, "/api/v1/admin/stations", Access::Operator, create_station},
      {http::verb::patch, "/api/v1/admin/stations/{id}", Access::Operator, patch_station},
      {http::verb::post, "/api/v1/admin/stations/{id}/password", Access::Operator, set_password},
      {http::verb::delete_, "/api/v1/admin/stations/{id}/password", Access::Operator, remove_password},
      {http::verb::get, "/api/v1/admin/stations/{id}/connectors", Access::Operator, connectors},
      {http::verb::patch, "/api/v1/admin/stations/{id}/connectors/{n}", Access::Operator, patch_connector},
      {http::verb::get, "/api/v1/admin/clients", Access::Operator, clients},
      {http::verb::get, "/api/v1/admin/clients/{id}", Access::Operator, client},
  };
}

}  // namespace evp::api
