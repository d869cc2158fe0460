// End-to-end tests of the driver story: PostgreSQL, `evpower serve`, simulated stations and the push
// receiver, driven through the REST API as the PWA and the payment provider use it. The
// notifications are checked where a user sees them: decrypted by the receiver after VAPID
// verification, with the texts and data the product specifies.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "driver_steps.hpp"
#include "stack.hpp"
#include "station.hpp"
#include "tokens.hpp"

using namespace evp::e2e;
using namespace std::chrono_literals;
namespace http = boost::beast::http;

namespace {

// "2026-11-26T09:52:49.000Z" -> time_t (UTC).
std::time_t parse_utc(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return timegm(&tm);
}

// What the station_offline body shows for a UTC time: Bishkek time (UTC+6), dd.mm.yyyy hh:mm.
std::string bishkek_minutes(std::time_t t) {
  t += 6 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d.%m.%Y %H:%M", &tm);
  return buf;
}

}  // namespace

TEST_CASE("a driver tops up, charges and stops; driver and owner get exactly the expected pushes") {
  Stack s;
  INFO(s.logs());
  const auto owner = s.add_owner("Азамат Ownerов");
  const auto location = s.add_location(owner, "Ала-Тоо");
  s.add_station("E2E-ST-1", "Бишкек Парк #1", "12.50", location);
  const auto driver = s.add_client("Айгуль");
  const auto driver_token = s.token(driver), owner_token = s.token(owner);

  Station st(s.loop(), station_options(s, "E2E-ST-1"));
  st.start();

  // Both subscribe from their browsers.
  const Json driver_sub = s.new_subscription(), owner_sub = s.new_subscription();
  auto r = s.subscribe(driver_token, driver_sub);
  INFO("driver subscribe: ", r.body);
  REQUIRE(r.status == 201);
  CHECK(r.json()["data"].value("user_type", "") == "client");
  r = s.subscribe(owner_token, owner_sub, "owner");
  INFO("owner subscribe: ", r.body);
  REQUIRE(r.status == 201);
  CHECK(r.json()["data"].value("user_type", "") == "owner");

  // Top-up through the payment provider's webhook.
  r = top_up(s, "pay-e2e-story-1", driver, "100.00");
  INFO("webhook: ", r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["data"].value("new_balance", "") == "100.00");
  CHECK(s.get("/api/v1/balance", driver_token).json()["data"].value("balance", "") == "100.00");

  // Start through REST; the station accepts, starts and meters.
  const auto session_id = start_session(s, st, driver_token, {{"station_id", "E2E-ST-1"}, {"connector_id", 1}});
  const auto tx = st.transaction(1);
  REQUIRE(tx.has_value());
  st.meter(1, 1500);
  st.meter(1, 3000);
  st.meter(1, 4567);
  wait_energy(s, driver_token, session_id, 4567);

  // The driver stops through REST.
  r = s.post("/api/v1/charging/stop", {{"session_id", session_id}}, driver_token);
  INFO("stop: ", r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["data"].value("transaction_id", -1LL) == tx->id);
  REQUIRE(wait_until([&] { return session_status(s, driver_token, session_id).value("status", "") == "completed"; }));
  CHECK(st.remote_stops() == 1);

  // 4567 Wh at 12.50 som/kWh = 57.0875 -> 57.09 som; 100.00 - 57.09 = 42.91 < 50.00.
  const auto status = session_status(s, driver_token, session_id);
  INFO("status: ", status.dump());
  CHECK(status.value("energy_wh", -1LL) == 4567);
  CHECK(status.value("cost", "") == "57.09");
  CHECK(s.get("/api/v1/balance", driver_token).json()["data"].value("balance", "") == "42.91");

  REQUIRE(wait_until([&] { return settled_with(s, driver_sub, 4) && settled_with(s, owner_sub, 2); }));
  const auto to_driver = s.received(driver_sub), to_owner = s.received(owner_sub);
  INFO("driver got: ", Json(to_driver).dump());
  INFO("owner got: ", Json(to_owner).dump());
  CHECK(types(to_driver) == std::multiset<std::string>{"payment_confirmed", "charging_started", "charging_completed",
                                                       "low_balance_warning"});
  CHECK(types(to_owner) == std::multiset<std::string>{"new_session", "session_completed"});
  CHECK(s.all_messages().size() == 6);

  for (const auto& p : of_type(to_driver, "payment_confirmed"))
    check_push(p, "payment_confirmed", "Баланс пополнен", "+100.00 сом, баланс 100.00 сом",
               {{"payment_id", "pay-e2e-story-1"}, {"amount", "100.00"}, {"new_balance", "100.00"}}, "/logo-192.png");
  for (const auto& p : of_type(to_driver, "charging_started"))
    check_push(p, "charging_started", "Зарядка началась", "Станция Бишкек Парк #1, коннектор 1",
               {{"session_id", session_id}, {"station_id", "E2E-ST-1"}, {"connector_id", 1}},
               "/icons/charging-start.png");
  for (const auto& p : of_type(to_driver, "charging_completed"))
    check_push(p, "charging_completed", "Зарядка завершена", "4.57 кВт⋅ч за 57.09 сом",
               {{"session_id", session_id}, {"energy_kwh", "4.57"}, {"amount", "57.09"}},
               "/icons/charging-complete.png");
  for (const auto& p : of_type(to_driver, "low_balance_warning"))
    check_push(p, "low_balance_warning", "Низкий баланс", "Баланс 42.91 сом. Пополните счёт",
               {{"balance", "42.91"}, {"threshold", "50.00"}}, "/logo-192.png");
  for (const auto& p : of_type(to_owner, "new_session"))
    check_push(p, "new_session", "Новая зарядка", "Станция Бишкек Парк #1, коннектор 1",
               {{"session_id", session_id}, {"station_id", "E2E-ST-1"}}, "/icons/session-new.png");
  for (const auto& p : of_type(to_owner, "session_completed"))
    check_push(p, "session_completed", "Сессия завершена", "4.57 кВт⋅ч, доход 57.09 сом",
               {{"session_id", session_id}, {"station_id", "E2E-ST-1"}, {"energy_kwh", "4.57"}, {"amount", "57.09"}});

  // Delivered as Web Push wants it: HTTP/2 with TLS to the push service, nothing failed.
  for (const auto& m : s.all_messages()) CHECK(m.value("protocol", "") == "h2");
  CHECK(s.db().scalar("SELECT count(*) FROM push_outbox WHERE state <> 'sent'") == "0");
}

