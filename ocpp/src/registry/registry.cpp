// The station registry's SQL (see ocpp/registry.hpp). A change field is two parameters: a
// flag (was it given?) and its value (NULL clears), so one statement serves every PATCH.
#include "ocpp/registry.hpp"

namespace evp::ocpp::registry {

namespace {

constexpr const char* kUtc = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";
// The hash the WebSocket admission checks with `password_hash = crypt($2, password_hash)`.
constexpr const char* kHashOf7 = "CASE WHEN $7::text IS NULL THEN NULL ELSE crypt($7::text, gen_salt('bf', 8)) END";

template <class T>
void add_change(db::Params& p, const Change<T>& c) {
  p.push_back(db::param(c.has_value()));
  p.push_back(c.has_value() ? db::param(*c) : db::null());
}

std::string utc(const char* column) { return std::string("to_char(") + column + " AT TIME ZONE 'UTC', " + kUtc + ")"; }

const std::string& owner_select() {
  static const std::string sql =
      "SELECT o.id, o.name, o.email, o.phone, " + utc("o.created_at") +
      ", (SELECT count(*) FROM locations l WHERE l.user_id = o.id), "
      "(SELECT count(*) FROM stations s JOIN locations l ON l.id = s.location_id WHERE l.user_id = o.id) "
      "FROM owners o ";
  return sql;
}

Owner owner_of(const db::Result& r, int i) {
  return {std::string(r.get(i, 0)), r.opt(i, 1), r.opt(i, 2), r.opt(i, 3), std::string(r.get(i, 4)), r.get_int(i, 5),
          r.get_int(i, 6)};
}

const std::string& location_select() {
  static const std::string sql = "SELECT l.id, l.user_id, l.name, l.address, l.latitude::text, l.longitude::text, " +
                                 utc("l.created_at") +
                                 ", (SELECT count(*) FROM stations s WHERE s.location_id = l.id) FROM locations l ";
  return sql;
}

Location location_of(const db::Result& r, int i) {
  return {std::string(r.get(i, 0)), std::string(r.get(i, 1)), std::string(r.get(i, 2)), r.opt(i, 3),
          r.opt(i, 4),              r.opt(i, 5),              std::string(r.get(i, 6)), r.get_int(i, 7)};
}

const std::string& connector_select() {
  static const std::string sql = "SELECT station_id, connector_id, status, error_code, info, vendor_error_code, "
                                 "connector_type, " +
                                 utc("updated_at") + ", max_power_w FROM connectors ";
  return sql;
}

Connector connector_of(const db::Result& r, int i) {
  Connector c;
  c.station_id = r.get(i, 0);
  c.connector_id = static_cast<int>(r.get_int(i, 1));
  c.status = r.get(i, 2);
  c.error_code = r.get(i, 3);
  c.info = r.opt(i, 4);
  c.vendor_error_code = r.opt(i, 5);
  c.connector_type = r.opt(i, 6);
  c.updated_at = r.opt(i, 7);
  if (!r.is_null(i, 8)) c.max_power_w = r.get_int(i, 8);
  return c;
}

asio::awaitable<bool> exists(db::Pool& pool, const char* sql, const std::string& id) {
  db::Params p = db::params(id);
  auto r = co_await pool.query(sql, std::move(p));
  co_return !r.empty();
}

}  // namespace

// ---- owners ------------------------------------------------------------------------------

asio::awaitable<Saved<Owner>> save_owner(db::Pool& pool, const std::string& id, const OwnerChange& change, Save mode) {
  db::Params p = db::params(id.empty() ? db::null() : db::Param(id));
  add_change(p, change.name);   // $2 $3
  add_change(p, change.email);  // $4 $5
  add_change(p, change.phone);  // $6 $7
  static const std::string kSet =
      "name = CASE WHEN $2 THEN $3 ELSE owners.name END, email = CASE WHEN $4 THEN $5 ELSE owners.email END, "
      "phone = CASE WHEN $6 THEN $7 ELSE owners.phone END ";
  static const std::string kInsert =
      "INSERT INTO owners (id, name, email, phone) VALUES (coalesce($1::uuid, gen_random_uuid()), $3, $5, $7) ";
  std::string sql = mode == Save::Update   ? "UPDATE owners SET " + kSet + "WHERE id = $1::uuid RETURNING id"
                    : mode == Save::Create ? kInsert + "ON CONFLICT (id) DO NOTHING RETURNING id"
                                           : kInsert + "ON CONFLICT (id) DO UPDATE SET " + kSet + "RETURNING id";
  if (mode == Save::Create) sql = "WITH unused AS (SELECT $2::boolean, $4::boolean, $6::boolean) " + sql;
  auto r = co_await pool.query(sql, std::move(p));
  Saved<Owner> out;
  if (r.empty()) {
    out.outcome = mode == Save::Update ? Outcome::Missing : Outcome::Exists;
    co_return out;
  }
  out.row = co_await owner(pool, std::string(r.get(0, 0)));
  co_return out;
}

asio::awaitable<std::vector<Owner>> owners(db::Pool& pool, std::int64_t limit, std::int64_t offset) {
  db::Params p = db::params(limit, offset);
  auto r = co_await pool.query(owner_select() + "ORDER BY o.created_at, o.id LIMIT $1 OFFSET $2", std::move(p));
  std::vector<Owner> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(owner_of(r, i));
  co_return out;
}

asio::awaitable<std::optional<Owner>> owner(db::Pool& pool, const std::string& id) {
  db::Params p = db::params(id);
  auto r = co_await pool.query(owner_select() + "WHERE o.id = $1::uuid", std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return owner_of(r, 0);
}

// ---- locations ---------------------------------------------------------------------------

asio::awaitable<Saved<Location>> save_location(db::Pool& pool, const std::string& id, const LocationChange& change,
                                               Save mode) {
  Saved<Location> out;
  if (change.owner_id && !co_await exists(pool, "SELECT 1 FROM owners WHERE id = $1::uuid", *change.owner_id)) {
    out.outcome = Outcome::UnknownOwner;
    co_return out;
  }
  db::Params p = db::params(id.empty() ? db::null() : db::Param(id), db::param(change.owner_id),
                            db::param(change.name));  // $1 $2 $3
  add_change(p, change.address);                      // $4 $5
  add_change(p, change.latitude);                     // $6 $7
  add_change(p, change.longitude);                    // $8 $9
  static const std::string kSet =
      "user_id = coalesce($2::uuid, locations.user_id), name = coalesce($3, locations.name), "
      "address = CASE WHEN $4 THEN $5 ELSE locations.address END, "
      "latitude = CASE WHEN $6 THEN $7::numeric ELSE locations.latitude END, "
      "longitude = CASE WHEN $8 THEN $9::numeric ELSE locations.longitude END ";
  static const std::string kInsert =
      "INSERT INTO locations (id, user_id, name, address, latitude, longitude) "
      "VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3, $5, $7::numeric, $9::numeric) ";
  std::string sql = mode == Save::Update   ? "UPDATE locations SET " + kSet + "WHERE id = $1::uuid RETURNING id"
                    : mode == Save::Create ? kInsert + "ON CONFLICT (id) DO NOTHING RETURNING id"
                                           : kInsert + "ON CONFLICT (id) DO UPDATE SET " + kSet + "RETURNING id";
  // Unused flags still need a type when a statement does not mention them.
  if (mode == Save::Create) sql = "WITH unused AS (SELECT $4::boolean, $6::boolean, $8::boolean) " + sql;
  auto r = co_await pool.query(sql, std::move(p));
  if (r.empty()) {
    out.outcome = mode == Save::Update ? Outcome::Missing : Outcome::Exists;
    co_return out;
  }
  out.row = co_await location(pool, std::string(r.get(0, 0)));
  co_return out;
}

asio::awaitable<std::vector<Location>> locations(db::Pool& pool, const std::optional<std::string>& owner_id,
                                                 std::int64_t limit, std::int64_t offset) {
  db::Params p = db::params(db::param(owner_id), limit, offset);
  auto r = co_await pool.query(
      location_select() + "WHERE $1::uuid IS NULL OR l.user_id = $1::uuid ORDER BY l.created_at, l.id LIMIT $2 OFFSET $3",
      std::move(p));
  std::vector<Location> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(location_of(r, i));
  co_return out;
}

asio::awaitable<std::optional<Location>> location(db::Pool& pool, const std::string& id) {
  db::Params p = db::params(id);
  auto r = co_await pool.query(location_select() + "WHERE l.id = $1::uuid", std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return location_of(r, 0);
}

// ---- stations ----------------------------------------------------------------------------

asio::awaitable<Outcome> save_station(db::Pool& pool, const std::string& id, const StationChange& change, Save mode) {
  if (change.location_id && *change.location_id &&
      !co_await exists(pool, "SELECT 1 FROM locations WHERE id = $1::uuid", **change.location_id))
    co_return Outcome::UnknownLocation;
  db::Params p = db::params(id);
  add_change(p, change.display_name);                        // $2 $3
  add_change(p, change.location_id);                         // $4 $5
  p.push_back(db::param(change.price_per_kwh));              // $6
  p.push_back(db::param(change.password));                   // $7
  const std::string set = std::string(
                              "display_name = CASE WHEN $2 THEN $3 ELSE stations.display_name END, "
                              "location_id = CASE WHEN $4 THEN $5::uuid ELSE stations.location_id END, "
                              "price_per_kwh = coalesce($6::numeric, stations.price_per_kwh), "
                              "password_hash = coalesce(") +
                          kHashOf7 + ", stations.password_hash), updated_at = now() ";
  const std::string insert =
      std::string(
          "INSERT INTO stations (id, display_name, location_id, price_per_kwh, password_hash) "
          "SELECT $1, $3, $5::uuid, coalesce($6::numeric, 0), ") +
      kHashOf7 + " WHERE $2::boolean IS NOT NULL AND $4::boolean IS NOT NULL ";
  const std::string sql = mode == Save::Update   ? "UPDATE stations SET " + set + "WHERE id = $1 RETURNING id"
                          : mode == Save::Create ? insert + "ON CONFLICT (id) DO NOTHING RETURNING id"
                                                 : insert + "ON CONFLICT (id) DO UPDATE SET " + set + "RETURNING id";
  auto r = co_await pool.query(sql, std::move(p));
  if (r.empty()) co_return mode == Save::Update ? Outcome::Missing : Outcome::Exists;
  co_return Outcome::Saved;
}

asio::awaitable<bool> set_station_password(db::Pool& pool, const std::string& id,
                                           const std::optional<std::string>& password) {
  db::Params p = db::params(id, db::param(password));
  auto r = co_await pool.query(
      "UPDATE stations SET password_hash = CASE WHEN $2::text IS NULL THEN NULL "
      "ELSE crypt($2::text, gen_salt('bf', 8)) END, updated_at = now() WHERE id = $1",
      std::move(p));
  co_return r.affected() > 0;
}

// ---- connectors --------------------------------------------------------------------------

asio::awaitable<std::vector<Connector>> connectors(db::Pool& pool, const std::string& station_id) {
  db::Params p = db::params(station_id);
  auto r = co_await pool.query(connector_select() + "WHERE station_id = $1 ORDER BY connector_id", std::move(p));
  std::vector<Connector> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(connector_of(r, i));
  co_return out;
}

asio::awaitable<Saved<Connector>> save_connector(db::Pool& pool, const std::string& station_id, int connector_id,
                                                 const ConnectorChange& change) {
  Saved<Connector> out;
  if (!co_await exists(pool, "SELECT 1 FROM stations WHERE id = $1", station_id)) {
    out.outcome = Outcome::Missing;
    co_return out;
  }
  db::Params p = db::params(station_id, connector_id);
  add_change(p, change.max_power_w);     // $3 $4
  add_change(p, change.connector_type);  // $5 $6
  // Only the configured fields: status and error code stay the station's (a row created
  // here starts 'Unavailable' with no timestamp, so the next StatusNotification overwrites it).
  auto r = co_await pool.query(
      "INSERT INTO connectors AS c (station_id, connector_id, max_power_w, connector_type) "
      "VALUES ($1, $2, CASE WHEN $3 THEN $4::integer END, CASE WHEN $5 THEN $6 END) "
      "ON CONFLICT (station_id, connector_id) DO UPDATE SET "
      "max_power_w = CASE WHEN $3 THEN $4::integer ELSE c.max_power_w END, "
      "connector_type = CASE WHEN $5 THEN $6 ELSE c.connector_type END RETURNING connector_id",
      std::move(p));
  (void)r;
  db::Params q = db::params(station_id, connector_id);
  auto row = co_await pool.query(connector_select() + "WHERE station_id = $1 AND connector_id = $2", std::move(q));
  if (!row.empty()) out.row = connector_of(row, 0);
  co_return out;
}

}  // namespace evp::ocpp::registry
