// The management API as an operator uses it, against the real server and a simulated
// station: only operators get in, stations are shown live, any central-system call of OCPP
// 1.6 goes to the station and its answer (or why there is none) comes back, and every call
// sent is in the audit log.
#include <doctest/doctest.h>

#include "driver_steps.hpp"
#include "stack.hpp"
#include "station.hpp"

using namespace evp::e2e;
using namespace std::chrono_literals;

namespace {

// The operator's view of one station (an empty object when it is not listed).
Json admin_station(Stack& s, const std::string& token, const std::string& id) {
  auto r = s.get("/api/v1/admin/stations", token);
  if (r.status != 200) return Json::object();
  const Json all = r.json();  // a named local: ranging over a temporary's member dangles
  for (const auto& st : all["data"])
    if (st.value("id", "") == id) return st;
  return Json::object();
}

}  // namespace

TEST_CASE("management API: operators only; every station live; calls reach the station and are audited") {
  StackOptions o;
  o.push = false;
  Stack s(o);
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  const auto location = s.add_location(owner, "Ала-Тоо");
  s.add_station("ADM-1", "Парк", "12.00", location);
  s.add_station("ADM-2", "Склад", "10.00", location);  // never connects
  const auto driver = s.add_client("Driver");
  const auto op = random_uuid();
  REQUIRE(s.cli({"operator", "add", op, "--note", "day shift"}).first == 0);
  const auto op_token = s.token(op), driver_token = s.token(driver), owner_token = s.token(owner);

  // A station without the Reservation profile: ReserveNow comes back as its CALLERROR.
  auto adm1 = station_options(s, "ADM-1");
  adm1.feature_profiles = {"Core", "FirmwareManagement", "LocalAuthListManagement", "SmartCharging", "RemoteTrigger"};
  Station st(s.loop(), adm1);
  st.start();

  SUBCASE("who gets in") {
    CHECK(s.get("/api/v1/admin/stations", "").status == 401);
    for (const auto* token : {&driver_token, &owner_token}) {
      auto r = s.get("/api/v1/admin/stations", *token);
      CHECK(r.status == 403);
      CHECK(error_code(r) == "forbidden");
      r = s.post("/api/v1/admin/stations/ADM-1/calls/Reset", Json{{"type", "Soft"}}, *token);
      CHECK(r.status == 403);
    }
    CHECK(st.calls_received("Reset") == 0);
    CHECK(s.db().scalar("SELECT count(*) FROM operator_audit") == "0");
    // A signed-in user who is neither driver nor owner is not made a client by trying.
    CHECK(s.get("/api/v1/admin/audit", s.token(random_uuid())).status == 403);

    // The operator sees every station, connected or not, with its connectors.
    const Json one = admin_station(s, op_token, "ADM-1"), two = admin_station(s, op_token, "ADM-2");
    INFO(one.dump(), " ", two.dump());
    CHECK(one.value("connected", false));
    CHECK(one.value("status", "") == "online");
    CHECK(one.value("registration_status", "") == "Accepted");
    CHECK(wait_until([&] { return admin_station(s, op_token, "ADM-1")["connectors"].size() == 2; }));
    CHECK_FALSE(two.value("connected", true));
    CHECK(two.value("status", "") == "offline");
    CHECK(s.get("/api/v1/admin/stations/ADM-1", op_token).json()["data"].value("name", "") == "Парк");
    CHECK(s.get("/api/v1/admin/stations/NOPE", op_token).status == 404);
    // Being an operator makes nobody a driver.
    CHECK(s.db().scalar("SELECT count(*) FROM clients WHERE id = '" + op + "'") == "0");
  }

  SUBCASE("calls, their answers and the audit log") {
    auto call = [&](const std::string& station, const std::string& action, const Json& payload) {
      return s.post("/api/v1/admin/stations/" + station + "/calls/" + action, payload, op_token);
    };

    auto r = call("ADM-1", "GetConfiguration", Json{{"key", Json::array({"HeartbeatInterval"})}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    const Json got = r.json()["data"];
    CHECK(got["response"]["configurationKey"][0].value("key", "") == "HeartbeatInterval");
    CHECK(got.value("recorded", false));
    CHECK(st.calls_received("GetConfiguration") == 1);

    r = call("ADM-1", "ChangeConfiguration", Json{{"key", "MeterValueSampleInterval"}, {"value", "30"}});
    CHECK(r.status == 200);
    CHECK(r.json()["data"]["response"].value("status", "") == "Accepted");

    // Refused before anything is sent: a payload that is not valid for its action, a
    // message the central system does not send, a station that does not exist.
    r = call("ADM-1", "Reset", Json{{"type", "Warm"}});
    CHECK(r.status == 400);
    CHECK(error_code(r) == "invalid_request");
    CHECK(r.body.find("type") != std::string::npos);
    CHECK(call("ADM-1", "Heartbeat", Json::object()).status == 404);
    CHECK(error_code(call("ADM-1", "reset", Json{{"type", "Soft"}})) == "unknown_action");
    CHECK(error_code(call("NOPE", "ClearCache", Json::object())) == "station_not_found");
    CHECK(st.calls_received("Reset") == 0);

    // The station's CALLERROR comes back with its code.
    r = call("ADM-1", "ReserveNow",
             Json{{"connectorId", 1}, {"expiryDate", "2030-01-01T00:00:00Z"}, {"idTag", "TAG1"}, {"reservationId", 7}});
    CHECK(r.status == 502);
    CHECK(error_code(r) == "station_call_error");
    CHECK(r.json()["error"]["details"].value("error_code", "") == "NotImplemented");

    r = call("ADM-2", "ClearCache", Json::object());
    CHECK(r.status == 409);
    CHECK(error_code(r) == "station_offline");

    // Reset: answered, then the station reboots and is back.
    r = call("ADM-1", "Reset", Json{{"type", "Soft"}});
    CHECK(r.status == 200);
    CHECK(r.json()["data"]["response"].value("status", "") == "Accepted");
    CHECK(st.calls_received("Reset") == 1);
    CHECK(wait_until([&] { return admin_station(s, op_token, "ADM-1").value("connected", false); }));

    // The log, newest first: who, which station, what was asked, what came back.
    r = s.get("/api/v1/admin/audit", op_token);
    REQUIRE(r.status == 200);
    const Json log = r.json()["data"];
    INFO(log.dump(1));
    REQUIRE(log.size() == 5);
    const char* actions[] = {"Reset", "ClearCache", "ReserveNow", "ChangeConfiguration", "GetConfiguration"};
    const char* outcomes[] = {"answered", "offline", "call_error", "answered", "answered"};
    for (std::size_t i = 0; i < log.size(); ++i) {
      CAPTURE(i);
      CHECK(log[i].value("action", "") == actions[i]);
      CHECK(log[i].value("outcome", "") == outcomes[i]);
      CHECK(log[i].value("operator_id", "") == op);
      CHECK_FALSE(log[i]["completed_at"].is_null());
    }
    CHECK(log[0]["request"] == Json{{"type", "Soft"}});
    CHECK(log[0]["response"] == Json{{"status", "Accepted"}});
    CHECK(log[1].value("station_id", "") == "ADM-2");
    CHECK(log[2]["error"].get<std::string>().find("NotImplemented") != std::string::npos);
    // Filter and paging.
    CHECK(s.get("/api/v1/admin/audit?station=ADM-2", op_token).json()["data"].size() == 1);
    const auto page = s.get("/api/v1/admin/audit?limit=2&before=" + std::to_string(log[1]["id"].get<std::int64_t>()),
                            op_token)
                          .json()["data"];
    REQUIRE(page.size() == 2);
    CHECK(page[0].value("action", "") == "ReserveNow");
    CHECK(s.get("/api/v1/admin/audit?limit=0", op_token).status == 400);

    // The last frames the station exchanged, oldest first, at most OCPP_FRAME_HISTORY (20):
    // more than that went by (two boots, their statuses, the calls above).
    auto get_frames = [&] { return s.get("/api/v1/admin/stations/ADM-1/frames", op_token).json()["data"]; };
    // After the Reset the station boots again and reports its two connectors.
    auto statuses_after_reset = [&] {
      int n = 0;
      bool after = false;
      for (const auto& f : get_frames()) {
        const std::string text = f.value("frame", "");
        if (text.find("\"Reset\"") != std::string::npos) after = true;
        if (after && f.value("direction", "") == "received" && text.find("StatusNotification") != std::string::npos) ++n;
      }
      return n;
    };
    CHECK(wait_until([&] { return statuses_after_reset() >= 2; }));
    const Json frames = get_frames();
    INFO(frames.dump(1));
    CHECK(frames.size() == 20);
    bool reset_sent = false, reset_answered = false;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const std::string text = frames[i].value("frame", ""), dir = frames[i].value("direction", "");
      if (dir == "sent" && text.find("\"Reset\"") != std::string::npos) reset_sent = true;
      if (reset_sent && dir == "received" && text.find("Accepted") != std::string::npos) reset_answered = true;
      if (i > 0) CHECK(frames[i - 1].value("at", "") <= frames[i].value("at", ""));
    }
    CHECK(reset_sent);
    CHECK(reset_answered);
    CHECK(s.get("/api/v1/admin/stations/NOPE/frames", op_token).status == 404);
    CHECK(s.get("/api/v1/admin/stations/ADM-1/frames", driver_token).status == 403);
  }

  SUBCASE("id tags, registration and events") {
    auto put_tag = [&](const std::string& tag, const Json& body) {
      return s.put("/api/v1/admin/idtags/" + tag, body, op_token);
    };
    // A second station, ADM-2, straight from the simulator: Authorize and BootNotification
    // as a station sends them.
    auto cp = std::make_unique<evp::sim::ChargePoint>(s.loop().executor(), station_options(s, "ADM-2"));
    auto boot = [&] {
      return s.loop().run([&]() -> boost::asio::awaitable<std::string> {
        if (!cp->connected()) co_await cp->connect();
        auto r = co_await cp->boot();
        co_return r.value("status", "");
      }());
    };
    auto authorize = [&](const std::string& tag) {
      return s.loop().run([&]() -> boost::asio::awaitable<std::string> {
        auto r = co_await cp->authorize(tag);
        co_return r.at("idTagInfo").value("status", "");
      }());
    };

    // Registration: Pending until the operator approves it.
    auto r = s.post("/api/v1/admin/stations/ADM-2/registration", Json{{"status", "Pending"}}, op_token);
    REQUIRE(r.status == 200);
    CHECK(boot() == "Pending");
    r = s.post("/api/v1/admin/stations/ADM-2/registration", Json{{"status", "Accepted"}}, op_token);
    CHECK(r.json()["data"].value("connected", false));
    CHECK(boot() == "Accepted");
    CHECK(s.post("/api/v1/admin/stations/ADM-2/registration", Json{{"status", "Maybe"}}, op_token).status == 400);
    CHECK(s.post("/api/v1/admin/stations/NOPE/registration", Json{{"status", "Accepted"}}, op_token).status == 404);
    CHECK(s.post("/api/v1/admin/stations/ADM-2/registration", Json{{"status", "Accepted"}}, driver_token).status ==
          403);

    // A card: unknown, added for the driver, blocked, accepted again.
    CHECK(authorize("CARD-77") == "Invalid");
    r = put_tag("CARD-77", Json{{"client_id", driver}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json()["data"].value("status", "") == "Accepted");
    CHECK(r.json()["data"].value("client_id", "") == driver);
    CHECK(authorize("card-77") == "Accepted");  // idTag is case-insensitive
    CHECK(put_tag("CARD-77", Json{{"status", "Blocked"}}).status == 200);
    CHECK(authorize("CARD-77") == "Blocked");
    r = put_tag("CARD-77", Json{{"status", "Accepted"}, {"expiry_date", "2020-01-01T00:00:00Z"}});
    CHECK(r.json()["data"].value("expiry_date", "") == "2020-01-01T00:00:00.000Z");
    CHECK(authorize("CARD-77") == "Expired");  // Accepted, but past its expiry
    r = put_tag("CARD-77", Json{{"expiry_date", "2099-01-01T00:00:00Z"}, {"parent_id_tag", "FLEET-1"}});
    CHECK(r.json()["data"].value("client_id", "") == driver);  // kept: not in this body
    CHECK(authorize("CARD-77") == "Accepted");

    // Refusals change nothing.
    CHECK(error_code(put_tag("THIS-TAG-IS-LONGER-THAN-20", Json::object())) == "invalid_id_tag");
    CHECK(error_code(put_tag("CARD-78", Json{{"client_id", random_uuid()}})) == "client_not_found");
    CHECK(put_tag("CARD-78", Json{{"client_id", "nope"}}).status == 400);
    CHECK(put_tag("CARD-78", Json{{"status", "ConcurrentTx"}}).status == 400);
    CHECK(error_code(put_tag("CARD-78", Json{{"expiry_date", "tomorrow"}})) == "invalid_expiry");
    CHECK(s.db().scalar("SELECT count(*) FROM id_tags WHERE id_tag = 'CARD-78'") == "0");

    const Json list = s.get("/api/v1/admin/idtags?limit=100", op_token).json()["data"];
    bool listed = false;
    for (const auto& t : list["items"])
      if (t.value("id_tag", "") == "CARD-77")
        listed = t.value("parent_id_tag", "") == "FLEET-1" && t.value("status", "") == "Accepted";
    CHECK(listed);
    // A balance adjustment with a reason: once per id, in the ledger, seen by the driver.
    const std::string adjust_url = "/api/v1/admin/clients/" + driver + "/adjustments";
    const Json goodwill{{"id", "adj-1"}, {"amount", "150.50"}, {"reason", "charger fault on 3 Dec"}};
    r = s.post(adjust_url, goodwill, op_token);
    INFO(r.body);
    CHECK(r.status == 201);
    CHECK(r.json()["data"].value("new_balance", "") == "150.50");
    r = s.post(adjust_url, goodwill, op_token);  // a double click
    CHECK(r.status == 200);
    CHECK_FALSE(r.json()["data"].value("applied", true));
    CHECK(r.json()["data"].value("new_balance", "") == "150.50");
    CHECK(s.post(adjust_url, Json{{"id", "adj-1"}, {"amount", "1.00"}, {"reason", "x"}}, op_token).status == 409);
    CHECK(s.post(adjust_url, Json{{"id", "adj-2"}, {"amount", "-50"}, {"reason", "duplicate top-up"}}, op_token)
              .status == 201);
    CHECK(s.post(adjust_url, Json{{"id", "adj-3"}, {"amount", "0"}, {"reason", "x"}}, op_token).status == 400);
    CHECK(s.post(adjust_url, Json{{"id", "adj-3"}, {"amount", "1.005"}, {"reason", "x"}}, op_token).status == 400);
    CHECK(s.post(adjust_url, Json{{"id", "adj-3"}, {"amount", "1"}}, op_token).status == 400);  // no reason
    CHECK(s.post("/api/v1/admin/clients/" + random_uuid() + "/adjustments",
                 Json{{"id", "adj-4"}, {"amount", "1"}, {"reason", "x"}}, op_token)
              .status == 404);
    CHECK(s.post(adjust_url, Json{{"id", "adj-5"}, {"amount", "1"}, {"reason", "x"}}, driver_token).status == 403);
    CHECK(s.db().scalar("SELECT balance FROM clients WHERE id = '" + driver + "'") == "100.50");
    CHECK(s.db().scalar("SELECT string_agg(amount::text || ':' || balance_after::text, ',' ORDER BY id) FROM "
                        "balance_ledger WHERE kind = 'adjustment'") == "150.50:150.50,-50.00:100.50");
    CHECK(s.db().scalar("SELECT operator_id || ' ' || reason FROM balance_adjustments WHERE id = 'adj-1'") ==
          op + " charger fault on 3 Dec");
    CHECK(s.get("/api/v1/balance", driver_token).json()["data"].value("balance", "") == "100.50");

    // A charge with the card on ADM-2: the operator finds it by station, driver and state.
    const auto tx = s.loop().run(cp->start_transaction(1, "CARD-77", 1000));
    auto transactions = [&](const std::string& query) {
      auto resp = s.get("/api/v1/admin/transactions" + query, op_token);
      INFO(query, ": ", resp.body);
      REQUIRE(resp.status == 200);
      return resp.json()["data"]["items"];
    };
    Json found = transactions("?station_id=ADM-2&status=active");
    REQUIRE(found.size() == 1);
    CHECK(found[0].value("transaction_id", 0) == tx);
    CHECK(found[0].value("id_tag", "") == "CARD-77");
    CHECK(found[0].value("client_id", "") == driver);
    CHECK(transactions("?client_id=" + driver).size() == 1);
    CHECK(transactions("?client_id=" + random_uuid()).empty());
    CHECK(transactions("?station_id=ADM-1").empty());
    CHECK(transactions("?status=completed&station_id=ADM-2").empty());
    CHECK(transactions("?from=2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z&station_id=ADM-2").size() == 1);
    CHECK(transactions("?from=2099-01-01T00:00:00Z").empty());
    s.loop().run(cp->stop_transaction(tx, 3500, "Local"));
    found = transactions("?station_id=ADM-2&status=completed");
    REQUIRE(found.size() == 1);
    CHECK(found[0].value("energy_wh", 0) == 2500);
    CHECK(s.get("/api/v1/admin/transactions?status=running", op_token).status == 400);
    CHECK(s.get("/api/v1/admin/transactions?from=yesterday", op_token).status == 400);
    CHECK(s.get("/api/v1/admin/transactions?client_id=x", op_token).status == 400);
    CHECK(s.get("/api/v1/admin/transactions", owner_token).status == 403);

    CHECK(s.get("/api/v1/admin/events", op_token).status == 200);
    CHECK(s.get("/api/v1/admin/events", driver_token).status == 403);

    s.loop().run([&]() -> boost::asio::awaitable<void> {
      if (cp->connected()) co_await cp->close();
      cp.reset();
    }());
  }
}

TEST_CASE("management API: push delivery counts by event type and state") {
  Stack s;  // push on, with the receiver standing in for the browsers' push service
  INFO(s.logs());
  const auto driver = s.add_client("Driver");
  const auto op = random_uuid();
  REQUIRE(s.cli({"operator", "add", op}).first == 0);
  const auto op_token = s.token(op), driver_token = s.token(driver);

  const Json sub = s.new_subscription();
  REQUIRE(s.subscribe(driver_token, sub).status == 201);
  for (int i = 0; i < 2; ++i) REQUIRE(s.post("/api/v1/notifications/test", Json::object(), driver_token).status == 202);
  REQUIRE(wait_until([&] { return s.outbox_settled() && s.received(sub).size() == 2; }));

  auto r = s.get("/api/v1/admin/push?hours=1", op_token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const Json data = r.json()["data"];
  CHECK(data.value("enabled", false));
  std::int64_t sent_tests = -1;
  for (const auto& c : data["counts"])
    if (c.value("event_type", "") == "test" && c.value("state", "") == "sent") sent_tests = c.value("count", 0);
  CHECK(sent_tests == 2);
  CHECK(data["since_start"].value("sent", 0) >= 2);
  CHECK(s.get("/api/v1/admin/push?hours=0", op_token).status == 400);
  CHECK(s.get("/api/v1/admin/push", driver_token).status == 403);
}