TEST_CASE("a connector fault during an active session gives charging_error to the driver") {
  Stack s;
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  s.add_station("E2E-ST-2", "Ош Базар", "10.00", s.add_location(owner, "Ош"));
  const auto driver = s.add_client("Driver");
  const auto token = s.token(driver);
  Station st(s.loop(), station_options(s, "E2E-ST-2"));
  st.start();
  const Json sub = s.new_subscription();
  REQUIRE(s.subscribe(token, sub).status == 201);
  REQUIRE(top_up(s, "pay-e2e-fault", driver, "200.00").status == 200);

  const auto session_id = start_session(s, st, token, {{"station_id", "E2E-ST-2"}, {"connector_id", 1}});
  st.meter(1, 500);
  wait_energy(s, token, session_id, 500);

  // A fault on the other connector (no session there) concerns nobody's session.
  st.status(2, "Faulted", "HighTemperature", "T1");
  st.status(1, "Faulted", "GroundFailure", "E42");

  REQUIRE(wait_until([&] { return settled_with(s, sub, 3); }));
  const auto got = s.received(sub);
  INFO("driver got: ", Json(got).dump());
  CHECK(types(got) == std::multiset<std::string>{"payment_confirmed", "charging_started", "charging_error"});
  for (const auto& p : of_type(got, "charging_error"))
    check_push(p, "charging_error", "Ошибка зарядки", "Станция Ош Базар, коннектор 1: GroundFailure",
               {{"session_id", session_id},
                {"station_id", "E2E-ST-2"},
                {"connector_id", 1},
                {"error_code", "GroundFailure"},
                {"vendor_error_code", "E42"}});
  auto errors =
      s.db().scalar("SELECT count(*) FROM push_outbox WHERE event_type = 'charging_error' AND urgency = 'high'");
  CHECK(errors == "1");
}

