// End to end: sessions and money in the cases real stations produce - a reboot without
// StopTransaction, an absurd meterStop, a late answer to RemoteStartTransaction, a session
// nobody pays for, and one driver charging on two stations at once. The real server, a
// scratch PostgreSQL, simulated stations and the push receiver standing in for browsers.
#include <doctest/doctest.h>

#include "driver_steps.hpp"
#include "stack.hpp"
#include "station.hpp"

using namespace evp::e2e;
using namespace std::chrono_literals;

namespace {

struct People {
  std::string owner, driver, owner_token, driver_token;
  Json owner_sub, driver_sub;
};

// An owner with one location, a driver, both subscribed from their browsers.
People people(Stack& s, const std::string& balance) {
  People p;
  p.owner = s.add_owner("Owner");
  p.driver = s.add_client("Driver");
  p.owner_token = s.token(p.owner);
  p.driver_token = s.token(p.driver);
  p.owner_sub = s.new_subscription();
  p.driver_sub = s.new_subscription();
  REQUIRE(s.subscribe(p.driver_token, p.driver_sub).status == 201);
  REQUIRE(s.subscribe(p.owner_token, p.owner_sub, "owner").status == 201);
  if (balance != "0.00") REQUIRE(top_up(s, "pay-" + p.driver, p.driver, balance).status == 200);
  return p;
}

std::string balance_of(Stack& s, const People& p) {
  return s.get("/api/v1/balance", p.driver_token).json()["data"].value("balance", "");
}

}  // namespace

TEST_CASE("a station that reboots mid-session without StopTransaction: the session ends, charged once") {
  Stack s;
  INFO(s.logs());
  const People p = people(s, "100.00");
  s.add_station("E2E-CH-1", "Перезагрузка", "10.00", s.add_location(p.owner, "Ала-Арча"));
  Station st(s.loop(), station_options(s, "E2E-CH-1"));
  st.start();

  const auto first = start_session(s, st, p.driver_token, {{"station_id", "E2E-CH-1"}, {"connector_id", 1}});
  st.meter(1, 2000);  // 20.00 som so far
  wait_energy(s, p.driver_token, first, 2000);

  // Power loss: the station forgets the transaction and comes back with the connector Available.
  st.power_cycle();
  // The app can start again on that connector (no connector_busy), and the new
  // StartTransaction closes the old transaction at its last reading.
  const auto second = start_session(s, st, p.driver_token, {{"station_id", "E2E-CH-1"}, {"connector_id", 1}});
  const auto old = session_status(s, p.driver_token, first);
  INFO("old session: ", old.dump());
  CHECK(old.value("status", "") == "completed");
  CHECK(old.value("end_reason", "") == "superseded");
  CHECK(old.value("cost", "") == "20.00");
  CHECK(old.value("energy_wh", -1LL) == 2000);
  CHECK(session_status(s, p.driver_token, second).value("status", "") == "active");
  CHECK(balance_of(s, p) == "80.00");
  CHECK(s.db().scalar("SELECT count(*) FROM balance_ledger WHERE kind = 'session'") == "1");
  CHECK(s.db().scalar("SELECT count(*) FROM station_events WHERE kind = 'transaction_superseded'") == "1");

  // Both parties were told the first session ended, as for any stop.
  REQUIRE(wait_until([&] { return settled_with(s, p.driver_sub, 4) && settled_with(s, p.owner_sub, 3); }));
  const auto completed = of_type(s.received(p.driver_sub), "charging_completed");
  REQUIRE(completed.size() == 1);
  check_push(completed[0], "charging_completed", "Зарядка завершена", "2.00 кВт⋅ч за 20.00 сом",
             {{"session_id", first}, {"energy_kwh", "2.00"}, {"amount", "20.00"}});
  const auto owner_completed = of_type(s.received(p.owner_sub), "session_completed");
  REQUIRE(owner_completed.size() == 1);
  CHECK(owner_completed[0].value("body", "") == "2.00 кВт⋅ч, доход 20.00 сом");
}

