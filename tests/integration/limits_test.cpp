// Limits a hostile or broken client meets, against the real server and PostgreSQL: bounded
// metric labels, invalid UTF-8, malformed tokens, connection caps, failed-login throttles,
// subscription caps and rate limits, slow handshakes, and a database outage.
#include <doctest/doctest.h>
#include <openssl/hmac.h>
#include <sys/resource.h>

#include <chrono>
#include <sstream>
#include <thread>
#include <vector>

#include "common/base64.hpp"
#include "db/testing.hpp"
#include "evp/testing/process.hpp"
#include "evp/testing/server.hpp"
#include "push/crypto.hpp"
#include "support/db_outage.hpp"
#include "support/raw_socket.hpp"
#include "support/ws_client.hpp"

using namespace evp::itest;
using evp::db::testing::TempDatabase;
using evp::testing::run_shell;
using evp::testing::Server;
using nlohmann::json;

namespace {

const std::string kSecret = evp::testing::kServerJwtSecret;  // the JWT_SECRET of Server
const std::string kUser = "11111111-2222-4333-8444-555555555555";

std::string b64url(const std::string& s) { return evp::common::base64url_encode(s); }

std::string sign(const std::string& header, const std::string& payload) {
  std::string input = b64url(header) + "." + b64url(payload);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
}

std::string token_for(const std::string& user) {
  json claims = {{"sub", user}, {"aud", "authenticated"}, {"exp", 4102444800}};
  return sign(R"({"alg":"HS256","typ":"JWT"})", claims.dump());
}

std::string bearer(const std::string& user = kUser) { return "Bearer " + token_for(user); }

bool wait_for(const TempDatabase& db, const std::string& sql, const std::string& want) {
  for (int i = 0; i < 200; ++i) {
    if (db.scalar(sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::size_t count_lines(const std::string& text, const std::string& prefix) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.starts_with(prefix);
  return n;
}

std::string metric_value(const std::string& metrics, const std::string& series) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(series + " ")) return line.substr(series.size() + 1);
  return "";
}

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + evp::common::base64_encode(evp::common::as_bytes(user + ":" + password));
}

// The HTTP status of a WebSocket upgrade for `id` with `headers`, from `source`.
int upgrade_status(std::uint16_t port, const std::string& id, const std::map<std::string, std::string>& headers = {},
                   const std::string& source = "") {
  RawSocket s(port, source);
  s.send(ws_upgrade_request("/ocpp/" + id, headers));
  return http_status(s.read_response());
}

}  // namespace

TEST_CASE("limits: made-up HTTP methods do not add series to /metrics") {
  TempDatabase db;
  Server server(db.url(), {{"LOG_LEVEL", "warn"}});
  for (int i = 0; i < 5; ++i) http_request(server.rest_port(), "GET", "/health");
  http_request(server.rest_port(), "GET", "/metrics");  // its own series exists from here on
  auto before = http_body(http_request(server.rest_port(), "GET", "/metrics"));
  for (int i = 0; i < 200; ++i) {
    auto r = http_request(server.rest_port(), "PROBE" + std::to_string(i), "/health");
    CHECK(http_status(r) == 405);
  }
  auto after = http_body(http_request(server.rest_port(), "GET", "/metrics"));
  const std::string series = "evp_http_request_duration_seconds_count{";
  // At most one new series: every unknown method is counted as "other".
  CHECK(count_lines(after, series) <= count_lines(before, series) + 1);
  CHECK(after.find("PROBE") == std::string::npos);
  CHECK(after.size() < before.size() + 8 * 1024);
  CHECK(metric_value(after, "evp_http_request_duration_seconds_count{method=\"other\",route=\"unmatched\"}") == "200");
}

TEST_CASE("limits: invalid UTF-8 in a REST path or a station id is a 400") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url());
  for (const char* target : {"/api/v1/stations/%FF", "/api/v1/stations/%C3%28", "/api/v1/stations/CP1?x=%ED%A0%80",
                             "/%F4%90%80%80"}) {
    CAPTURE(target);
    auto r = http_request(server.rest_port(), "GET", target, {{"Authorization", bearer()}});
    CHECK(http_status(r) == 400);
  }
  for (const char* id : {"%FF", "CP%C3%28", "%ED%A0%80"}) {
    CAPTURE(id);
    WsClient cp(server.port(), std::string("/ocpp/") + id);
    CHECK_FALSE(cp.connected());
    CHECK(cp.http_status() == 400);
  }
  // Well-formed UTF-8 still gets through to the lookup (unknown station: 404).
  WsClient cyrillic(server.port(), "/ocpp/%D0%A1%D1%82");
  CHECK(cyrillic.http_status() == 404);
}

