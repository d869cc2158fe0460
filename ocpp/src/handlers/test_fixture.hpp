#pragma once
// Test support for the handler tests: a fresh migrated database with one owner, station,
// client and a few id tags, a Pool and an enabled (never started) push::Service on an
// io_context, and the dispatcher called directly with Call objects - no WebSocket needed.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <string>

#include "charging/charging.hpp"
#include "db/testing.hpp"
#include "evp/testing/run.hpp"
#include "handlers/handlers.hpp"
#include "push/service.hpp"

namespace evp::ocpp::handlers::testing {

namespace asio = boost::asio;
using nlohmann::json;

inline constexpr const char* kOwner = "11111111-1111-4111-8111-111111111111";
inline constexpr const char* kClient = "22222222-2222-4222-8222-222222222222";
inline constexpr const char* kStation = "CP-1";

using evp::testing::run;

struct Fixture {
  db::testing::TempDatabase tdb;
  asio::io_context io;
  db::Pool pool{io.get_executor(), db::Config{.url = tdb.url(), .pool_size = 2}};
  push::Service push{io.get_executor(), pool, push::Config{.enabled = true}};
  Config config;
  Options options;
  charging::Config charging_config;
  std::unique_ptr<charging::Service> charging;
  std::unique_ptr<detail::Dispatcher> dispatcher;
  detail::StationContext station{.station_id = kStation, .registered = true, .accepted = true};
  int next_id = 0;

  Fixture() {
    tdb.exec(std::string(R"(
      INSERT INTO owners (id, name) VALUES (')") +
             kOwner + R"(', 'Owner');
      INSERT INTO locations (id, user_id, name) VALUES ('33333333-3333-4333-8333-333333333333', ')" +
             kOwner + R"(', 'Park');
      INSERT INTO stations (id, location_id, display_name, price_per_kwh)
        VALUES ('CP-1', '33333333-3333-4333-8333-333333333333', 'Бишкек Парк', 13.37);
      INSERT INTO clients (id, name, balance) VALUES (')" +
             kClient + R"(', 'Driver', 200.00);
      INSERT INTO id_tags (id_tag, client_id, status) VALUES ('TAG1', ')" +
             kClient + R"(', 'Accepted');
      INSERT INTO id_tags (id_tag, status) VALUES ('BLOCKED', 'Blocked'), ('STOREDEXP', 'Expired');
      INSERT INTO id_tags (id_tag, status, expiry_date) VALUES ('OLD', 'Accepted', now() - interval '1 day');
      INSERT INTO id_tags (id_tag, status, expiry_date, parent_id_tag)
        VALUES ('CHILD', 'Accepted', '2031-01-02T03:04:05Z', 'GROUP1');
      INSERT INTO push_subscriptions (user_id, user_type, endpoint, p256dh_key, auth_key) VALUES
        (')" +
             kClient + R"(', 'client', 'https://push.example/c', 'k', 'a'),
        (')" +
             kOwner + R"(', 'owner', 'https://push.example/o', 'k', 'a');
    )");
    run(io, pool.start());
    rebuild();
  }
  ~Fixture() { pool.stop(); }

  /// Recreates the charging service and the dispatcher after changing `config`/`options`.
  void rebuild(push::Service* p = nullptr, bool no_push = false) {
    dispatcher.reset();
    charging = std::make_unique<charging::Service>(io.get_executor(), pool, no_push ? nullptr : (p ? p : &push),
                                                   charging_config);
    dispatcher = make_dispatcher(pool, *charging, config, options);
  }

  /// Handles the CALL and writes what the handlers hold behind (connector states), so the
  /// database shows its effect at once.
  json call(const std::string& action, json payload) {
    json conf = call_unflushed(action, std::move(payload));
    run(io, dispatcher->flush());
    return conf;
  }
  json call_unflushed(const std::string& action, json payload) {
    Call c{std::to_string(++next_id), action, std::move(payload)};
    return run(io, dispatcher->handle(station, c));
  }

  /// The CALLERROR code a call produces (fails the test if it succeeds).
  std::string error_of(const std::string& action, json payload) {
    try {
      call(action, std::move(payload));
    } catch (const CallError& e) {
      return std::string(to_string(e.code()));
    }
    FAIL("expected a CallError for " << action);
    return {};
  }

  std::string q(const std::string& sql) const { return tdb.scalar(sql); }
  int count(const std::string& sql) const { return std::stoi(tdb.scalar(sql)); }
  int outbox(const std::string& event_type) const {
    return count("SELECT count(*) FROM push_outbox WHERE event_type = '" + event_type + "'");
  }

  json start(const std::string& tag, int connector = 1, std::int64_t meter = 1000,
             const std::string& ts = "2026-11-26T10:00:00Z") {
    return call("StartTransaction",
                {{"connectorId", connector}, {"idTag", tag}, {"meterStart", meter}, {"timestamp", ts}});
  }
  json stop(int tx, std::int64_t meter, std::optional<std::string> tag = std::nullopt) {
    json p = {{"transactionId", tx}, {"meterStop", meter}, {"timestamp", "2026-11-26T11:00:00Z"}};
    if (tag) p["idTag"] = *tag;
    return call("StopTransaction", p);
  }
};

}  // namespace evp::ocpp::handlers::testing