TEST_CASE("a station silent past the offline timeout gives its owner exactly one station_offline") {
  Stack s({.env = {{"OCPP_OFFLINE_TIMEOUT", "2"}}});
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  s.add_station("E2E-ST-3", "Каракол Центр", "10.00", s.add_location(owner, "Каракол"));
  const auto token = s.token(owner);
  const Json sub = s.new_subscription();
  REQUIRE(s.subscribe(token, sub, "owner").status == 201);

  Station st(s.loop(), station_options(s, "E2E-ST-3"));
  const auto before = std::time(nullptr);
  st.start();
  st.set_silent(true);  // no messages, no pongs; TCP stays open
  const auto silent_at = std::time(nullptr);

  REQUIRE(wait_until([&] { return settled_with(s, sub, 1); }));
  CHECK(s.db().scalar("SELECT status FROM stations WHERE id = 'E2E-ST-3'") == "offline");
  // Still silent for five more timeouts: the same episode must not be announced again.
  CHECK_FALSE(wait_until([&] { return s.received(sub).size() >= 2; }, 10s));
  CHECK(s.outbox_settled());

  const auto got = s.received(sub);
  INFO("owner got: ", Json(got).dump());
  REQUIRE(got.size() == 1);
  const auto& p = got[0];
  CHECK(type_of(p) == "station_offline");
  CHECK(p.value("title", "") == "Станция не в сети");
  const std::string last_seen = data_of(p).value("last_seen", "");
  const std::time_t seen = parse_utc(last_seen);
  CHECK(seen >= before - 1);
  CHECK(seen <= silent_at + 1);
  CHECK(p.value("body", "") == "Станция Каракол Центр не выходит на связь с " + bishkek_minutes(seen));
  CHECK(data_of(p) == Json{{"type", "station_offline"}, {"station_id", "E2E-ST-3"}, {"last_seen", last_seen}});
}