TEST_CASE("limits: any malformed token is a 401, never a 5xx") {
  TempDatabase db;
  Server server(db.url());
  const std::string claims = json{{"sub", kUser}, {"aud", "authenticated"}, {"exp", 4102444800}}.dump();
  const std::vector<std::string> tokens = {
      sign(R"({"alg":1})", claims),
      sign(R"({"alg":null})", claims),
      sign(R"({"alg":["HS256"]})", claims),
      sign(R"({"alg":{"x":1}})", claims),
      sign(R"({"alg":"ES256","kid":[1]})", claims),
      sign(R"({"alg":"HS256","crit":"x"})", claims),
      sign(R"([1,2,3])", claims),
      sign(R"({"alg":"HS256"})", R"({"sub":1,"exp":"tomorrow"})"),
      sign(R"({"alg":"HS256"})", R"({"sub":"x","exp":4102444800,"nbf":"now"})"),
      sign(R"({"alg":"HS256"})", R"({"sub":")" + kUser + R"(","exp":1e400})"),
      sign(R"({"alg":"HS256"})", "\xff\xfe"),
      b64url("\xc3\x28") + "." + b64url("{}") + ".",
      "....",
      "a.b.c",
      "",
  };
  for (const auto& t : tokens) {
    CAPTURE(t);
    auto r = http_request(server.rest_port(), "GET", "/api/v1/notifications/subscriptions",
                          {{"Authorization", "Bearer " + t}});
    CHECK(http_status(r) == 401);
  }
  // A validly signed token whose optional claims have odd types is still a user.
  const std::string odd =
      sign(R"({"alg":"HS256"})",
           json{{"sub", kUser}, {"aud", "authenticated"}, {"exp", 4102444800}, {"email", 42}}.dump());
  auto r = http_request(server.rest_port(), "GET", "/api/v1/notifications/subscriptions",
                        {{"Authorization", "Bearer " + odd}});
  CHECK(http_status(r) == 200);
}

