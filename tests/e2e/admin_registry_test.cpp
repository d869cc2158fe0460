// The operators' registry and live events against the real server and simulated stations:
// owners, locations, stations, connectors and drivers through the management API; station
// passwords as a station's WebSocket handshake then meets them; and the event stream as the
// console reads it (chunked Server-Sent Events over a plain socket), including a reader
// that stops reading.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "driver_steps.hpp"
#include "stack.hpp"
#include "station.hpp"

using namespace evp::e2e;
using namespace std::chrono_literals;
namespace http = boost::beast::http;

namespace {

HttpResponse patch(Stack& s, const std::string& target, const Json& body, const std::string& token) {
  return s.request(http::verb::patch, target, body.dump(),
                   {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
}
HttpResponse del(Stack& s, const std::string& target, const std::string& token) {
  return s.request(http::verb::delete_, target, "", {{"Authorization", "Bearer " + token}});
}

struct SseEvent {
  std::string id, type;
  Json data;
};

// GET /api/v1/admin/stream on its own socket, read on the test thread: the head, then the
// chunked body cut into events. Blocking reads with a deadline (poll), nothing on the loop.
class SseClient {
 public:
  /// `receive_buffer` > 0: a small socket buffer, for a reader that falls behind quickly.
  SseClient(std::uint16_t port, const std::string& token, const std::string& extra_headers = {},
            int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    const std::string req = "GET /api/v1/admin/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                            (token.empty() ? std::string() : "Authorization: Bearer " + token + "\r\n") +
                            extra_headers + "\r\n";
    (void)::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
    while (raw_.find("\r\n\r\n") == std::string::npos)
      if (!fill(10s)) break;
    const auto end = raw_.find("\r\n\r\n");
    head_ = raw_.substr(0, end == std::string::npos ? raw_.size() : end);
    raw_.erase(0, end == std::string::npos ? raw_.size() : end + 4);
    status_ = head_.size() > 12 ? std::stoi(head_.substr(9, 3)) : 0;
  }
  ~SseClient() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int status() const { return status_; }
  const std::string& head() const { return head_; }
  bool ended() const { return ended_; }
  const std::string& text() const { return text_; }  ///< the decoded body so far

  /// The next event of `type` for which `match` holds (others are skipped), within `limit`.
  std::optional<SseEvent> next(const std::string& type, const std::function<bool(const Json&)>& match,
                               std::chrono::milliseconds limit = 20s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      while (auto e = pop()) {
        seen_.push_back(*e);
        if (e->type == type && match(e->data)) return e;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left <= 0ms || !fill(left)) return std::nullopt;
    }
  }
  /// The same, also among the events already read past (events of different sources may
  /// arrive in either order).
  std::optional<SseEvent> any(const std::string& type, const std::function<bool(const Json&)>& match,
                              std::chrono::milliseconds limit = 20s) {
    for (const auto& e : seen_)
      if (e.type == type && match(e.data)) return e;
    return next(type, match, limit);
  }
  /// Reads until the server ends the body (last chunk) or closes, within `limit`.
  bool wait_end(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!ended_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left <= 0ms || !fill(left)) break;
    }
    return ended_;
  }
  const std::vector<SseEvent>& seen() const { return seen_; }

 private:
  // One read (after poll); decodes what is complete of the chunked body into text_.
  bool fill(std::chrono::milliseconds limit) {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      ended_ = true;
      return false;
    }
    raw_.append(buf, static_cast<std::size_t>(n));
    if (status_ != 0) decode();
    return true;
  }
  void decode() {
    for (;;) {
      const auto eol = raw_.find("\r\n");
      if (eol == std::string::npos) return;
      const auto size = std::stoul(raw_.substr(0, eol), nullptr, 16);
      if (size == 0) {
        ended_ = true;
        return;
      }
      if (raw_.size() < eol + 2 + size + 2) return;
      text_ += raw_.substr(eol + 2, size);
      pending_ += raw_.substr(eol + 2, size);
      raw_.erase(0, eol + 2 + size + 2);
    }
  }
  std::optional<SseEvent> pop() {
    if (!raw_.empty() && status_ != 0) decode();
    for (;;) {
      const auto end = pending_.find("\n\n");
      if (end == std::string::npos) return std::nullopt;
      const std::string block = pending_.substr(0, end);
      pending_.erase(0, end + 2);
      SseEvent e;
      std::size_t i = 0;
      while (i < block.size()) {
        auto j = block.find('\n', i);
        if (j == std::string::npos) j = block.size();
        const std::string line = block.substr(i, j - i);
        i = j + 1;
        if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
        if (line.rfind("event: ", 0) == 0) e.type = line.substr(7);
        if (line.rfind("data: ", 0) == 0) e.data = Json::parse(line.substr(6), nullptr, false);
      }
      if (!e.type.empty()) return e;  // comments and retry: skipped
    }
  }

  int fd_ = -1;
  int status_ = 0;
  bool ended_ = false;
  std::string raw_, head_, text_, pending_;
  std::vector<SseEvent> seen_;
};

