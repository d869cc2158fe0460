// HTTP tests against a real api::Server on 127.0.0.1:0 over a fresh PostgreSQL database.
#include <doctest/doctest.h>

#include "server_test_support.hpp"
#include "util/crypto.hpp"

using namespace evp::api;
using namespace evp::api::testing;
using boost::beast::http::verb;

namespace {

std::string error_code_of(const HttpResult& r) {
  return r.json.is_object() && r.json.contains("error") ? r.json["error"].value("code", "") : "";
}
std::string error_message_of(const HttpResult& r) {
  return r.json.is_object() && r.json.contains("error") ? r.json["error"].value("message", "") : "";
}

}  // namespace

TEST_CASE("http: health, request ids, CORS, 404/405 as JSON") {
  ApiFixture api;
  auto h = api.get("/health");
  CHECK(h.status == 200);
  CHECK(h.json["success"] == true);
  CHECK(h.json["data"]["database"] == "ok");
  CHECK(h.json["data"]["push_enabled"] == true);
  CHECK(h.json["data"]["version"] == api.config.version);
  CHECK(h.headers["X-Request-Id"].size() == 16);

  auto echoed = api.request(verb::get, "/health", {}, {}, {{"X-Request-Id", "req-123"}});
  CHECK(echoed.headers["X-Request-Id"] == "req-123");

  auto nf = api.get("/api/v1/nope");
  CHECK(nf.status == 404);
  CHECK(nf.json["success"] == false);
  CHECK(error_code_of(nf) == "not_found");

  auto na = api.get("/api/v1/charging/start");
  CHECK(na.status == 405);
  CHECK(error_code_of(na) == "method_not_allowed");
  CHECK(na.headers["Allow"].find("POST") != std::string::npos);

  auto pre = api.request(verb::options, "/api/v1/charging/start", {}, {},
                         {{"Origin", "https://app.evpower.kg"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(pre.status == 204);
  CHECK(pre.headers["Access-Control-Allow-Origin"] == "https://app.evpower.kg");
  CHECK(pre.headers["Access-Control-Allow-Headers"].find("Authorization") != std::string::npos);
  auto evil = api.request(verb::options, "/api/v1/charging/start", {}, {}, {{"Origin", "https://evil.example"}});
  CHECK(evil.status == 403);
  CHECK(evil.headers["Access-Control-Allow-Origin"].empty());
  auto cors_get = api.request(verb::get, "/health", {}, {}, {{"Origin", "https://app.evpower.kg"}});
  CHECK(cors_get.headers["Access-Control-Allow-Origin"] == "https://app.evpower.kg");

  auto key = api.get("/api/v1/notifications/vapid-public-key");
  CHECK(key.status == 200);
  CHECK(key.json["data"]["public_key"].get<std::string>().size() == 87);  // 65 bytes base64url

  auto m = api.get("/metrics");
  CHECK(m.status == 200);
  CHECK(m.body.find("evp_http_request_duration_seconds_bucket") != std::string::npos);
  CHECK(m.body.find("evp_push_outbox_depth") != std::string::npos);
  CHECK(m.body.find("evp_ocpp_stations_connected 0") != std::string::npos);
}

TEST_CASE("http: 401 for missing, malformed, forged and expired tokens") {
  ApiFixture api;
  auto none = api.get("/api/v1/balance");
  CHECK(none.status == 401);
  CHECK(error_code_of(none) == "unauthorized");
  CHECK(error_message_of(none) == "missing Authorization header");
  CHECK(none.headers["WWW-Authenticate"].starts_with("Bearer"));

  CHECK(error_message_of(api.get("/api/v1/balance", "garbage")).starts_with("malformed token"));
  auto forged = sign_hs256("not-the-secret", user_claims(kClientA));
  CHECK(error_message_of(api.get("/api/v1/balance", forged)) == "invalid signature");
  auto expired = sign_hs256(kJwtSecret, user_claims(kClientA, -3600));
  auto r = api.get("/api/v1/balance", expired);
  CHECK(r.status == 401);
  CHECK(error_message_of(r) == "token expired");
  auto ok = api.get("/api/v1/balance", ApiFixture::token_for(kClientA));
  CHECK(ok.status == 200);
  CHECK(ok.json["data"]["balance"] == "0.00");

  // An owner without a client account may not use client endpoints, and vice versa.
  CHECK(api.get("/api/v1/balance", ApiFixture::token_for(kOwner)).status == 403);
  CHECK(api.get("/api/v1/owner/stations", ApiFixture::token_for(kClientA)).status == 403);
}

TEST_CASE("http: subscribe, list, unsubscribe; nobody else's subscription is visible or removable") {
  ApiFixture api;
  auto a = ApiFixture::token_for(kClientA), b = ApiFixture::token_for(kClientB);
  auto sub = subscription("https://127.0.0.1/send/abc");

  auto s1 = api.post("/api/v1/notifications/subscribe", sub, a);
  CHECK(s1.status == 201);
  CHECK(s1.json["data"]["user_type"] == "client");
  auto s2 = api.post("/api/v1/notifications/subscribe", sub, a);  // upsert, not a second row
  CHECK(s2.status == 200);
  CHECK(s2.json["data"]["id"] == s1.json["data"]["id"]);
  CHECK(api.tdb.scalar("SELECT count(*) FROM push_subscriptions") == "1");

  auto la = api.get("/api/v1/notifications/subscriptions", a);
  REQUIRE(la.status == 200);
  REQUIRE(la.json["data"].size() == 1);
  CHECK(la.json["data"][0]["endpoint"] == "https://127.0.0.1/send/abc");
  CHECK_FALSE(la.json["data"][0].contains("keys"));
  CHECK_FALSE(la.json["data"][0].contains("auth_key"));

  CHECK(api.get("/api/v1/notifications/subscriptions", b).json["data"].empty());
  auto steal = api.post("/api/v1/notifications/unsubscribe", {{"endpoint", "https://127.0.0.1/send/abc"}}, b);
  CHECK(steal.status == 404);
  CHECK(api.tdb.scalar("SELECT count(*) FROM push_subscriptions") == "1");

  // The owner role is explicit; a client cannot claim it.
  auto as_owner = sub;
  as_owner["user_type"] = "owner";
  CHECK(api.post("/api/v1/notifications/subscribe", as_owner, a).status == 403);
  auto o = api.post("/api/v1/notifications/subscribe", as_owner, ApiFixture::token_for(kOwner));
  CHECK(o.status == 201);
  CHECK(o.json["data"]["user_type"] == "owner");

  auto t = api.post("/api/v1/notifications/test", nlohmann::json::object(), a);
  CHECK(t.status == 202);
  CHECK(t.json["data"]["queued"] == 1);
  CHECK(api.tdb.scalar("SELECT count(*) FROM push_outbox WHERE event_type = 'test' AND user_id = '" + kClientA + "'") ==
        "1");
  CHECK(api.post("/api/v1/notifications/test", nlohmann::json::object(), b).status == 404);  // no subscriptions

  auto un = api.post("/api/v1/notifications/unsubscribe", {{"endpoint", "https://127.0.0.1/send/abc"}}, a);
  CHECK(un.status == 200);
  CHECK(api.get("/api/v1/notifications/subscriptions", a).json["data"].empty());
}

TEST_CASE("http: bad subscription input is 400 naming the field; wrong content type 415") {
  ApiFixture api;
  auto a = ApiFixture::token_for(kClientA);
  auto sub = subscription("https://127.0.0.1/x");

  auto no_endpoint = sub;
  no_endpoint.erase("endpoint");
  auto r = api.post("/api/v1/notifications/subscribe", no_endpoint, a);
  CHECK(r.status == 400);
  CHECK(error_message_of(r) == "field 'endpoint' is required");

  auto bad_key = sub;
  bad_key["keys"]["p256dh"] = "AAAA";
  r = api.post("/api/v1/notifications/subscribe", bad_key, a);
  CHECK(r.status == 400);
  CHECK(error_message_of(r).starts_with("field 'keys.p256dh'"));

  auto bad_auth = sub;
  bad_auth["keys"]["auth"] = evp::common::base64url_encode(std::string(8, 'x'));
  CHECK(error_message_of(api.post("/api/v1/notifications/subscribe", bad_auth, a)).starts_with("field 'keys.auth'"));

  auto wrong_type = sub;
  wrong_type["endpoint"] = 42;
  CHECK(error_message_of(api.post("/api/v1/notifications/subscribe", wrong_type, a)) ==
        "field 'endpoint' must be a string");

  auto malformed = api.request(verb::post, "/api/v1/notifications/subscribe", "{\"endpoint\":", a);
  CHECK(malformed.status == 400);
  CHECK(error_code_of(malformed) == "invalid_json");

  auto text =
      api.request(verb::post, "/api/v1/notifications/subscribe", sub.dump(), a, {{"Content-Type", "text/plain"}});
  CHECK(text.status == 415);

  auto big = api.request(verb::post, "/api/v1/notifications/subscribe", std::string(8000, ' '), a);
  CHECK(big.status == 413);
  CHECK(error_code_of(big) == "payload_too_large");
}

TEST_CASE("http: push endpoints must be https on public hosts unless insecure is allowed") {
  ApiFixture api(false);
  auto a = ApiFixture::token_for(kClientA);
  auto r = api.post("/api/v1/notifications/subscribe", subscription("http://push.example.test/x"), a);
  CHECK(r.status == 400);
  CHECK(error_message_of(r).starts_with("field 'endpoint' is not an acceptable push endpoint"));
  r = api.post("/api/v1/notifications/subscribe", subscription("https://127.0.0.1/x"), a);
  CHECK(r.status == 400);
  r = api.post("/api/v1/notifications/subscribe", subscription("https://10.1.2.3/x"), a);
  CHECK(r.status == 400);
}

TEST_CASE("http: payment webhook is signed, credits once and answers a replay the same way") {
  ApiFixture api;
  auto a = ApiFixture::token_for(kClientA);
  REQUIRE(api.post("/api/v1/notifications/subscribe", subscription("https://127.0.0.1/p"), a).status == 201);

  std::string body = nlohmann::json{{"payment_id", "pay-001"}, {"user_id", kClientA}, {"amount", "150.00"}}.dump();
  auto sig = to_hex(hmac_sha256(kWebhookSecret, body));

  auto unsigned_req = api.request(verb::post, "/api/v1/payment/webhook", body);
  CHECK(unsigned_req.status == 401);
  auto wrong = api.request(verb::post, "/api/v1/payment/webhook", body, {}, {{"X-Signature", std::string(64, '0')}});
  CHECK(wrong.status == 401);
  CHECK(api.tdb.scalar("SELECT balance FROM clients WHERE id = '" + kClientA + "'") == "0.00");

  auto first = api.request(verb::post, "/api/v1/payment/webhook", body, {}, {{"X-Signature", sig}});
  REQUIRE(first.status == 200);
  CHECK(first.json["data"]["new_balance"] == "150.00");
  CHECK(first.json["data"]["amount"] == "150.00");
  auto replay = api.request(verb::post, "/api/v1/payment/webhook", body, {}, {{"X-Signature", sig}});
  CHECK(replay.status == 200);
  CHECK(replay.json == first.json);

  CHECK(api.tdb.scalar("SELECT balance FROM clients WHERE id = '" + kClientA + "'") == "150.00");
  CHECK(api.tdb.scalar("SELECT count(*) FROM balance_ledger") == "1");
  CHECK(api.tdb.scalar("SELECT count(*) FROM push_outbox WHERE event_type = 'payment_confirmed'") == "1");
  CHECK(api.tdb.scalar("SELECT payload->>'body' FROM push_outbox WHERE event_type = 'payment_confirmed'") ==
        "+150.00 сом, баланс 150.00 сом");

  // Same id, different amount: refused, nothing credited.
  std::string other = nlohmann::json{{"payment_id", "pay-001"}, {"user_id", kClientA}, {"amount", 99}}.dump();
  auto conflict = api.request(verb::post, "/api/v1/payment/webhook", other, {},
                              {{"X-Signature", to_hex(hmac_sha256(kWebhookSecret, other))}});
  CHECK(conflict.status == 409);
  // A numeric amount is read exactly from its text.
  std::string second =
      nlohmann::json::parse(R"({"payment_id":"pay-002","user_id":")" + kClientA + R"(","amount":0.1})").dump();
  auto s2 = api.request(verb::post, "/api/v1/payment/webhook", second, {},
                        {{"X-Signature", to_hex(hmac_sha256(kWebhookSecret, second))}});
  CHECK(s2.status == 200);
  CHECK(s2.json["data"]["new_balance"] == "150.10");

  std::string bad_amount = nlohmann::json{{"payment_id", "pay-003"}, {"user_id", kClientA}, {"amount", "1.001"}}.dump();
  auto r = api.request(verb::post, "/api/v1/payment/webhook", bad_amount, {},
                       {{"X-Signature", to_hex(hmac_sha256(kWebhookSecret, bad_amount))}});
  CHECK(r.status == 400);
  CHECK(error_message_of(r).starts_with("field 'amount'"));

  auto bal = api.get("/api/v1/balance", a);
  CHECK(bal.json["data"]["balance"] == "150.10");
  CHECK(api.get("/api/v1/balance/ledger", a).json["data"]["items"].size() == 2);
}

TEST_CASE("http: stations, owner views and charging checks") {
  ApiFixture api;
  auto a = ApiFixture::token_for(kClientA);
  auto list = api.get("/api/v1/stations", a);
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 2);
  auto st1 = list.json["data"][0];
  CHECK(st1["id"] == "ST-1");
  CHECK(st1["name"] == "Станция 1");
  CHECK(st1["status"] == "offline");
  CHECK(st1["price_per_kwh"] == "12.50");
  CHECK(st1["connectors"].size() == 2);  // connector 0 is the station itself
  CHECK(list.json["data"][1]["name"] == "ST-2");

  CHECK(api.get("/api/v1/stations/ST-1", a).json["data"]["connectors"][1]["status"] == "Faulted");
  CHECK(api.get("/api/v1/stations/NOPE", a).status == 404);

  auto o = ApiFixture::token_for(kOwner);
  auto mine = api.get("/api/v1/owner/stations", o);
  REQUIRE(mine.json["data"].size() == 1);
  CHECK(mine.json["data"][0]["id"] == "ST-1");

  // A finished transaction on each owner's station: each owner sees only their own.
  api.tdb.exec(
      "INSERT INTO transactions (station_id, connector_id, id_tag, client_id, meter_start, start_timestamp, "
      "meter_stop, stop_timestamp, energy_wh, price_per_kwh, amount, status, billing) VALUES "
      "('ST-1', 1, 'TAG1', '" +
      kClientA +
      "', 1000, NOW() - interval '1 hour', 3500, NOW(), 2500, 12.50, 31.25, 'completed', 'charged'),"
      "('ST-2', 1, 'TAG2', '" +
      kClientB + "', 0, NOW() - interval '1 hour', 1000, NOW(), 1000, 10.00, 10.00, 'completed', 'charged')");
  auto rev = api.get("/api/v1/owner/revenue", o);
  CHECK(rev.json["data"]["revenue"] == "31.25");
  CHECK(rev.json["data"]["energy_wh"] == 2500);
  auto sessions = api.get("/api/v1/owner/sessions", o);
  REQUIRE(sessions.json["data"]["items"].size() == 1);
  CHECK(sessions.json["data"]["items"][0]["station_id"] == "ST-1");
  CHECK(api.get("/api/v1/owner/revenue?from=2999-01-01", o).json["data"]["revenue"] == "0.00");
  CHECK(api.get("/api/v1/owner/revenue?from=yesterday", o).status == 400);

  // Charging start: field checks first, then station state.
  auto r = api.post("/api/v1/charging/start", {{"station_id", "ST-1"}}, a);
  CHECK(r.status == 400);
  CHECK(error_message_of(r) == "field 'connector_id' is required");
  r = api.post("/api/v1/charging/start", {{"station_id", "ST-1"}, {"connector_id", "1"}}, a);
  CHECK(error_message_of(r) == "field 'connector_id' must be an integer");
  r = api.post("/api/v1/charging/start", {{"station_id", "ST-1"}, {"connector_id", 1}, {"limit_kwh", "abc"}}, a);
  CHECK(error_message_of(r).starts_with("field 'limit_kwh'"));
  r = api.post("/api/v1/charging/start", {{"station_id", "NOPE"}, {"connector_id", 1}}, a);
  CHECK(r.status == 404);
  r = api.post("/api/v1/charging/start", {{"station_id", "ST-1"}, {"connector_id", 1}}, a);
  CHECK(r.status == 409);
  CHECK(error_code_of(r) == "station_offline");
  CHECK(api.tdb.scalar("SELECT count(*) FROM charging_sessions") == "0");
}

TEST_CASE("http: session status and history show only one's own sessions, with exact energy and cost") {
  ApiFixture api;
  api.tdb.exec(
      "INSERT INTO transactions (id, station_id, connector_id, id_tag, client_id, meter_start, start_timestamp, "
      "meter_last, price_per_kwh) VALUES (7, 'ST-1', 1, 'TAG1', '" +
      kClientA +
      "', 1000, NOW(), 3500, 12.50);"
      "INSERT INTO charging_sessions (id, client_id, station_id, connector_id, id_tag, status, transaction_id, "
      "limit_kwh) "
      "VALUES ('eeeeeeee-0000-4000-8000-000000000001', '" +
      kClientA + "', 'ST-1', 1, 'TAG1', 'active', 7, 10)");
  auto a = ApiFixture::token_for(kClientA), b = ApiFixture::token_for(kClientB);
  auto s = api.get("/api/v1/charging/status/eeeeeeee-0000-4000-8000-000000000001", a);
  REQUIRE(s.status == 200);
  CHECK(s.json["data"]["status"] == "active");
  CHECK(s.json["data"]["energy_wh"] == 2500);
  CHECK(s.json["data"]["energy_kwh"] == "2.500");
  CHECK(s.json["data"]["cost"] == "31.25");
  CHECK(s.json["data"]["limit_kwh"] == "10.000");
  CHECK(s.json["data"]["transaction_id"] == 7);

  CHECK(api.get("/api/v1/charging/status/eeeeeeee-0000-4000-8000-000000000001", b).status == 404);
  CHECK(api.get("/api/v1/charging/status/not-a-uuid", a).status == 400);
  CHECK(api.get("/api/v1/charging/history", a).json["data"]["total"] == 1);
  CHECK(api.get("/api/v1/charging/history", b).json["data"]["items"].empty());
  CHECK(api.get("/api/v1/charging/history?limit=0", a).status == 400);
  auto stop = api.post("/api/v1/charging/stop", {{"session_id", "eeeeeeee-0000-4000-8000-000000000001"}}, b);
  CHECK(stop.status == 404);
  stop = api.post("/api/v1/charging/stop", {{"session_id", "eeeeeeee-0000-4000-8000-000000000001"}}, a);
  CHECK(stop.status == 409);  // the station is not connected
  CHECK(error_code_of(stop) == "station_offline");
}

TEST_CASE("http: notification preferences") {
  ApiFixture api;
  auto a = ApiFixture::token_for(kClientA);
  auto g = api.get("/api/v1/notifications/preferences", a);
  REQUIRE(g.status == 200);
  CHECK(g.json["data"]["preferences"]["low_balance_warning"] == true);
  CHECK_FALSE(g.json["data"]["preferences"].contains("station_offline"));  // owners only

  auto p = api.request(verb::put, "/api/v1/notifications/preferences",
                       R"({"preferences":{"low_balance_warning":false}})", a);
  REQUIRE(p.status == 200);
  CHECK(p.json["data"]["preferences"]["low_balance_warning"] == false);
  CHECK(api.tdb.scalar("SELECT push_event_enabled('" + kClientA + "', 'low_balance_warning')") == "f");
  CHECK(api.tdb.scalar("SELECT push_event_enabled('" + kClientA + "', 'charging_started')") == "t");
  CHECK(api.tdb.scalar("SELECT push_event_enabled('" + kClientB + "', 'low_balance_warning')") == "t");

  auto bad = api.request(verb::put, "/api/v1/notifications/preferences", R"({"station_offline":false})", a);
  CHECK(bad.status == 400);
  CHECK(error_message_of(bad) == "field 'station_offline' is not a notification event of this user");
  bad = api.request(verb::put, "/api/v1/notifications/preferences", R"({"preferences":{"charging_error":"no"}})", a);
  CHECK(error_message_of(bad) == "field 'preferences.charging_error' must be true or false");
}