TEST_CASE("limits: connection caps on both listeners refuse clearly") {
  TempDatabase db;
  for (int i = 0; i < 6; ++i) db.exec("INSERT INTO stations (id) VALUES ('CP" + std::to_string(i) + "')");
  SUBCASE("total caps") {
    Server server(db.url(), {{"OCPP_MAX_CONNECTIONS", "3"}, {"API_MAX_CONNECTIONS", "3"}});
    std::vector<std::unique_ptr<WsClient>> stations;
    for (int i = 0; i < 3; ++i) {
      stations.push_back(std::make_unique<WsClient>(server.port(), "/ocpp/CP" + std::to_string(i)));
      REQUIRE(stations.back()->connected());
    }
    WsClient extra(server.port(), "/ocpp/CP4");
    CHECK_FALSE(extra.connected());
    CHECK(extra.http_status() == 503);
    RawSocket raw(server.port());
    raw.send(ws_upgrade_request("/ocpp/CP5"));
    auto answer = raw.read_response();
    CHECK(http_status(answer) == 503);
    CHECK(http_header(answer, "Retry-After") != "");
    stations.pop_back();  // a place becomes free (once the server has seen the close)
    auto later = std::make_unique<WsClient>(server.port(), "/ocpp/CP4");
    for (int i = 0; i < 50 && !later->connected(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      later = std::make_unique<WsClient>(server.port(), "/ocpp/CP4");
    }
    CHECK(later->connected());

    std::vector<RawSocket> idle;
    for (int i = 0; i < 3; ++i) idle.emplace_back(server.rest_port());
    auto refused = http_request(server.rest_port(), "GET", "/health");
    CHECK(http_status(refused) == 503);
    CHECK(http_header(refused, "Retry-After") != "");
    idle.clear();
    std::string ok;
    for (int i = 0; i < 50 && http_status(ok) != 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      ok = http_request(server.rest_port(), "GET", "/health");
    }
    CHECK(http_status(ok) == 200);
    auto metrics = http_body(http_request(server.rest_port(), "GET", "/metrics"));
    CHECK(std::stoi("0" + metric_value(metrics, "evp_http_connections_refused_total{cap=\"total\"}")) >= 1);
    CHECK(std::stoi("0" + metric_value(metrics, "evp_ocpp_connections_refused_total{cap=\"total\"}")) >= 2);
  }
  SUBCASE("per-address caps") {
    Server server(db.url(), {{"OCPP_MAX_CONNECTIONS_PER_ADDRESS", "2"}, {"API_MAX_CONNECTIONS_PER_ADDRESS", "2"}});
    RawSocket a1(server.port()), a2(server.port());
    CHECK(upgrade_status(server.port(), "CP1") == 503);
    CHECK(upgrade_status(server.port(), "CP1", {}, "127.0.0.2") == 101);  // another address
    RawSocket r1(server.rest_port()), r2(server.rest_port());
    CHECK(http_status(http_request(server.rest_port(), "GET", "/health")) == 503);
    CHECK(http_status(http_request(server.rest_port(), "GET", "/health", {}, "", "127.0.0.2")) == 200);
    auto metrics = http_body(http_request(server.rest_port(), "GET", "/metrics", {}, "", "127.0.0.3"));
    CHECK(metric_value(metrics, "evp_http_connections_refused_total{cap=\"address\"}") == "1");
    CHECK(metric_value(metrics, "evp_ocpp_connections_refused_total{cap=\"address\"}") == "1");
  }
}

TEST_CASE("limits: failed station passwords are throttled, a fleet behind one address is not") {
  TempDatabase db;
  constexpr int kFleet = 30;
  for (int i = 0; i < kFleet; ++i)
    db.exec("INSERT INTO stations (id, password_hash) VALUES ('F" + std::to_string(i) +
            "', crypt('fleet-password-0001', gen_salt('bf', 4)))");
  db.exec("INSERT INTO stations (id, password_hash) VALUES ('VICTIM', crypt('victim-password-01', gen_salt('bf', 4)))");
  Server server(db.url(), {{"OCPP_AUTH_FAILURES_PER_STATION", "3"},
                           {"OCPP_AUTH_FAILURES_PER_ADDRESS", "20"},
                           {"OCPP_AUTH_CONCURRENCY", "2"},
                           {"TRUSTED_PROXIES", "127.0.0.9"}});
  // Guessing one station's password: after 3 failures even the right one waits.
  for (int i = 0; i < 3; ++i)
    CHECK(upgrade_status(server.port(), "VICTIM", {{"Authorization", basic("VICTIM", "guess" + std::to_string(i))}}) ==
          401);
  RawSocket s(server.port());
  s.send(ws_upgrade_request("/ocpp/VICTIM", {{"Authorization", basic("VICTIM", "victim-password-01")}}));
  auto throttled = s.read_response();
  CHECK(http_status(throttled) == 429);
  CHECK(http_header(throttled, "Retry-After") != "");

  // The whole fleet behind the same address still gets in, all at once.
  std::vector<std::unique_ptr<WsClient>> fleet;
  for (int i = 0; i < kFleet; ++i)
    fleet.push_back(std::make_unique<WsClient>(
        server.port(), "/ocpp/F" + std::to_string(i),
        ConnectOptions{.user = "F" + std::to_string(i), .password = "fleet-password-0001"}));
  int admitted = 0;
  for (auto& cp : fleet) admitted += cp->connected();
  CHECK(admitted == kFleet);

  // One address guessing across station ids is throttled as an address...
  for (int i = 0; i < 20; ++i)
    CHECK(upgrade_status(server.port(), "F" + std::to_string(i % kFleet), {{"Authorization", basic("F0", "nope")}},
                         "127.0.0.2") == 401);
  CHECK(upgrade_status(server.port(), "F1", {{"Authorization", basic("F1", "fleet-password-0001")}}, "127.0.0.2") ==
        429);
  // ...while the fleet's address is not affected.
  CHECK(upgrade_status(server.port(), "F1", {{"Authorization", basic("F1", "fleet-password-0001")}}) == 101);

  // Behind a trusted proxy, the forwarded address is the source.
  for (int i = 0; i < 20; ++i) {
    const std::string id = "F" + std::to_string(10 + i);  // one failure each: no station is throttled
    CHECK(upgrade_status(server.port(), id, {{"Authorization", basic(id, "nope")}, {"X-Forwarded-For", "203.0.113.5"}},
                         "127.0.0.9") == 401);
  }
  CHECK(upgrade_status(server.port(), "F3",
                       {{"Authorization", basic("F3", "fleet-password-0001")}, {"X-Forwarded-For", "203.0.113.5"}},
                       "127.0.0.9") == 429);
  CHECK(upgrade_status(server.port(), "F3",
                       {{"Authorization", basic("F3", "fleet-password-0001")}, {"X-Forwarded-For", "203.0.113.6"}},
                       "127.0.0.9") == 101);
  // An untrusted peer cannot pick its source by writing the header.
  CHECK(upgrade_status(server.port(), "F4",
                       {{"Authorization", basic("F4", "fleet-password-0001")}, {"X-Forwarded-For", "203.0.113.6"}},
                       "127.0.0.2") == 429);

  auto metrics = http_body(http_request(server.rest_port(), "GET", "/metrics"));
  CHECK(metric_value(metrics, "evp_ocpp_auth_throttled_total{scope=\"station\"}") == "1");
  CHECK(metric_value(metrics, "evp_ocpp_auth_throttled_total{scope=\"address\"}") == "3");
  CHECK(metric_value(metrics, "evp_ocpp_auth_failures_total") == "43");
}

TEST_CASE("limits: push subscriptions per user are capped and test pushes rate-limited") {
  TempDatabase db;
  std::map<std::string, std::string> env = {{"PUSH_NOTIFICATIONS_ENABLED", "true"},
                                            {"PUSH_ALLOW_INSECURE_ENDPOINTS", "true"},
                                            {"API_MAX_SUBSCRIPTIONS_PER_USER", "3"},
                                            {"API_SUBSCRIBE_PER_HOUR", "6"},
                                            {"API_TEST_PUSH_PER_HOUR", "2"}};
  std::istringstream keys(evp::push::vapid_keygen_env_lines());
  for (std::string line; std::getline(keys, line);)
    if (auto eq = line.find('='); eq != std::string::npos && !line.starts_with("#"))
      env[line.substr(0, eq)] = line.substr(eq + 1);
  Server server(db.url(), env);
  // RFC 8291's example receiver keys: a valid P-256 point and a 16-byte secret.
  auto subscription = [](int n) {
    return json{{"endpoint", "http://127.0.0.1:9/push/" + std::to_string(n)},
                {"keys",
                 {{"p256dh", "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"},
                  {"auth", "BTBZMqHH6r4Tts7J_aSIgg"}}}}
        .dump();
  };
  auto post = [&](const std::string& path, const std::string& body, const std::string& user = kUser) {
    return http_request(server.rest_port(), "POST", path,
                        {{"Authorization", bearer(user)}, {"Content-Type", "application/json"}}, body);
  };
  for (int i = 0; i < 3; ++i) CHECK(http_status(post("/api/v1/notifications/subscribe", subscription(i))) == 201);
  auto capped = post("/api/v1/notifications/subscribe", subscription(3));
  CHECK(http_status(capped) == 409);
  CHECK(http_body(capped).find("too_many_subscriptions") != std::string::npos);
  CHECK(http_status(post("/api/v1/notifications/subscribe", subscription(1))) == 200);  // an update is fine
  CHECK(db.scalar("SELECT count(*) FROM push_subscriptions") == "3");
  // Six subscribes per hour: the next one waits, whatever it is.
  CHECK(http_status(post("/api/v1/notifications/subscribe", subscription(2))) == 200);
  auto limited = post("/api/v1/notifications/subscribe", subscription(2));
  CHECK(http_status(limited) == 429);
  CHECK(http_header(limited, "Retry-After") != "");
  // Another user has its own budget.
  CHECK(http_status(post("/api/v1/notifications/subscribe", subscription(7), "22222222-2222-4333-8444-555555555555")) ==
        201);

  CHECK(http_status(post("/api/v1/notifications/test", "")) == 202);
  CHECK(http_status(post("/api/v1/notifications/test", "")) == 202);
  auto too_many = post("/api/v1/notifications/test", "");
  CHECK(http_status(too_many) == 429);
  CHECK(http_header(too_many, "Retry-After") != "");
  CHECK(db.scalar("SELECT count(*) FROM push_outbox WHERE user_id = '" + kUser + "'") == "6");

  auto metrics = http_body(http_request(server.rest_port(), "GET", "/metrics"));
  CHECK(metric_value(metrics, "evp_http_rate_limited_total{limit=\"subscribe\"}") == "1");
  CHECK(metric_value(metrics, "evp_http_rate_limited_total{limit=\"test_push\"}") == "1");
  CHECK(metric_value(metrics, "evp_push_subscription_cap_refusals_total") == "1");
}

TEST_CASE("limits: slow and half-open handshakes time out and do not keep others out") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  SUBCASE("more silent sockets than the default open-file limit") {
    // The server starts with the usual soft limit of 1024 open files (and raises it).
    rlimit original{};
    ::getrlimit(RLIMIT_NOFILE, &original);
    rlimit low = original;
    low.rlim_cur = std::min<rlim_t>(1024, original.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &low);
    std::optional<Server> server;
    try {
      server.emplace(db.url(), std::map<std::string, std::string>{{"OCPP_HANDSHAKE_TIMEOUT", "30"}, {"LOG_LEVEL", "warn"}});
    } catch (...) {
      ::setrlimit(RLIMIT_NOFILE, &original);
      throw;
    }
    ::setrlimit(RLIMIT_NOFILE, &original);
    if (original.rlim_max < 1300) {
      MESSAGE("hard open-file limit " << original.rlim_max << " too low for this test");
      return;
    }
    std::vector<RawSocket> silent;
    for (int i = 0; i < 1100; ++i) silent.emplace_back(server->port(), "127.0.0." + std::to_string(2 + i % 200));
    WsClient cp(server->port(), "/ocpp/CP1", {.receive_timeout_ms = 20000});
    REQUIRE(cp.connected());
    CHECK(cp.call("1", "Heartbeat", json::object())[0] == 3);
    // The station got in while the silent sockets were all still held open (their
    // handshake timeout is 30 s), not only after the server dropped the first of them to
    // make room for it.
    CHECK_FALSE(silent.front().closed_by_peer(0));
    CHECK_FALSE(silent.back().closed_by_peer(0));
  }
  SUBCASE("they are closed after OCPP_HANDSHAKE_TIMEOUT while a station connects") {
    Server server(db.url(), {{"OCPP_HANDSHAKE_TIMEOUT", "1"}, {"API_IDLE_TIMEOUT", "1"}});
    RawSocket half_open(server.port());                 // says nothing at all
    RawSocket slow(server.port());                      // sends its request one byte at a time
    RawSocket slow_rest(server.rest_port());            // a REST request head that never ends
    slow_rest.send("GET /hea");
    const std::string request = ws_upgrade_request("/ocpp/CP1");
    WsClient cp(server.port(), "/ocpp/CP1");
    REQUIRE(cp.connected());
    bool slow_closed = false;
    for (std::size_t i = 0; i < request.size() && !slow_closed; ++i) {
      try {
        slow.send(request.substr(i, 1));
      } catch (const std::exception&) {
        slow_closed = true;
      }
      slow_closed = slow_closed || slow.closed_by_peer(100);
    }
    CHECK(slow_closed);
    CHECK(half_open.closed_by_peer(15000));
    CHECK(slow_rest.closed_by_peer(15000));
    CHECK(cp.call("1", "Heartbeat", json::object())[0] == 3);
  }
}

