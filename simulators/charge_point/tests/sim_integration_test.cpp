// The simulator against the real central system (build/app/evpower) on a scratch database.
// Fails (exit 77, which CTest counts as a failure) when EVP_TEST_DATABASE_URL or the server
// binary is not available: a missing database must not pass as a green run.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>

#include "db/testing.hpp"
#include "evp/testing/run.hpp"
#include "evp/testing/server.hpp"
#include "simulators/charge_point.hpp"

namespace asio = boost::asio;
using evp::sim::ChargePoint;
using evp::sim::ChargePointOptions;
using evp::sim::Json;
using evp::testing::Server;
using namespace std::chrono_literals;

namespace {

// A scratch database migrated by `evpower migrate` and the server with auto-registration on
// and push off, on free loopback ports.
struct SimServer {
  evp::db::testing::TempDatabase db{evp::db::testing::TempDatabase::Options{.migrate = false}};
  Server server{evp::testing::ServerOptions{.database_url = db.url(),
                                            .env = {{"OCPP_AUTO_REGISTER", "accept"}},
                                            .log_level = "info",
                                            .evp_env = "development",
                                            .jwt_secret = "sim-integration-test-secret-0123456789abcdef",
                                            .db_pool_size = 0,
                                            .tls_port = false,
                                            .migrate = true}};
};

// One server for the whole executable: starting it and migrating a database is the slow part.
Server& server() {
  static std::unique_ptr<SimServer> instance;
  if (!instance) {
    std::string why;
    if (!Server::available(why)) {
      std::printf("cannot run: %s\n", why.c_str());
      std::fflush(stdout);
      std::_Exit(77);
    }
    instance = std::make_unique<SimServer>();
  }
  return instance->server;
}

ChargePointOptions station(const std::string& id) {
  ChargePointOptions o;
  o.url = server().ocpp_url();
  o.id = id;
  o.call_timeout = 10s;
  return o;
}

// A scenario against the real server; a hang fails with a message naming the test's line.
void run(asio::awaitable<void> body, evp::testing::CallSite where = {}) {
  asio::io_context io;
  evp::testing::run(io, std::move(body), 120s, "the simulator scenario", where);
}

Json j(const char* text) { return Json::parse(text); }

}  // namespace

TEST_CASE("real server: a complete session from one simulated station") {
  auto& srv = server();
  run([&]() -> asio::awaitable<void> {
    ChargePoint cp(co_await asio::this_coro::executor, station("SIMIT-SESSION"));
    co_await cp.connect();
    CHECK(cp.negotiated_subprotocol() == "ocpp1.6");
    auto boot = co_await cp.boot();
    CHECK(boot["status"] == "Accepted");
    CHECK(boot["interval"].is_number_integer());
    auto hb = co_await cp.heartbeat();
    CHECK(hb["currentTime"].is_string());
    co_await cp.status(1, "Available");
    auto auth = co_await cp.authorize("SIMTAG01");
    const std::set<std::string> statuses{"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"};
    CHECK(statuses.contains(auth["idTagInfo"].value("status", "")));
    const auto tx = co_await cp.start_transaction(1, "SIMTAG01", 1000);
    CHECK(tx > 0);
    co_await cp.meter_values(1, tx, 2500);
    auto stop = co_await cp.stop_transaction(tx, 4000, "Local", "SIMTAG01");
    CHECK(stop.is_object());
    co_await cp.status(1, "Faulted", "GroundFailure", "test fault", "E42");
    co_await cp.status(1, "Available");
    CHECK(cp.metrics().call_errors == 0);
    CHECK(cp.connected());
    co_await cp.close();
  }());
  (void)srv;
}

TEST_CASE("real server: bad frames are answered and the connection survives") {
  server();
  run([&]() -> asio::awaitable<void> {
    ChargePoint cp(co_await asio::this_coro::executor, station("SIMIT-BADFRAMES"));
    co_await cp.connect();
    co_await cp.boot();
    auto garbage = co_await cp.send_raw("this is not json", 5s);
    REQUIRE(garbage);
    auto g = Json::parse(*garbage);
    CHECK(g[0] == 4);
    CHECK((g[2] == "FormationViolation" || g[2] == "ProtocolError"));
    auto unknown = co_await cp.send_raw(R"([2,"sim-unknown-1","NoSuchAction",{}])", 5s);
    REQUIRE(unknown);
    auto u = Json::parse(*unknown);
    CHECK(u[1] == "sim-unknown-1");
    CHECK(u[2] == "NotImplemented");
    auto missing = co_await cp.send_raw(R"([2,"sim-missing-1","StartTransaction",{"connectorId":1}])", 5s);
    REQUIRE(missing);
    auto m = Json::parse(*missing);
    CHECK(m[0] == 4);
    CHECK(m[2] == "OccurenceConstraintViolation");
    auto hb = co_await cp.heartbeat();
    CHECK(hb.contains("currentTime"));
    co_await cp.close();
  }());
}

TEST_CASE("real server: a replayed StartTransaction returns the same transaction id") {
  server();
  run([&]() -> asio::awaitable<void> {
    ChargePoint cp(co_await asio::this_coro::executor, station("SIMIT-REPLAY"));
    co_await cp.connect();
    co_await cp.boot();
    Json req = j(R"({"connectorId": 1, "idTag": "SIMTAG01", "meterStart": 10, "timestamp": "2024-05-01T10:00:00Z"})");
    auto first = co_await cp.call("StartTransaction", req, "sim-replay-start-1");
    auto again = co_await cp.call("StartTransaction", req, "sim-replay-start-1");
    CHECK(first["transactionId"] == again["transactionId"]);
    auto fresh_id = co_await cp.call("StartTransaction", req, "sim-replay-start-2");
    CHECK(first["transactionId"] == fresh_id["transactionId"]);
    co_await cp.close();
  }());
}

TEST_CASE("real server: a wrong subprotocol is refused") {
  server();
  run([&]() -> asio::awaitable<void> {
    auto o = station("SIMIT-PROTO");
    o.subprotocols = {"ocpp2.0.1"};
    ChargePoint cp(co_await asio::this_coro::executor, o);
    bool refused = false;
    try {
      co_await cp.connect();
    } catch (const evp::sim::ConnectError&) {
      refused = true;
    }
    CHECK(refused);
  }());
}

TEST_CASE("real server: the CLI scenario and a small fleet run to completion") {
  auto& srv = server();
  const char* cli = std::getenv("EVP_CP_SIM_BINARY");
  REQUIRE(cli);
  const std::string url = srv.ocpp_url();
  const std::string scenario = std::string(cli) + " scenario --url " + url +
                               " --id SIMIT-CLI --silence 1 --step-ms 50 --call-timeout 10 >/dev/null";
  CHECK(std::system(scenario.c_str()) == 0);
  const std::string fleet = std::string(cli) + " fleet --url " + url +
                            " --stations 5 --id-prefix SIMIT-FLEET --mode transactions --rate 20 --duration 2 "
                            ">/dev/null";
  CHECK(std::system(fleet.c_str()) == 0);
}
