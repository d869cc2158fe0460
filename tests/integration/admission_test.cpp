// Admission control of BootNotification against the real server and PostgreSQL: while the
// database lags (here: a lock held on the stations table, so the boot's read waits), a
// boot is answered Pending with a short retry interval at once instead of queueing; the
// station is Accepted when it boots again after the lag; connected stations' heartbeats
// are answered meanwhile; and the station's registration is not touched.
#include <doctest/doctest.h>
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include "db/testing.hpp"
#include "evp/testing/server.hpp"
#include "support/raw_socket.hpp"
#include "support/ws_client.hpp"

using namespace evp::itest;
using evp::db::testing::TempDatabase;
using evp::testing::Server;
using nlohmann::json;

namespace {

const json kBoot = {{"chargePointVendor", "EvVendor"}, {"chargePointModel", "Storm-1"}, {"firmwareVersion", "2.0"}};

// A second session that holds a lock until destroyed or released.
class TableLock {
 public:
  TableLock(const std::string& url, const std::string& table) : conn_(PQconnectdb(url.c_str())) {
    REQUIRE_MESSAGE(PQstatus(conn_) == CONNECTION_OK, PQerrorMessage(conn_));
    exec("BEGIN");
    exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
  }
  ~TableLock() {
    release();
    PQfinish(conn_);
  }
  void release() {
    if (held_) exec("COMMIT");
    held_ = false;
  }

 private:
  void exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    REQUIRE_MESSAGE(ok, sql << ": " << PQerrorMessage(conn_));
  }
  PGconn* conn_;
  bool held_ = true;
};

std::string metric_value(const std::string& metrics, const std::string& series) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(series + " ")) return line.substr(series.size() + 1);
  return "";
}

}  // namespace

TEST_CASE("admission control: a boot while the database lags is held Pending, then Accepted") {
  TempDatabase db;
  db.exec(
      "INSERT INTO stations (id, registration_status) VALUES ('CP-A', 'Accepted'), ('CP-B', 'Accepted'), "
      "('CP-H', 'Accepted'), ('CP-P', 'Pending')");
  Server server(db.url(), {{"OCPP_BOOT_MAX_DB_WAIT_MS", "300"}, {"OCPP_BOOT_PENDING_INTERVAL", "1"},
                           {"DB_POOL_SIZE", "4"}});
  INFO(server.log_tail());
  WsClient a(server.port(), "/ocpp/CP-A");
  WsClient b(server.port(), "/ocpp/CP-B", ConnectOptions{.receive_timeout_ms = 5000});
  WsClient h(server.port(), "/ocpp/CP-H", ConnectOptions{.receive_timeout_ms = 2500});
  WsClient p(server.port(), "/ocpp/CP-P");
  REQUIRE((a.connected() && b.connected() && h.connected() && p.connected()));
  // Held by the operator: Pending with the registration retry interval, from the database.
  const auto operator_pending = p.call("p1", "BootNotification", kBoot);
  REQUIRE(operator_pending[0] == 3);
  CHECK(operator_pending[2]["status"] == "Pending");
  CHECK(operator_pending[2]["interval"] == 60);
  REQUIRE(h.call("h0", "Heartbeat", json::object())[0] == 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the connect-time writes are done

  json held;
  {
    TableLock lock(db.url(), "stations");
    // CP-A's boot waits for the lock: the database lags.
    a.send(json::array({2, "a1", "BootNotification", kBoot}).dump());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    // CP-B's boot is answered at once (the lock is still held), Pending for 1-2 s.
    held = b.call("b1", "BootNotification", kBoot);
    REQUIRE(held.is_array());
    REQUIRE(held[0] == 3);
    CHECK(held[2]["status"] == "Pending");
    CHECK(held[2]["interval"].get<int>() >= 1);
    CHECK(held[2]["interval"].get<int>() <= 2);
    // A connected station's heartbeat does not wait behind the boot.
    const auto beat = h.call("h1", "Heartbeat", json::object());
    REQUIRE(beat.is_array());
    CHECK(beat[0] == 3);
    CHECK(beat[2].contains("currentTime"));
    lock.release();
  }
  // The lag is over: CP-A's boot goes through, and CP-B's retry after its interval too.
  const auto first = a.receive();
  REQUIRE(first.has_value());
  const auto first_answer = json::parse(*first);
  CHECK(first_answer[1] == "a1");
  CHECK(first_answer[2]["status"] == "Accepted");
  std::this_thread::sleep_for(std::chrono::seconds(held[2]["interval"].get<int>()));
  const auto retried = b.call("b2", "BootNotification", kBoot);
  REQUIRE(retried[0] == 3);
  CHECK(retried[2]["status"] == "Accepted");
  CHECK(retried[2]["interval"] == 300);  // the heartbeat interval

  // Admission control wrote nothing: the registrations are what the operator made them.
  CHECK(db.scalar("SELECT registration_status FROM stations WHERE id = 'CP-B'") == "Accepted");
  CHECK(db.scalar("SELECT registration_status FROM stations WHERE id = 'CP-P'") == "Pending");
  const auto metrics = http_body(http_request(server.rest_port(), "GET", "/metrics"));
  CHECK(metric_value(metrics, "evp_ocpp_boots_pending_admission_total") == "1");
  // The boots' facts are written behind (a batch at the next flush).
  bool written = false;
  for (int i = 0; i < 100 && !written; ++i) {
    written = db.scalar("SELECT count(*) FROM stations WHERE model = 'Storm-1' AND firmware_version = '2.0' "
                        "AND last_boot_at IS NOT NULL") == "3";
    if (!written) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(written);
}