TEST_CASE("an absurd meterStop is answered normally, not charged and listed for review") {
  Stack s;
  INFO(s.logs());
  const People p = people(s, "100.00");
  s.add_station("E2E-CH-2", "Счётчик", "10.00", s.add_location(p.owner, "Ош"));
  s.db().exec("INSERT INTO id_tags (id_tag, client_id) VALUES ('CARD-ABSURD', " + sql_quote(p.driver) + ")");
  Station st(s.loop(), station_options(s, "E2E-CH-2"));
  st.start();

  st.start_local(1, "CARD-ABSURD", 1000);
  // Answered with a normal CALLRESULT (the simulator throws on a CALLERROR); the station
  // would otherwise retry it forever.
  st.stop_local(1, 9007199254740991);
  CHECK(s.db().scalar("SELECT billing || ' ' || (amount IS NULL) FROM transactions") == "suspect true");
  CHECK(balance_of(s, p) == "100.00");
  CHECK(s.db().scalar("SELECT count(*) FROM station_events WHERE kind = 'suspect_session'") == "1");
  CHECK(s.db().scalar("SELECT count(*) FROM balance_ledger WHERE kind = 'session'") == "0");
  // charging_started and new_session went out; no completion push with the absurd figure.
  REQUIRE(wait_until([&] { return settled_with(s, p.driver_sub, 2) && settled_with(s, p.owner_sub, 1); }));
  CHECK(of_type(s.received(p.driver_sub), "charging_completed").empty());
  CHECK(of_type(s.received(p.owner_sub), "session_completed").empty());
}

TEST_CASE("a late answer to RemoteStartTransaction: 202 no_answer, then the driver's session after all") {
  StackOptions options;
  options.env["API_REMOTE_START_TIMEOUT"] = "1";
  Stack s(options);
  INFO(s.logs());
  const People p = people(s, "100.00");
  s.add_station("E2E-CH-3", "Медленная", "10.00", s.add_location(p.owner, "Каракол"));
  auto o = station_options(s, "E2E-CH-3");
  o.answer_delay["RemoteStartTransaction"] = 2500ms;  // a slow uplink
  Station st(s.loop(), o);
  st.start();

  auto r = s.post("/api/v1/charging/start", {{"station_id", "E2E-CH-3"}, {"connector_id", 1}}, p.driver_token);
  INFO("start: ", r.body);
  REQUIRE(r.status == 202);
  const auto data = r.json()["data"];
  CHECK(data.value("station_status", "") == "no_answer");
  CHECK(data.value("status", "") == "pending");
  const std::string session_id = data.value("session_id", "");
  CHECK(session_status(s, p.driver_token, session_id).value("station_status", "") == "no_answer");

  // The station starts it late: the driver's session, billed and notified normally.
  REQUIRE(wait_until([&] { return session_status(s, p.driver_token, session_id).value("status", "") == "active"; }));
  CHECK(session_status(s, p.driver_token, session_id).value("station_status", "") == "no_answer");
  st.meter(1, 1500);
  wait_energy(s, p.driver_token, session_id, 1500);
  REQUIRE(s.post("/api/v1/charging/stop", {{"session_id", session_id}}, p.driver_token).status == 200);
  REQUIRE(wait_until(
      [&] { return session_status(s, p.driver_token, session_id).value("status", "") == "completed"; }));
  CHECK(session_status(s, p.driver_token, session_id).value("cost", "") == "15.00");
  CHECK(balance_of(s, p) == "85.00");
  REQUIRE(wait_until([&] { return settled_with(s, p.driver_sub, 3); }));
  CHECK(types(s.received(p.driver_sub)) ==
        std::multiset<std::string>{"payment_confirmed", "charging_started", "charging_completed"});
}