TEST_CASE("limits: an offline transition that cannot be stored is retried until it is") {
  TempDatabase db;
  db.exec("INSERT INTO stations (id) VALUES ('CP1')");
  Server server(db.url(), {{"OCPP_OFFLINE_TIMEOUT", "2"},
                                  {"OCPP_LAST_SEEN_FLUSH_MS", "100"},
                                  {"DB_CONNECT_TIMEOUT_MS", "1000"}});
  WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  REQUIRE(cp.call("h1", "Heartbeat", json::object())[0] == 3);
  REQUIRE(wait_for(db, "SELECT status FROM stations WHERE id = 'CP1'", "online"));
  {
    DbOutage outage(db);
    // A last message once the outage has begun (whatever its answer), then silence: the
    // offline transition comes due during the outage and fails to be written, again and
    // again, until the database is back.
    cp.call("h2", "Heartbeat", json::object());
    bool failed = false;
    for (int i = 0; i < 600 && !failed; ++i) {  // generous: a loaded machine is slow
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      failed = server.log().find("storing offline transition failed") != std::string::npos;
    }
    if (!failed) {
      auto log = server.log();
      FAIL("no failed write of the offline transition in the log:\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
    }
  }
  CHECK(wait_for(db, "SELECT status FROM stations WHERE id = 'CP1'", "offline"));
  CHECK(db.scalar("SELECT count(*) FROM station_status_history WHERE station_id = 'CP1' AND status = 'offline'") ==
        "1");
}