struct Operators {
  std::string op, driver, owner;
  std::string op_token, driver_token, owner_token;
};

Operators operators(Stack& s) {
  Operators o;
  o.op = random_uuid();
  REQUIRE(s.cli({"operator", "add", o.op}).first == 0);
  o.driver = s.add_client("Driver");
  o.owner = s.add_owner("Owner");
  o.op_token = s.token(o.op);
  o.driver_token = s.token(o.driver);
  o.owner_token = s.token(o.owner);
  return o;
}

// A simulated station's handshake alone: 0 when it got in, else the HTTP status refused with.
int handshake(Stack& s, const std::string& id, const std::string& password) {
  auto o = station_options(s, id);
  o.password = password;
  evp::sim::ChargePoint cp(s.loop().executor(), o);
  try {
    s.loop().run(cp.connect());
  } catch (const evp::sim::ConnectError& e) {
    return e.http_status();
  }
  s.loop().run(cp.close());
  return 0;
}

}  // namespace

TEST_CASE("registry: owners, locations, stations, connectors and drivers, operators only") {
  StackOptions so;
  so.push = false;
  Stack s(so);
  INFO(s.logs());
  const Operators u = operators(s);
  const std::string owner_id = random_uuid();

  SUBCASE("drivers and owners are refused everywhere") {
    const char* gets[] = {"/api/v1/admin/owners", "/api/v1/admin/locations", "/api/v1/admin/clients",
                          "/api/v1/admin/clients/00000000-0000-4000-8000-000000000000",
                          "/api/v1/admin/stations/X/connectors"};
    for (const char* target : gets) {
      CAPTURE(target);
      CHECK(s.get(target, "").status == 401);
      CHECK(s.get(target, u.driver_token).status == 403);
      CHECK(s.get(target, u.owner_token).status == 403);
    }
    for (const auto* t : {&u.driver_token, &u.owner_token}) {
      CHECK(s.post("/api/v1/admin/owners", Json{{"user_id", owner_id}, {"name", "X"}}, *t).status == 403);
      CHECK(s.post("/api/v1/admin/stations", Json{{"id", "NOPE"}}, *t).status == 403);
      CHECK(s.post("/api/v1/admin/stations/NOPE/password", Json::object(), *t).status == 403);
      CHECK(del(s, "/api/v1/admin/stations/NOPE/password", *t).status == 403);
      CHECK(patch(s, "/api/v1/admin/stations/NOPE/connectors/1", Json{{"max_power_w", 1}}, *t).status == 403);
      SseClient sse(s.rest_port(), *t);
      CHECK(sse.status() == 403);
    }
    CHECK(s.db().scalar("SELECT count(*) FROM owners") == "1");
    CHECK(s.db().scalar("SELECT count(*) FROM stations") == "0");
  }

  SUBCASE("owners and locations") {
    auto r = s.post("/api/v1/admin/owners", Json{{"user_id", owner_id}, {"name", "Азамат"}, {"phone", "+996555"}},
                    u.op_token);
    INFO(r.body);
    REQUIRE(r.status == 201);
    CHECK(r.json()["data"].value("id", "") == owner_id);
    CHECK(r.json()["data"]["email"].is_null());
    // Duplicates and bad bodies, each with its reason.
    r = s.post("/api/v1/admin/owners", Json{{"user_id", owner_id}, {"name", "Again"}}, u.op_token);
    CHECK(r.status == 409);
    CHECK(error_code(r) == "owner_exists");
    r = s.post("/api/v1/admin/owners", Json{{"user_id", "not-a-uuid"}, {"name", "X"}}, u.op_token);
    CHECK(r.status == 400);
    CHECK(error_message(r).find("user_id") != std::string::npos);
    CHECK(s.post("/api/v1/admin/owners", Json{{"user_id", random_uuid()}}, u.op_token).status == 400);

    r = patch(s, "/api/v1/admin/owners/" + owner_id, Json{{"email", "a@owner.kg"}, {"phone", nullptr}}, u.op_token);
    REQUIRE(r.status == 200);
    CHECK(r.json()["data"].value("email", "") == "a@owner.kg");
    CHECK(r.json()["data"]["phone"].is_null());
    CHECK(r.json()["data"].value("name", "") == "Азамат");  // left out: kept
    CHECK(error_code(patch(s, "/api/v1/admin/owners/" + random_uuid(), Json{{"name", "X"}}, u.op_token)) ==
          "owner_not_found");
    CHECK(patch(s, "/api/v1/admin/owners/" + owner_id, Json{{"name", nullptr}}, u.op_token).status == 400);

    // Locations of that owner, with coordinates as numbers.
    r = s.post("/api/v1/admin/locations",
               Json{{"owner_id", owner_id}, {"name", "Ала-Тоо"}, {"address", "Бишкек"}, {"latitude", 42.874621},
                    {"longitude", "74.569762"}},
               u.op_token);
    INFO(r.body);
    REQUIRE(r.status == 201);
    const std::string loc = r.json()["data"].value("id", "");
    CHECK(r.json()["data"]["latitude"] == Json(42.874621));
    CHECK(r.json()["data"].value("owner_id", "") == owner_id);
    r = s.post("/api/v1/admin/locations", Json{{"owner_id", random_uuid()}, {"name", "X"}, {"address", "Y"}},
               u.op_token);
    CHECK(r.status == 404);
    CHECK(error_code(r) == "owner_not_found");
    r = s.post("/api/v1/admin/locations",
               Json{{"owner_id", owner_id}, {"name", "X"}, {"address", "Y"}, {"latitude", 91}, {"longitude", 0}},
               u.op_token);
    CHECK(r.status == 400);
    CHECK(error_message(r).find("latitude") != std::string::npos);
    CHECK(s.post("/api/v1/admin/locations", Json{{"owner_id", owner_id}, {"name", "X"}}, u.op_token).status == 400);

    r = patch(s, "/api/v1/admin/locations/" + loc, Json{{"name", "Ала-Too 2"}, {"latitude", nullptr}}, u.op_token);
    REQUIRE(r.status == 200);
    CHECK(r.json()["data"].value("name", "") == "Ала-Too 2");
    CHECK(r.json()["data"]["latitude"].is_null());
    CHECK(r.json()["data"]["longitude"] == Json(74.569762));
    CHECK(s.get("/api/v1/admin/locations/" + random_uuid(), u.op_token).status == 404);
    CHECK(s.get("/api/v1/admin/locations/" + loc, u.op_token).json()["data"].value("address", "") == "Бишкек");

    // Lists: the owner with its location, filter by owner.
    const Json owners = s.get("/api/v1/admin/owners", u.op_token).json()["data"];
    CHECK(owners["items"].size() == 2);
    const Json one = s.get("/api/v1/admin/owners/" + owner_id, u.op_token).json()["data"];
    CHECK(one.value("location_count", 0) == 1);
    CHECK(one["locations"].size() == 1);
    CHECK(s.get("/api/v1/admin/locations?owner_id=" + owner_id, u.op_token).json()["data"]["items"].size() == 1);
    CHECK(s.get("/api/v1/admin/locations?owner_id=" + u.owner, u.op_token).json()["data"]["items"].empty());
    CHECK(s.get("/api/v1/admin/locations?owner_id=x", u.op_token).status == 400);
    // The CLI sees what the API saved (one registry).
    const auto listed = s.cli({"location", "list", "--owner", owner_id});
    CHECK(listed.first == 0);
    CHECK(listed.second.find("Ала-Too 2") != std::string::npos);
  }

  SUBCASE("stations and connectors") {
    const auto loc = s.add_location(u.owner, "Ош");
    auto r = s.post("/api/v1/admin/stations",
                    Json{{"id", "REG-1"}, {"display_name", "Парк"}, {"location_id", loc}, {"price_per_kwh", "12.50"}},
                    u.op_token);
    INFO(r.body);
    REQUIRE(r.status == 201);
    Json st = r.json()["data"];
    CHECK(st.value("price_per_kwh", "") == "12.50");
    CHECK(st.value("location_id", "") == loc);
    CHECK_FALSE(st.value("password_set", true));
    CHECK_FALSE(st.value("connected", true));
    CHECK(error_code(s.post("/api/v1/admin/stations", Json{{"id", "REG-1"}}, u.op_token)) == "station_exists");
    CHECK(s.post("/api/v1/admin/stations", Json{{"id", "bad/id"}}, u.op_token).status == 400);
    CHECK(s.post("/api/v1/admin/stations", Json{{"id", "REG-2"}, {"price_per_kwh", "1.234"}}, u.op_token).status ==
          400);
    r = s.post("/api/v1/admin/stations", Json{{"id", "REG-2"}, {"location_id", random_uuid()}}, u.op_token);
    CHECK(r.status == 404);
    CHECK(error_code(r) == "location_not_found");

    r = patch(s, "/api/v1/admin/stations/REG-1", Json{{"price_per_kwh", 9.5}, {"location_id", nullptr}}, u.op_token);
    REQUIRE(r.status == 200);
    st = r.json()["data"];
    CHECK(st.value("price_per_kwh", "") == "9.50");
    CHECK(st["location_id"].is_null());
    CHECK(st.value("name", "") == "Парк");
    CHECK(error_code(patch(s, "/api/v1/admin/stations/NOPE", Json{{"display_name", "X"}}, u.op_token)) ==
          "station_not_found");
    // The driver's view and the CLI read the same row.
    CHECK(s.db().scalar("SELECT price_per_kwh::text FROM stations WHERE id = 'REG-1'") == "9.50");

    // Connectors: configurable before the station ever reported them; the station's status
    // does not overwrite what the operator set.
    r = patch(s, "/api/v1/admin/stations/REG-1/connectors/1", Json{{"max_power_w", 22000}, {"connector_type", "Type2"}},
              u.op_token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json()["data"].value("max_power_w", 0) == 22000);
    CHECK(patch(s, "/api/v1/admin/stations/REG-1/connectors/0", Json{{"max_power_w", 1}}, u.op_token).status == 404);
    CHECK(patch(s, "/api/v1/admin/stations/REG-1/connectors/1", Json{{"max_power_w", 0}}, u.op_token).status == 400);
    CHECK(patch(s, "/api/v1/admin/stations/NOPE/connectors/1", Json{{"max_power_w", 5}}, u.op_token).status == 404);
    Station sim(s.loop(), station_options(s, "REG-1"));
    sim.start();
    REQUIRE(wait_until([&] {
      const Json list = s.get("/api/v1/admin/stations/REG-1/connectors", u.op_token).json()["data"];
      return list.size() == 3 && list[1].value("status", "") == "Available";
    }));
    const Json list = s.get("/api/v1/admin/stations/REG-1/connectors", u.op_token).json()["data"];
    CHECK(list[1].value("max_power_w", 0) == 22000);
    CHECK(list[1].value("connector_type", "") == "Type2");
    CHECK(list[2]["max_power_w"].is_null());
    CHECK(s.get("/api/v1/admin/stations/NOPE/connectors", u.op_token).status == 404);
  }

  SUBCASE("drivers: search and detail") {
    const auto other = s.add_client("Бакыт", "25.00");
    s.db().exec("UPDATE clients SET phone = '+996700123456' WHERE id = " + sql_quote(other));
    REQUIRE(s.put("/api/v1/admin/idtags/CARD-77", Json{{"client_id", other}}, u.op_token).status == 200);
    REQUIRE(s.post("/api/v1/admin/clients/" + other + "/adjustments",
                   Json{{"id", "adj-1"}, {"amount", "5.00"}, {"reason", "welcome"}}, u.op_token)
                .status == 201);
    auto r = s.get("/api/v1/admin/clients?q=700123", u.op_token);
    REQUIRE(r.status == 200);
    Json page = r.json()["data"];
    REQUIRE(page["items"].size() == 1);
    CHECK(page["items"][0].value("id", "") == other);
    CHECK(page.value("total", 0) == 1);
    CHECK(s.get("/api/v1/admin/clients?q=" + other, u.op_token).json()["data"]["items"].size() == 1);
    CHECK(s.get("/api/v1/admin/clients?q=%25", u.op_token).json()["data"]["items"].empty());  // literal, no wildcard
    CHECK(s.get("/api/v1/admin/clients?limit=1", u.op_token).json()["data"].value("total", 0) == 2);

    r = s.get("/api/v1/admin/clients/" + other, u.op_token);
    REQUIRE(r.status == 200);
    const Json c = r.json()["data"];
    CHECK(c.value("balance", "") == "30.00");
    CHECK(c.value("available", "") == "30.00");
    REQUIRE(c["ledger"].size() == 1);
    CHECK(c["ledger"][0].value("kind", "") == "adjustment");
    REQUIRE(c["id_tags"].size() == 1);
    CHECK(c["id_tags"][0].value("id_tag", "") == "CARD-77");
    CHECK(error_code(s.get("/api/v1/admin/clients/" + random_uuid(), u.op_token)) == "client_not_found");
    CHECK(s.get("/api/v1/admin/clients/xyz", u.op_token).status == 404);
  }
}