TEST_CASE("a session limit stops the session by itself") {
  Stack s;
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  s.add_station("E2E-ST-4", "Лимит", "12.50", s.add_location(owner, "Чолпон-Ата"));
  const auto driver = s.add_client("Driver");
  const auto token = s.token(driver);
  Station st(s.loop(), station_options(s, "E2E-ST-4"));
  st.start();

  SUBCASE("the balance") {
    // No limit asked for: the server stops when the cost so far reaches the balance.
    REQUIRE(top_up(s, "pay-e2e-limit", driver, "10.00").status == 200);
    const auto session_id = start_session(s, st, token, {{"station_id", "E2E-ST-4"}, {"connector_id", 1}});
    st.meter(1, 400);  // 5.00 som
    wait_energy(s, token, session_id, 400);
    CHECK(st.calls_received("RemoteStopTransaction") == 0);
    st.meter(1, 800);  // 10.00 som: all the driver has
    REQUIRE(wait_until([&] { return session_status(s, token, session_id).value("status", "") == "completed"; }));
    const auto status = session_status(s, token, session_id);
    INFO("status: ", status.dump());
    CHECK(st.calls_received("RemoteStopTransaction") == 1);
    CHECK(status.value("auto_stop_reason", "") == "balance");
    CHECK(status.value("cost", "") == "10.00");
    CHECK(s.get("/api/v1/balance", token).json()["data"].value("balance", "") == "0.00");
  }
  SUBCASE("limit_kwh") {
    REQUIRE(top_up(s, "pay-e2e-limit", driver, "500.00").status == 200);
    const auto session_id =
        start_session(s, st, token, {{"station_id", "E2E-ST-4"}, {"connector_id", 1}, {"limit_kwh", "1.000"}});
    st.meter(1, 400);
    wait_energy(s, token, session_id, 400);
    CHECK(st.calls_received("RemoteStopTransaction") == 0);
    st.meter(1, 1000);  // reaches 1.000 kWh
    REQUIRE(wait_until([&] { return session_status(s, token, session_id).value("status", "") == "completed"; }));
    const auto status = session_status(s, token, session_id);
    INFO("status: ", status.dump());
    CHECK(st.calls_received("RemoteStopTransaction") == 1);
    CHECK(st.remote_stops() == 1);
    CHECK(status.value("auto_stop_reason", "") == "limit_kwh");
    CHECK(status.value("energy_wh", -1LL) == 1000);
    CHECK(status.value("cost", "") == "12.50");
    CHECK(s.get("/api/v1/balance", token).json()["data"].value("balance", "") == "487.50");
  }
  SUBCASE("limit_amount") {
    REQUIRE(top_up(s, "pay-e2e-limit", driver, "500.00").status == 200);
    const auto session_id =
        start_session(s, st, token, {{"station_id", "E2E-ST-4"}, {"connector_id", 2}, {"limit_amount", "5.00"}});
    st.meter(2, 200);  // 2.50 som
    wait_energy(s, token, session_id, 200);
    CHECK(st.calls_received("RemoteStopTransaction") == 0);
    st.meter(2, 400);  // 5.00 som: the limit
    REQUIRE(wait_until([&] { return session_status(s, token, session_id).value("status", "") == "completed"; }));
    const auto status = session_status(s, token, session_id);
    INFO("status: ", status.dump());
    CHECK(st.calls_received("RemoteStopTransaction") == 1);
    CHECK(status.value("auto_stop_reason", "") == "limit_amount");
    CHECK(status.value("energy_wh", -1LL) == 400);
    CHECK(status.value("cost", "") == "5.00");
    CHECK(s.get("/api/v1/balance", token).json()["data"].value("balance", "") == "495.00");
  }
}

TEST_CASE("a replayed payment webhook credits once and confirms once") {
  Stack s;
  INFO(s.logs());
  const auto driver = s.add_client("Driver");
  const auto token = s.token(driver);
  const Json sub = s.new_subscription();
  REQUIRE(s.subscribe(token, sub).status == 201);

  const std::string body =
      Json{{"payment_id", "pay-e2e-replay"}, {"user_id", driver}, {"amount", "75.50"}, {"currency", "KGS"}}.dump();
  auto first = s.webhook(body);
  auto again = s.webhook(body);
  INFO("first: ", first.body, " again: ", again.body);
  REQUIRE(first.status == 200);
  CHECK(again.status == 200);
  CHECK(first.json()["data"] == again.json()["data"]);
  CHECK(first.json()["data"].value("new_balance", "") == "75.50");

  // The same id with another amount is not a replay; a forged signature is refused.
  auto conflict = top_up(s, "pay-e2e-replay", driver, "80.00");
  CHECK(conflict.status == 409);
  CHECK(error_code(conflict) == "payment_conflict");
  const std::string other = Json{{"payment_id", "pay-e2e-forged"}, {"user_id", driver}, {"amount", "1000.00"}}.dump();
  auto forged = s.webhook(other, hmac_sha256_hex("not-the-secret", other));
  CHECK(forged.status == 401);
  CHECK(error_code(forged) == "invalid_signature");

  CHECK(s.get("/api/v1/balance", token).json()["data"].value("balance", "") == "75.50");
  CHECK(s.db().scalar("SELECT count(*) FROM balance_ledger WHERE client_id = " + sql_quote(driver)) == "1");
  REQUIRE(wait_until([&] { return settled_with(s, sub, 1); }));
  const auto got = s.received(sub);
  INFO("driver got: ", Json(got).dump());
  REQUIRE(got.size() == 1);
  check_push(got[0], "payment_confirmed", "Баланс пополнен", "+75.50 сом, баланс 75.50 сом",
             {{"payment_id", "pay-e2e-replay"}, {"amount", "75.50"}, {"new_balance", "75.50"}});
}