TEST_CASE("a session nobody pays for earns the owner nothing and is listed as unpaid") {
  Stack s;
  INFO(s.logs());
  const People p = people(s, "0.00");
  s.add_station("E2E-CH-4", "Бесплатно?", "10.00", s.add_location(p.owner, "Нарын"));
  Station st(s.loop(), station_options(s, "E2E-CH-4"));
  st.start();

  // An unknown card: the station (offline-authorising, say) charges anyway.
  st.start_local(1, "STRANGER", 0);
  st.stop_local(1, 1875);  // 1.875 kWh = 18.75 som nobody was charged
  CHECK(s.db().scalar("SELECT billing || ' ' || amount FROM transactions") == "unpaid 18.75");
  REQUIRE(wait_until([&] { return settled_with(s, p.owner_sub, 1); }));
  const auto done = of_type(s.received(p.owner_sub), "session_completed");
  REQUIRE(done.size() == 1);
  CHECK(done[0].value("body", "") == "1.88 кВт⋅ч, доход 0.00 сом");
  CHECK(data_of(done[0]).value("amount", "") == "0.00");
  const auto rev = s.get("/api/v1/owner/revenue", p.owner_token).json()["data"];
  INFO("revenue: ", rev.dump());
  CHECK(rev.value("revenue", "") == "0.00");
  CHECK(rev.value("unpaid_sessions", -1) == 1);
  const auto rows = s.get("/api/v1/owner/sessions", p.owner_token).json()["data"]["items"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["amount"].is_null());
  CHECK(rows[0].value("billing", "") == "unpaid");
}

TEST_CASE("one driver on two stations at once cannot drive the balance below zero") {
  Stack s;
  INFO(s.logs());
  const People p = people(s, "100.00");
  const auto location = s.add_location(p.owner, "Токмок");
  s.add_station("E2E-CH-5A", "Левая", "10.00", location);
  s.add_station("E2E-CH-5B", "Правая", "10.00", location);
  Station a(s.loop(), station_options(s, "E2E-CH-5A"));
  Station b(s.loop(), station_options(s, "E2E-CH-5B"));
  a.start();
  b.start();

  const auto sa = start_session(s, a, p.driver_token, {{"station_id", "E2E-CH-5A"}, {"connector_id", 1}});
  const auto sb = start_session(s, b, p.driver_token, {{"station_id", "E2E-CH-5B"}, {"connector_id", 1}});
  CHECK(s.get("/api/v1/balance", p.driver_token).json()["data"].value("available", "") == "80.00");
  a.meter(1, 6000);  // 60.00 som; B holds 10.00
  wait_energy(s, p.driver_token, sa, 6000);
  b.meter(1, 3000);  // 30.00 som; A has used 60.00, leaving B 40.00
  wait_energy(s, p.driver_token, sb, 3000);
  CHECK(a.calls_received("RemoteStopTransaction") + b.calls_received("RemoteStopTransaction") == 0);
  b.meter(1, 4000);  // 40.00: B has reached what A left it
  REQUIRE(wait_until([&] { return session_status(s, p.driver_token, sb).value("status", "") == "completed"; }));
  CHECK(session_status(s, p.driver_token, sb).value("auto_stop_reason", "") == "balance");
  a.meter(1, 6100);  // 61.00 with B at 40.00: over what is left, A is stopped too
  REQUIRE(wait_until([&] { return session_status(s, p.driver_token, sa).value("status", "") == "completed"; }));
  CHECK(session_status(s, p.driver_token, sa).value("auto_stop_reason", "") == "balance");
  // Checked separately, each session would have run to 100.00: together they end at the
  // balance, over it by no more than the last reading of one (1 kWh at most here).
  CHECK(balance_of(s, p) == "-1.00");
  // Nothing is available any more.
  auto r = s.post("/api/v1/charging/start", {{"station_id", "E2E-CH-5A"}, {"connector_id", 2}}, p.driver_token);
  CHECK(r.status == 402);
  CHECK(error_code(r) == "insufficient_balance");
}
