// Replays against the real server: OCPP-J message ids are unique per connection only, so
// only the same CALL again (id, action and payload) is a repeat.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "db/testing.hpp"
#include "evp/testing/process.hpp"
#include "evp/testing/server.hpp"
#include "support/db_outage.hpp"
#include "support/ws_client.hpp"

using namespace evp::itest;
using evp::db::testing::TempDatabase;
using evp::testing::run_shell;
using evp::testing::Server;
using nlohmann::json;

namespace {

const json kBoot = {{"chargePointVendor", "EvPower"}, {"chargePointModel", "Sim"}};

json start_tx(int meter, const std::string& timestamp) {
  return {{"connectorId", 1}, {"idTag", "TAG1"}, {"meterStart", meter}, {"timestamp", timestamp}};
}

}  // namespace

TEST_CASE("replay: a station that reboots and reuses message ids gets answers to its new CALLs") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  json first_tx;
  {
    WsClient cp(server.port(), "/ocpp/CP1");
    REQUIRE(cp.connected());
    auto boot = cp.call("1", "BootNotification", kBoot);
    REQUIRE(boot[0] == 3);
    REQUIRE(boot[2]["status"] == "Accepted");
    first_tx = cp.call("2", "StartTransaction", start_tx(0, "2026-01-01T10:00:00Z"));
    REQUIRE(first_tx[0] == 3);
  }
  // Rebooted: the counter starts at 1 again.
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  auto heartbeat = cp.call("1", "Heartbeat", json::object());
  REQUIRE(heartbeat[0] == 3);
  CHECK(heartbeat[1] == "1");
  CHECK(heartbeat[2].contains("currentTime"));
  CHECK_FALSE(heartbeat[2].contains("status"));  // not the old BootNotification answer

  auto second_tx = cp.call("2", "StartTransaction", start_tx(500, "2026-01-01T12:00:00Z"));
  REQUIRE(second_tx[0] == 3);
  CHECK(second_tx[2]["transactionId"] != first_tx[2]["transactionId"]);
  CHECK(db.scalar("SELECT count(*) FROM transactions WHERE station_id = 'CP1'") == "2");

  // The same CALL again (the station did not see the answer) is a repeat: same answer,
  // no second transaction, also on yet another connection.
  auto again = cp.call("2", "StartTransaction", start_tx(500, "2026-01-01T12:00:00Z"));
  CHECK(again == second_tx);
  WsClient cp2(server.port(), "/ocpp/CP1");
  REQUIRE(cp2.connected());
  CHECK(cp2.call("2", "StartTransaction", start_tx(500, "2026-01-01T12:00:00Z")) == second_tx);
  CHECK(db.scalar("SELECT count(*) FROM transactions WHERE station_id = 'CP1'") == "2");
  // Same id and action, other payload: a new call on the same connection too.
  auto third_tx = cp2.call("2", "StartTransaction", start_tx(900, "2026-01-01T14:00:00Z"));
  REQUIRE(third_tx[0] == 3);
  CHECK(third_tx[2]["transactionId"] != second_tx[2]["transactionId"]);
  CHECK(db.scalar("SELECT count(*) FROM transactions WHERE station_id = 'CP1'") == "3");
}

TEST_CASE("replay: an InternalError is not the permanent answer") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url(), {{"DB_CONNECT_TIMEOUT_MS", "1000"}});
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  REQUIRE(cp.call("1", "BootNotification", kBoot)[0] == 3);
  const auto payload = start_tx(0, "2026-01-01T10:00:00Z");
  {
    DbOutage outage(db);
    auto failed = cp.call("7", "StartTransaction", payload);
    REQUIRE(failed[0] == 4);
    CHECK(failed[2] == "InternalError");
  }
  // The station retries the same CALL once the database is back: it runs again.
  json retried;
  for (int i = 0; i < 50; ++i) {  // the pool reconnects on demand; allow it a few tries
    retried = cp.call("7", "StartTransaction", payload);
    if (retried[0] == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(retried[0] == 3);
  CHECK(retried[2]["transactionId"].is_number_integer());
  CHECK(db.scalar("SELECT count(*) FROM transactions WHERE station_id = 'CP1'") == "1");
}

TEST_CASE("replay: 10,000 bad frames on one connection are each answered and the connection lives on") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url(), {{"LOG_LEVEL", "error"}});
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  // Every kind of bad frame, most of them with the same message id: each must get its own
  // right CALLERROR, never an earlier answer to another CALL with that id.
  struct Case {
    std::string frame, id, code;
  };
  auto make = [](int i) -> Case {
    const std::string n = std::to_string(i);
    switch (i % 8) {
      case 0: return {"not json " + n, "-1", "FormationViolation"};
      case 1: return {R"({"not": "an array"})", "-1", "FormationViolation"};
      case 2: return {R"([2, "1", "NoSuchAction", {"n": )" + n + "}]", "1", "NotImplemented"};
      case 3:
        return {R"([2, "1", "BootNotification", {"chargePointVendor": )" + n + R"(, "chargePointModel": "M"}])", "1",
                "TypeConstraintViolation"};
      case 4: return {R"([2, "1", "Heartbeat", [)" + n + "]]", "1", "TypeConstraintViolation"};
      case 5: return {R"([2, "1", "Heartbeat"])", "1", "ProtocolError"};
      case 6: return {R"([9, "1", "Heartbeat", {}])", "1", "FormationViolation"};
      default: return {R"([2, "1", "Heartbeat", {}, "extra"])", "1", "FormationViolation"};
    }
  };
  constexpr int kFrames = 10000;
  constexpr int kBatch = 32;  // below the write queue limit: a station that reads
  int wrong = 0;
  for (int base = 0; base < kFrames; base += kBatch) {
    for (int i = base; i < base + kBatch; ++i) cp.send(make(i).frame);
    for (int i = base; i < base + kBatch; ++i) {
      auto frame = cp.receive();
      REQUIRE_MESSAGE(frame, "no answer to frame " << i);
      auto e = json::parse(*frame);
      const auto want = make(i);
      bool ok = e.is_array() && e.size() == 5 && e[0] == 4 && e[1] == want.id && e[2] == want.code;
      if (!ok && ++wrong <= 5) FAIL_CHECK("frame " << i << " " << want.frame << " answered " << *frame);
    }
  }
  CHECK(wrong == 0);
  auto ok = cp.call("1", "Heartbeat", json::object());
  CHECK(ok[0] == 3);
  CHECK(ok[2].contains("currentTime"));
  CHECK(server.stop() == 0);
}