TEST_CASE("another user's subscription can be neither seen nor removed") {
  Stack s;
  INFO(s.logs());
  const auto alice = s.add_client("Alice"), bob = s.add_client("Bob");
  const auto alice_token = s.token(alice), bob_token = s.token(bob);
  const Json alice_sub = s.new_subscription(), bob_sub = s.new_subscription();
  REQUIRE(s.subscribe(alice_token, alice_sub).status == 201);
  REQUIRE(s.subscribe(bob_token, bob_sub).status == 201);

  // The endpoints GET /notifications/subscriptions lists for `token`, sorted, comma-separated
  // (a string, so a failing check shows it).
  auto endpoints = [&](const std::string& token) {
    auto r = s.get("/api/v1/notifications/subscriptions", token);
    const Json list = r.json()["data"];
    if (r.status != 200 || !list.is_array()) return "HTTP " + std::to_string(r.status) + " " + r.body;
    std::set<std::string> found;
    for (const auto& item : list) {
      found.insert(item.value("endpoint", "?"));
      CHECK_FALSE(item.contains("p256dh_key"));
      CHECK_FALSE(item.contains("keys"));
    }
    std::string out;
    for (const auto& e : found) out += (out.empty() ? "" : ",") + e;
    return out;
  };
  const std::string alice_endpoint = alice_sub["endpoint"], bob_endpoint = bob_sub["endpoint"];
  INFO("alice: ", alice_endpoint, " bob: ", bob_endpoint);
  CHECK(endpoints(bob_token) == bob_endpoint);
  CHECK(endpoints(alice_token) == alice_endpoint);

  auto r = s.post("/api/v1/notifications/unsubscribe", {{"endpoint", alice_endpoint}}, bob_token);
  CHECK(r.status == 404);
  CHECK(error_code(r) == "subscription_not_found");
  CHECK(endpoints(alice_token) == alice_endpoint);
  CHECK(s.db().scalar("SELECT count(*) FROM push_subscriptions WHERE endpoint = " + sql_quote(alice_endpoint)) == "1");

  // Bob's test push reaches Bob's browser only.
  r = s.post("/api/v1/notifications/test", nullptr, bob_token);
  INFO("test push: ", r.body);
  CHECK(r.status == 202);
  REQUIRE(wait_until([&] { return settled_with(s, bob_sub, 1); }));
  CHECK(s.received(alice_sub).empty());
  CHECK(s.received(bob_sub).size() == 1);

  r = s.post("/api/v1/notifications/unsubscribe", {{"endpoint", alice_endpoint}}, alice_token);
  CHECK(r.status == 200);
  CHECK(endpoints(alice_token) == "");
  CHECK(endpoints(bob_token) == bob_endpoint);
}

