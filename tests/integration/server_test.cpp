// The real `evpower serve` over real sockets against a fresh PostgreSQL database.
#include "evp/testing/server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "db/testing.hpp"
#include "evp/testing/process.hpp"
#include "support/ws_client.hpp"

using namespace evp::itest;
using evp::db::testing::TempDatabase;
using evp::testing::run_shell;
using evp::testing::Server;
using nlohmann::json;

namespace {

const json kBoot = {{"chargePointVendor", "EvPower"}, {"chargePointModel", "Sim"}};

// Polls a query until it returns `want` (the server writes asynchronously); gives up after
// 20 s so a broken server fails instead of hanging.
bool wait_for(const TempDatabase& db, const std::string& sql, const std::string& want) {
  for (int i = 0; i < 200; ++i) {
    if (db.scalar(sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("server: a known station boots over ws with subprotocol ocpp1.6") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  CHECK(cp.selected_subprotocol() == "ocpp1.6");
  auto answer = cp.call("b1", "BootNotification", kBoot);
  REQUIRE(answer.is_array());
  CHECK(answer[0] == 3);
  CHECK(answer[1] == "b1");
  CHECK(answer[2]["status"] == "Accepted");
  CHECK(server.stop() == 0);
}

TEST_CASE("server: handshake refusals") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  db.exec("INSERT INTO stations (id, registration_status) VALUES ('BAD', 'Rejected')");
  Server server(db.url());
  SUBCASE("unknown station: 404") {
    WsClient cp(server.port(), "/ocpp/NOPE");
    CHECK_FALSE(cp.connected());
    CHECK(cp.http_status() == 404);
  }
  SUBCASE("other path: 404") {
    WsClient cp(server.port(), "/CP1");
    CHECK(cp.http_status() == 404);
  }
  SUBCASE("no subprotocol: 400") {
    WsClient cp(server.port(), "/ocpp/CP1", {.subprotocol = ""});
    CHECK_FALSE(cp.connected());
    CHECK(cp.http_status() == 400);
  }
  SUBCASE("only another subprotocol: 400") {
    WsClient cp(server.port(), "/ocpp/CP1", {.subprotocol = "ocpp2.0.1"});
    CHECK(cp.http_status() == 400);
  }
  SUBCASE("rejected station: 403") {
    WsClient cp(server.port(), "/ocpp/BAD");
    CHECK(cp.http_status() == 403);
  }
  SUBCASE("auto-registration is off by default") {
    CHECK(db.scalar("SELECT count(*) FROM stations WHERE id = 'NOPE'") == "0");
  }
}

TEST_CASE("server: auto-registration") {
  TempDatabase db;
  Server server(db.url(), {{"OCPP_AUTO_REGISTER", "pending"}});
  WsClient cp(server.port(), "/ocpp/NEW%2D1");
  REQUIRE(cp.connected());
  CHECK(db.scalar("SELECT registration_status FROM stations WHERE id = 'NEW-1'") == "Pending");
}

TEST_CASE("server: HTTP Basic auth checked against the stored hash") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id, password_hash) VALUES ('CP1', crypt('s3cret-key-16chars', gen_salt('bf', 4)))");
  Server server(db.url());
  WsClient none(server.port(), "/ocpp/CP1");
  CHECK(none.http_status() == 401);
  WsClient wrong(server.port(), "/ocpp/CP1", {.user = "CP1", .password = "wrong"});
  CHECK(wrong.http_status() == 401);
  WsClient other_user(server.port(), "/ocpp/CP1", {.user = "CP2", .password = "s3cret-key-16chars"});
  CHECK(other_user.http_status() == 401);
  WsClient right(server.port(), "/ocpp/CP1", {.user = "CP1", .password = "s3cret-key-16chars"});
  REQUIRE(right.connected());
  CHECK(right.call("1", "Heartbeat", json::object())[0] == 3);
}

TEST_CASE("server: wss with a self-signed certificate and Basic auth") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id, password_hash) VALUES ('CP1', crypt('tls-password-0001', gen_salt('bf', 4)))");
  auto dir = std::filesystem::temp_directory_path() / ("evp-tls-" + db.name());
  std::filesystem::create_directories(dir);
  const auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  run_shell(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost"
      " -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null");
  Server server(db.url(), {{"OCPP_TLS_CERT_FILE", cert}, {"OCPP_TLS_KEY_FILE", key}});
  REQUIRE(server.tls_port() != 0);
  WsClient cp(server.tls_port(), "/ocpp/CP1",
              {.user = "CP1", .password = "tls-password-0001", .tls = true, .ca_file = cert});
  REQUIRE(cp.connected());
  auto answer = cp.call("b1", "BootNotification", kBoot);
  CHECK(answer[0] == 3);
  CHECK(answer[2]["status"] == "Accepted");
  WsClient no_auth(server.tls_port(), "/ocpp/CP1", {.tls = true, .ca_file = cert});
  CHECK(no_auth.http_status() == 401);
  std::filesystem::remove_all(dir);
}