TEST_CASE("station passwords: set, rotate and remove, as a station's handshake meets them") {
  StackOptions so;
  so.push = false;
  Stack s(so);
  INFO(s.logs());
  const Operators u = operators(s);
  REQUIRE(s.post("/api/v1/admin/stations", Json{{"id", "PW-1"}}, u.op_token).status == 201);
  CHECK(handshake(s, "PW-1", "") == 0);

  // Set: only that password gets in.
  const std::string chosen = "Operator-Chosen-Pass.1";
  auto r = s.post("/api/v1/admin/stations/PW-1/password", Json{{"password", chosen}}, u.op_token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["data"].value("password_set", false));
  CHECK_FALSE(r.json()["data"].contains("password"));
  CHECK(handshake(s, "PW-1", "") == 401);
  CHECK(handshake(s, "PW-1", "wrong-password-0000") == 401);
  CHECK(handshake(s, "PW-1", chosen) == 0);
  CHECK(s.get("/api/v1/admin/stations/PW-1", u.op_token).json()["data"].value("password_set", false));
  // Too short, outside the alphabet, unknown station.
  CHECK(s.post("/api/v1/admin/stations/PW-1/password", Json{{"password", "short"}}, u.op_token).status == 400);
  CHECK(s.post("/api/v1/admin/stations/PW-1/password", Json{{"password", "sixteen chars with space"}}, u.op_token)
            .status == 400);
  CHECK(error_code(s.post("/api/v1/admin/stations/NOPE/password", Json{{"password", chosen}}, u.op_token)) ==
        "station_not_found");

  // Rotate: an empty body generates one, shown once; the old one no longer works.
  r = s.request(http::verb::post, "/api/v1/admin/stations/PW-1/password", "", {{"Authorization", "Bearer " + u.op_token}});
  REQUIRE(r.status == 200);
  const std::string generated = r.json()["data"].value("password", "");
  CHECK(r.json()["data"].value("generated", false));
  CHECK(generated.size() == 20);
  CHECK(handshake(s, "PW-1", chosen) == 401);
  CHECK(handshake(s, "PW-1", generated) == 0);
  CHECK(s.db().scalar("SELECT count(*) FROM stations WHERE password_hash LIKE '$2a$08$%'") == "1");  // bcrypt, 8

  // Remove: no password needed any more.
  r = del(s, "/api/v1/admin/stations/PW-1/password", u.op_token);
  REQUIRE(r.status == 200);
  CHECK_FALSE(r.json()["data"].value("password_set", true));
  CHECK(handshake(s, "PW-1", "") == 0);
  CHECK(del(s, "/api/v1/admin/stations/NOPE/password", u.op_token).status == 404);
}