TEST_CASE("bad tokens get 401 and malformed bodies 400 with a reason") {
  Stack s;
  INFO(s.logs());
  const auto driver = s.add_client("Driver");
  const auto good = s.token(driver);
  REQUIRE(s.get("/api/v1/balance", good).status == 200);

  SUBCASE("tokens") {
    auto claims = user_claims(driver);
    auto expired = user_claims(driver);
    expired["exp"] = expired["iat"].get<std::int64_t>() - 3600;
    auto other_aud = user_claims(driver);
    other_aud["aud"] = "anon-app";
    auto no_exp = user_claims(driver);
    no_exp.erase("exp");
    std::string unsigned_token = hs256_jwt(Stack::kJwtSecret, claims, {{"alg", "none"}, {"typ", "JWT"}});
    unsigned_token = unsigned_token.substr(0, unsigned_token.rfind('.') + 1);  // alg none: empty signature
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"no token", ""},
        {"not a JWT", "not-a-jwt"},
        {"forged (other secret)", hs256_jwt("some-other-secret-0123456789abcdef", claims)},
        {"expired", hs256_jwt(Stack::kJwtSecret, expired)},
        {"wrong audience", hs256_jwt(Stack::kJwtSecret, other_aud)},
        {"without exp", hs256_jwt(Stack::kJwtSecret, no_exp)},
        {"alg none", unsigned_token},
        {"tampered payload",
         [&] {
           auto t = hs256_jwt(Stack::kJwtSecret, claims);
           auto forged = hs256_jwt(Stack::kJwtSecret, user_claims(random_uuid()));
           // Header and signature of one token, payload of another.
           auto p1 = t.find('.'), p2 = t.rfind('.');
           auto q1 = forged.find('.'), q2 = forged.rfind('.');
           return t.substr(0, p1) + forged.substr(q1, q2 - q1) + t.substr(p2);
         }()},
    };
    for (const auto& one : cases) {
      // Named copies, not structured bindings: Clang 15 cannot capture those in INFO's lambda.
      const auto& what = one.first;
      const auto& token = one.second;
      for (const auto& target : {"/api/v1/balance", "/api/v1/notifications/subscriptions"}) {
        auto r = s.get(target, token);
        INFO(what, " on ", target, ": ", r.status, " ", r.body);
        CHECK(r.status == 401);
        CHECK(r.json().value("success", true) == false);
        CHECK(error_code(r) == "unauthorized");
        CHECK_FALSE(error_message(r).empty());
      }
    }
    // A bearer header with another scheme is no token either.
    auto r = s.request(http::verb::get, "/api/v1/balance", {}, {{"Authorization", "Basic " + good}});
    CHECK(r.status == 401);
  }

  SUBCASE("bodies") {
    struct Case {
      std::string what, target, body, expect_code, field;
    };
    const std::vector<Case> cases = {
        {"not JSON", "/api/v1/notifications/subscribe", "{\"endpoint\": ", "invalid_json", ""},
        {"subscription without keys", "/api/v1/notifications/subscribe", R"({"endpoint":"https://127.0.0.1:9/push/x"})",
         "", "keys"},
        {"p256dh not a P-256 point", "/api/v1/notifications/subscribe",
         R"({"endpoint":"https://127.0.0.1:9/push/x","keys":{"p256dh":"AAAA","auth":"AAAAAAAAAAAAAAAAAAAAAA"}})", "",
         "keys.p256dh"},
        {"start without station", "/api/v1/charging/start", R"({"connector_id":1})", "", "station_id"},
        {"connector id as text", "/api/v1/charging/start", R"({"station_id":"X","connector_id":"one"})", "",
         "connector_id"},
        {"both limits", "/api/v1/charging/start",
         R"({"station_id":"X","connector_id":1,"limit_kwh":"1.0","limit_amount":"5.00"})", "", "limit"},
        {"stop with a bad id", "/api/v1/charging/stop", R"({"session_id":"nope"})", "", "session_id"},
        {"array instead of object", "/api/v1/charging/stop", R"([1,2,3])", "", ""},
    };
    for (const auto& c : cases) {
      auto r = s.request(http::verb::post, c.target, c.body, {{"Authorization", "Bearer " + good}});
      INFO(c.what, ": ", r.status, " ", r.body);
      CHECK(r.status == 400);
      CHECK(r.json().value("success", true) == false);
      if (!c.expect_code.empty()) CHECK(error_code(r) == c.expect_code);
      CHECK(error_code(r).rfind("invalid_", 0) == 0);
      CHECK_FALSE(error_message(r).empty());
      if (!c.field.empty()) CHECK(error_message(r).find(c.field) != std::string::npos);
    }
    // The webhook too, with a correct signature over a malformed body.
    for (const std::string& body :
         {std::string("{\"payment_id\":"), Json{{"payment_id", "p"}, {"user_id", driver}, {"amount", "-5.00"}}.dump(),
          Json{{"payment_id", "p"}, {"user_id", "not-a-uuid"}, {"amount", "5.00"}}.dump()}) {
      auto r = s.webhook(body);
      INFO("webhook ", body, ": ", r.status, " ", r.body);
      CHECK(r.status == 400);
      CHECK_FALSE(error_message(r).empty());
    }
    CHECK(s.get("/api/v1/balance", good).json()["data"].value("balance", "") == "0.00");
  }
}

