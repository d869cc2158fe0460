#pragma once
/// The station registry: owners, their locations, the stations (name, price, location,
/// Basic auth password) and what is configured per connector. The one place that writes
/// these rows for people: the CLI (`evpower owner|location|station ...`) and the management
/// API call the same functions. The central system reads them (admission checks the password
/// written here, with the same pgcrypto bcrypt), the charging module reads prices, owners and
/// connector limits.
///
/// Numbers arrive as decimal text (price "12.50", latitude "42.874621") and go to the
/// database as such; callers validate what a user typed, the database's CHECKs are the last word.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/db.hpp"

namespace evp::ocpp::registry {

namespace asio = boost::asio;

/// A field in a change: absent (keep), null (clear) or a value.
template <class T>
using Change = std::optional<std::optional<T>>;
/// The null of a Change (clear the field); `Change<T>(std::nullopt)` would be "keep".
template <class T>
Change<T> cleared() {
  return Change<T>(std::in_place);
}

/// How a save treats a row that exists (or not).
enum class Save {
  Create,  ///< a new row only: an existing id is Outcome::Exists
  Update,  ///< an existing row only: Outcome::Missing otherwise
  Upsert   ///< either (the CLI's `add`, which also changes)
};

enum class Outcome { Saved, Exists, Missing, UnknownOwner, UnknownLocation };

struct Owner {
  std::string id;
  std::optional<std::string> name, email, phone;
  std::string created_at;  ///< RFC 3339 UTC
  std::int64_t locations = 0, stations = 0;
};
struct OwnerChange {
  Change<std::string> name, email, phone;
};

struct Location {
  std::string id, owner_id, name;
  std::optional<std::string> address, latitude, longitude;
  std::string created_at;
  std::int64_t stations = 0;
};
struct LocationChange {
  std::optional<std::string> owner_id, name;  ///< required on create
  Change<std::string> address, latitude, longitude;
};

struct StationChange {
  Change<std::string> display_name, location_id;
  std::optional<std::string> price_per_kwh;  ///< som per kWh, decimal text (the schema's only tariff)
  /// Create/Upsert only: the Basic auth password to hash and store (nullopt: none / keep).
  std::optional<std::string> password;
};

struct Connector {
  std::string station_id;
  int connector_id = 0;
  std::string status, error_code;
  std::optional<std::string> info, vendor_error_code, connector_type, updated_at;
  std::optional<std::int64_t> max_power_w;
};
struct ConnectorChange {
  Change<std::int64_t> max_power_w;
  Change<std::string> connector_type;
};

template <class T>
struct Saved {
  Outcome outcome = Outcome::Saved;
  std::optional<T> row;  ///< the row as stored, when Saved
};

/// `id` empty: a new UUID (Create/Upsert).
asio::awaitable<Saved<Owner>> save_owner(db::Pool& pool, const std::string& id, const OwnerChange& change, Save mode);
asio::awaitable<std::vector<Owner>> owners(db::Pool& pool, std::int64_t limit, std::int64_t offset);
asio::awaitable<std::optional<Owner>> owner(db::Pool& pool, const std::string& id);

/// `id` empty on Create (a new one); UnknownOwner when owner_id names nobody.
asio::awaitable<Saved<Location>> save_location(db::Pool& pool, const std::string& id, const LocationChange& change,
                                               Save mode);
asio::awaitable<std::vector<Location>> locations(db::Pool& pool, const std::optional<std::string>& owner_id,
                                                 std::int64_t limit, std::int64_t offset);
asio::awaitable<std::optional<Location>> location(db::Pool& pool, const std::string& id);

/// Saves a station's registry fields (UnknownLocation when location_id names none); the row
/// is not returned (the caller reads the station view it shows).
asio::awaitable<Outcome> save_station(db::Pool& pool, const std::string& id, const StationChange& change, Save mode);
/// Sets (a value) or removes (nullopt) the station's Basic auth password: bcrypt through
/// pgcrypto, as the WebSocket admission compares it. False when there is no such station.
asio::awaitable<bool> set_station_password(db::Pool& pool, const std::string& id,
                                           const std::optional<std::string>& password);

/// The station's connectors by number (0, the charge point, included when reported).
asio::awaitable<std::vector<Connector>> connectors(db::Pool& pool, const std::string& station_id);
/// Changes the configured fields of a connector, creating its row when the station has not
/// reported it yet. Missing when the station does not exist.
asio::awaitable<Saved<Connector>> save_connector(db::Pool& pool, const std::string& station_id, int connector_id,
                                                 const ConnectorChange& change);

}  // namespace evp::ocpp::registry