TEST_CASE("live events: stations, connectors, sessions and faults as they happen; a slow reader is dropped") {
  StackOptions so;
  so.push = false;
  so.env["API_MAX_STREAMS"] = "3";
  so.env["API_STREAM_QUEUE"] = "8";
  so.env["API_STREAM_KEEPALIVE"] = "1";
  Stack s(so);
  INFO(s.logs());
  const Operators u = operators(s);
  const auto loc = s.add_location(u.owner, "Ош");
  s.add_station("LIVE-1", "Живая", "12.00", loc);
  REQUIRE(s.put("/api/v1/admin/idtags/CARD-LIVE", Json{{"client_id", u.driver}}, u.op_token).status == 200);
  REQUIRE(s.post("/api/v1/admin/clients/" + u.driver + "/adjustments",
                 Json{{"id", "live-top-up"}, {"amount", "100.00"}, {"reason", "test"}}, u.op_token)
              .status == 201);

  SseClient sse(s.rest_port(), u.op_token);
  REQUIRE(sse.status() == 200);
  INFO(sse.head());
  CHECK(sse.head().find("text/event-stream") != std::string::npos);
  CHECK(sse.head().find("chunked") != std::string::npos);

  Station st(s.loop(), station_options(s, "LIVE-1"));
  st.start();
  auto connected = sse.next("station", [](const Json& d) { return d.value("change", "") == "connected"; });
  REQUIRE(connected);
  CHECK(connected->data.value("station_id", "") == "LIVE-1");
  CHECK(sse.next("station", [](const Json& d) {
    return d.value("change", "") == "boot" && d.value("registration_status", "") == "Accepted";
  }));
  CHECK(sse.next("connector", [](const Json& d) {
    return d.value("connector_id", -1) == 1 && d.value("status", "") == "Available";
  }));

  SUBCASE("a transaction, a fault and a disconnect") {
    const auto tx = st.start_local(1, "CARD-LIVE", 1000);
    auto started = sse.next("session", [](const Json& d) { return d.value("change", "") == "started"; });
    REQUIRE(started);
    CHECK(started->data.value("transaction_id", 0) == tx);
    CHECK(started->data.value("client_id", "") == u.driver);
    CHECK(sse.any("connector", [](const Json& d) { return d.value("status", "") == "Charging"; }));
    st.stop_local(1, 3500);
    auto done = sse.next("session", [](const Json& d) { return d.value("change", "") == "completed"; });
    REQUIRE(done);
    CHECK(done->data.value("energy_wh", 0) == 2500);
    CHECK(done->data.value("energy_kwh", "") == "2.500");
    CHECK(done->data.value("amount", "") == "30.00");
    CHECK(done->data.value("billing", "") == "charged");

    st.status(2, "Faulted", "GroundFailure", "E-42");
    auto fault = sse.next("fault", [](const Json& d) { return d.value("kind", "") == "connector_error"; });
    REQUIRE(fault);
    CHECK(fault->data.value("error_code", "") == "GroundFailure");
    CHECK(fault->data.value("vendor_error_code", "") == "E-42");

    // Ids grow one by one; every event carries its time.
    std::uint64_t last = 0;
    for (const auto& e : sse.seen()) {
      CAPTURE(e.id);
      CHECK(std::stoull(e.id) > last);
      last = std::stoull(e.id);
      CHECK(e.data.contains("at"));
    }
    // Resuming after an id replays what came after it.
    SseClient again(s.rest_port(), u.op_token, "Last-Event-ID: " + done->id + "\r\n");
    REQUIRE(again.status() == 200);
    CHECK(again.next("fault", [](const Json& d) { return d.value("kind", "") == "connector_error"; }, 5s));

    st.power_cycle();
    CHECK(sse.next("station", [](const Json& d) { return d.value("change", "") == "disconnected"; }));
    // An idle stream still shows signs of life (API_STREAM_KEEPALIVE is 1 s here).
    (void)sse.next("none", [](const Json&) { return false; }, 2500ms);
    CHECK(sse.text().find(": keep-alive") != std::string::npos);
  }

  SUBCASE("a reader that stops reading is disconnected; the others and the server carry on") {
    // This client never reads (and has a small socket buffer): once 8 events wait for it,
    // the server drops it.
    SseClient stuck(s.rest_port(), u.op_token, {}, 4096);
    REQUIRE(stuck.status() == 200);
    {
      SseClient third(s.rest_port(), u.op_token);
      REQUIRE(third.status() == 200);
      SseClient fourth(s.rest_port(), u.op_token);  // over API_MAX_STREAMS
      CHECK(fourth.status() == 503);
      CHECK(fourth.head().find("Retry-After") != std::string::npos);
    }
    // A reader that hangs up frees its place.
    CHECK(wait_until([&] {
      SseClient next(s.rest_port(), u.op_token);
      return next.status() == 200;
    }));
    // Large events (50-character vendor error codes) in batches; the console's stream keeps
    // reading between them, the stuck one does not.
    for (int i = 0; i < 1500; ++i) {
      st.status(2, i % 2 ? "Available" : "Unavailable", "NoError", std::string(50, static_cast<char>('a' + i % 26)));
      if (i % 50 == 49) (void)sse.next("none", [](const Json&) { return false; }, 50ms);
    }
    CHECK(stuck.wait_end(30s));
    CHECK(s.get("/health", "").status == 200);
    st.status(1, "Unavailable");
    CHECK(sse.next("connector", [](const Json& d) {
      return d.value("connector_id", 0) == 1 && d.value("status", "") == "Unavailable";
    }));
    CHECK_FALSE(sse.ended());
  }

  SUBCASE("streams end cleanly when the server stops") {
    const int rc = s.server().stop();
    CHECK(rc == 0);
    CHECK(sse.wait_end(5s));
    CHECK(sse.text().find("server closing the stream") != std::string::npos);
  }
}