TEST_CASE("an operator sets up the network from the shell; a new card turns the station's Authorize Accepted") {
  StackOptions o;
  o.push = false;
  Stack s(o);
  INFO(s.logs());
  auto ok = [&](std::vector<std::string> args) {
    const auto result = s.cli(args);  // not a structured binding: Clang 15 cannot capture one in INFO
    const std::string& out = result.second;
    INFO("evpower ", args[0], " ", args.size() > 1 ? args[1] : "", ": ", out);
    REQUIRE(result.first == 0);
    return out;
  };
  auto word_after = [](const std::string& out, const std::string& what) {
    auto at = out.find(what + " ");
    REQUIRE(at != std::string::npos);
    return out.substr(at + what.size() + 1, 36);
  };

  // An owner (a generated id), a location, a station there: no SQL.
  const auto owner = word_after(ok({"owner", "add", "--name", "Ала-Тоо Энерджи", "--email", "ops@alatoo.kg"}), "owner");
  const auto location = word_after(ok({"location", "add", "--owner", owner, "--name", "ТЦ Бишкек Парк"}), "location");
  ok({"station", "add", "CLI-1", "--name", "Парк", "--price", "12.00", "--location", location});
  CHECK(ok({"owner", "list"}).find(owner + "\tАла-Тоо Энерджи\tops@alatoo.kg\t1\t1") != std::string::npos);
  CHECK(ok({"location", "list", "--owner", owner}).find(location + "\t" + owner + "\tТЦ Бишкек Парк") !=
        std::string::npos);

  // Refusals say what is wrong and change nothing.
  CHECK(s.cli({"location", "add", "--owner", random_uuid(), "--name", "x"}).first == 2);
  CHECK(s.db().scalar("SELECT count(*) FROM locations") == "1");
  CHECK(s.cli({"idtag", "add", "THIS-TAG-IS-LONGER-THAN-20"}).first == 2);
  CHECK(s.cli({"operator", "add", "not-a-uuid"}).first == 2);

  const auto driver = s.add_client("Driver");
  auto opts = station_options(s, "CLI-1");
  auto cp = std::make_unique<evp::sim::ChargePoint>(s.loop().executor(), opts);
  auto authorize = [&](const std::string& tag) {
    return s.loop().run([&]() -> boost::asio::awaitable<std::string> {
      if (!cp->connected()) {
        co_await cp->connect();
        co_await cp->boot();
      }
      auto r = co_await cp->authorize(tag);
      co_return r.at("idTagInfo").value("status", "");
    }());
  };
  CHECK(authorize("SIMTAG01") == "Invalid");  // unknown card
  ok({"idtag", "add", "SIMTAG01", "--client", driver});
  CHECK(authorize("SIMTAG01") == "Accepted");
  CHECK(ok({"idtag", "list"}).find("SIMTAG01\tAccepted\t" + driver) != std::string::npos);
  ok({"idtag", "block", "simtag01"});  // idTag is case-insensitive
  CHECK(authorize("SIMTAG01") == "Blocked");
  ok({"idtag", "add", "SIMTAG01"});  // adding it again accepts it again, the client stays
  CHECK(authorize("SIMTAG01") == "Accepted");
  CHECK(s.db().scalar("SELECT client_id FROM id_tags WHERE id_tag = 'SIMTAG01'") == driver);

  const auto op = random_uuid();
  ok({"operator", "add", op, "--note", "night shift"});
  CHECK(ok({"operator", "list"}).find(op + "\tnight shift") != std::string::npos);
  s.loop().run([&]() -> boost::asio::awaitable<void> {
    if (cp->connected()) co_await cp->close();
    cp.reset();
  }());
}