TEST_CASE("server: bad frames are answered and the connection keeps working") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  auto next = [&] {
    auto f = cp.receive();
    REQUIRE(f);
    return json::parse(*f);
  };
  cp.send("this is not json");
  auto e = next();
  CHECK(e[0] == 4);
  CHECK(e[2] == "FormationViolation");

  cp.send(R"({"not": "an array"})");
  CHECK(next()[0] == 4);

  cp.send(R"([7, "m7", "Heartbeat", {}])");  // unknown message type
  CHECK(next()[0] == 4);

  e = cp.call("u1", "NoSuchAction", json::object());
  CHECK(e == json::array({4, "u1", "NotImplemented", e[3], e[4]}));

  e = cp.call("v1", "BootNotification", {{"chargePointVendor", 42}, {"chargePointModel", "M"}});
  CHECK(e[0] == 4);
  CHECK(e[1] == "v1");
  CHECK(e[2] == "TypeConstraintViolation");

  e = cp.call("v2", "BootNotification", {{"chargePointModel", "M"}});
  CHECK(e[0] == 4);
  CHECK(e[2] != "InternalError");

  auto ok = cp.call("h1", "Heartbeat", json::object());
  CHECK(ok[0] == 3);
  CHECK(ok[1] == "h1");
}

TEST_CASE("server: a repeated message id gets the same answer once more") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  auto first = cp.call("same-id", "Heartbeat", json::object());
  // Heartbeat.conf carries the current time: a second handler run would answer differently.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto second = cp.call("same-id", "Heartbeat", json::object());
  CHECK(first[0] == 3);
  CHECK(first == second);
  auto third = cp.call("other-id", "Heartbeat", json::object());
  CHECK(third[2]["currentTime"] != first[2]["currentTime"]);
}

TEST_CASE("server: a reconnect replaces the old connection") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  WsClient old_conn(server.port(), "/ocpp/CP1");
  REQUIRE(old_conn.connected());
  WsClient new_conn(server.port(), "/ocpp/CP1");
  REQUIRE(new_conn.connected());
  CHECK_FALSE(old_conn.receive());  // closed by the server
  CHECK(old_conn.close_code() == 1000);
  CHECK(new_conn.call("h", "Heartbeat", json::object())[0] == 3);
}

TEST_CASE("server: a silent station goes offline after OCPP_OFFLINE_TIMEOUT and a message brings it back") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url(), {{"OCPP_OFFLINE_TIMEOUT", "2"}, {"OCPP_LAST_SEEN_FLUSH_MS", "100"}});
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  REQUIRE(cp.call("h1", "Heartbeat", json::object())[0] == 3);
  CHECK(wait_for(db, "SELECT status FROM stations WHERE id = 'CP1'", "online"));
  CHECK(db.scalar("SELECT last_seen_at IS NOT NULL FROM stations WHERE id = 'CP1'") == "t");
  // Silence (the connection stays open; pings only start after OCPP_PING_INTERVAL).
  CHECK(wait_for(db, "SELECT status FROM stations WHERE id = 'CP1'", "offline"));
  CHECK(db.scalar("SELECT count(*) FROM station_status_history WHERE station_id = 'CP1' AND status = 'offline'") ==
        "1");
  REQUIRE(cp.call("h2", "Heartbeat", json::object())[0] == 3);
  CHECK(wait_for(db, "SELECT status FROM stations WHERE id = 'CP1'", "online"));
  CHECK(db.scalar("SELECT count(*) FROM station_status_history WHERE station_id = 'CP1'") == "3");
}

TEST_CASE("server: SIGTERM closes stations with 1001 and exits 0") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  CHECK(server.stop() == 0);
  CHECK_FALSE(cp.receive());
  CHECK(cp.close_code() == 1001);
}
