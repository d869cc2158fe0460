#pragma once
// Test support for the charging tests: a fresh migrated database with an owner, two
// stations, a driver with an RFID tag, subscriptions for both users, an enabled (never
// started) push::Service so outbox rows stay put, and the Service driven directly.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "charging/charging.hpp"
#include "db/testing.hpp"
#include "evp/testing/run.hpp"
#include "push/service.hpp"

namespace evp::charging::testing {

namespace asio = boost::asio;
using nlohmann::json;

inline constexpr const char* kOwner = "11111111-1111-4111-8111-111111111111";
inline constexpr const char* kClient = "22222222-2222-4222-8222-222222222222";

using evp::testing::run;

inline TimePoint at(const std::string& rfc3339) { return common::parse_datetime(rfc3339).value(); }

struct Fixture {
  db::testing::TempDatabase tdb;
  asio::io_context io;
  db::Pool pool{io.get_executor(), db::Config{.url = tdb.url(), .pool_size = 2}};
  push::Service push{io.get_executor(), pool, push::Config{.enabled = true}};
  Config config;
  std::unique_ptr<Service> svc;

  explicit Fixture(const std::string& balance = "200.00") {
    tdb.exec(std::string("INSERT INTO owners (id, name) VALUES ('") + kOwner + "', 'Owner');"
             "INSERT INTO locations (id, user_id, name) VALUES ('33333333-3333-4333-8333-333333333333', '" + kOwner +
             "', 'Park');"
             "INSERT INTO stations (id, location_id, display_name, price_per_kwh) VALUES "
             "  ('CP-1', '33333333-3333-4333-8333-333333333333', 'Бишкек Парк', 10.00),"
             "  ('CP-2', '33333333-3333-4333-8333-333333333333', 'Ош Базар', 10.00);"
             "INSERT INTO clients (id, name, balance) VALUES ('" + kClient + "', 'Driver', " + balance + ");"
             "INSERT INTO id_tags (id_tag, client_id, status) VALUES ('TAG1', '" + kClient + "', 'Accepted');"
             "INSERT INTO push_subscriptions (user_id, user_type, endpoint, p256dh_key, auth_key) VALUES "
             "  ('" + kClient + "', 'client', 'https://push.example/c', 'k', 'a'),"
             "  ('" + kOwner + "', 'owner', 'https://push.example/o', 'k', 'a');");
    run(io, pool.start());
    rebuild();
  }
  ~Fixture() { pool.stop(); }
  void rebuild() { svc = std::make_unique<Service>(io.get_executor(), pool, &push, config); }

  std::string q(const std::string& sql) const { return tdb.scalar(sql); }
  int count(const std::string& sql) const { return std::stoi(tdb.scalar(sql)); }
  int outbox(const std::string& event_type) const {
    return count("SELECT count(*) FROM push_outbox WHERE event_type = '" + event_type + "'");
  }
  json last_payload(const std::string& event_type) const {
    return json::parse(q("SELECT payload FROM push_outbox WHERE event_type = '" + event_type + "' ORDER BY id DESC LIMIT 1"));
  }
  std::string balance() const { return q(std::string("SELECT balance FROM clients WHERE id = '") + kClient + "'"); }
  std::string tx_field(int tx, const std::string& expr) const {
    return q("SELECT " + expr + " FROM transactions WHERE id = " + std::to_string(tx));
  }

  StartResult start(const std::string& station, int connector, const std::string& tag, std::int64_t meter,
                    const std::string& ts = "2026-11-26T10:00:00Z") {
    return run(io, svc->start_transaction({station, connector, tag, meter, at(ts), std::nullopt}));
  }
  StopResult stop(const std::string& station, int tx, std::int64_t meter, const std::string& ts = "2026-11-26T11:00:00Z") {
    StopRequest r;
    r.station_id = station;
    r.transaction_id = tx;
    r.meter_stop = meter;
    r.timestamp = at(ts);
    return run(io, svc->stop_transaction(r));
  }
  MeterResult meter(const std::string& station, int connector, int tx, std::int64_t wh,
                    const std::string& ts = "2026-11-26T10:30:00Z") {
    MeterRequest m;
    m.station_id = station;
    m.connector_id = connector;
    m.transaction_id = tx;
    m.samples.push_back({at(ts), std::to_string(wh), std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                         std::nullopt, std::string("Wh")});
    m.readings.emplace_back(at(ts), wh);
    return run(io, svc->meter_values(m));
  }
  /// What the station last said about a connector (StatusNotification, as the OCPP module stores it).
  void connector_status(const std::string& station, int connector, const std::string& status) {
    tdb.exec("INSERT INTO connectors (station_id, connector_id, status, updated_at) VALUES ('" + station + "', " +
             std::to_string(connector) + ", '" + status + "', now() + interval '1 second') "
             "ON CONFLICT (station_id, connector_id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at");
  }
};

}  // namespace evp::charging::testing
