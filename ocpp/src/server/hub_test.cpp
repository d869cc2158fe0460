// The RPC layer with a fake connection and a fake dispatcher: framing errors, replays,
// handler failures and the call API (queueing, answers, timeouts).
#include "server/hub.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace {

using namespace evp;
using namespace evp::ocpp;
using namespace evp::ocpp::detail;
using namespace std::chrono_literals;
using nlohmann::json;

struct NullStore : StatusStore {
  asio::awaitable<void> store_transition(const std::string&, bool, common::TimePoint, common::TimePoint) override {
    co_return;
  }
  asio::awaitable<void> store_last_seen(const std::vector<std::pair<std::string, common::TimePoint>>&) override {
    co_return;
  }
  asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> load_online() override {
    co_return std::vector<std::pair<std::string, std::optional<common::TimePoint>>>{};
  }
};

struct FakeDispatcher : Dispatcher {
  int calls = 0;
  asio::awaitable<json> handle(StationContext&, const Call& call) override {
    ++calls;
    if (call.action == "Explode") throw std::runtime_error("boom");
    if (call.action == "Refuse") throw CallError(ErrorCode::PropertyConstraintViolation, "no");
    co_return json{{"n", calls}};
  }
};

struct FakeConnection : Connection {
  asio::io_context& io;
  std::vector<std::string> sent;
  FakeConnection(asio::io_context& io, std::string id) : Connection(StationContext{std::move(id)}), io(io) {}
  bool send(std::string frame) override {
    sent.push_back(std::move(frame));
    return true;
  }
  void close(std::uint16_t, std::string) override { closed_ = true; }
  asio::any_io_executor executor() override { return io.get_executor(); }
};

struct Fixture {
  asio::io_context io;
  NullStore store;
  StatusManager status{io.get_executor(), store, {}, 300s, 1s};
  FakeDispatcher* dispatcher = new FakeDispatcher;
  Hub hub{io, nullptr, std::unique_ptr<Dispatcher>(dispatcher), status, Config{}};
  std::shared_ptr<FakeConnection> conn = std::make_shared<FakeConnection>(io, "CP1");

  Fixture() { hub.on_open(conn); }
  // Runs what is ready without waiting for timers (calls wait up to their timeouts).
  void pump() {
    io.restart();
    io.poll();
  }
  void frame(std::string text) {
    if (auto work = hub.on_frame(conn, text)) asio::co_spawn(io, std::move(*work), asio::detached);
    pump();
  }
  json last() { return json::parse(conn->sent.back()); }
};

}  // namespace

TEST_CASE("hub: bad frames are answered and the connection lives on") {
  Fixture f;
  f.frame("not json");
  REQUIRE(f.conn->sent.size() == 1);
  CHECK(f.last()[0] == 4);
  CHECK(f.last()[2] == "FormationViolation");
  f.frame("[2,\"1\",\"Heartbeat\",{}]");
  REQUIRE(f.conn->sent.size() == 2);
  CHECK(f.last() == json::parse(R"([3,"1",{"n":1}])"));
  CHECK_FALSE(f.conn->closed());
}

TEST_CASE("hub: a repeated message id is answered identically without a second handler run") {
  Fixture f;
  f.frame(R"([2,"m1","Heartbeat",{}])");
  f.frame(R"([2,"m1","Heartbeat",{}])");
  REQUIRE(f.conn->sent.size() == 2);
  CHECK(f.conn->sent[0] == f.conn->sent[1]);
  CHECK(f.dispatcher->calls == 1);
  f.frame(R"([2,"m2","Heartbeat",{}])");
  CHECK(f.dispatcher->calls == 2);
}

TEST_CASE("hub: handler errors become CALLERRORs") {
  Fixture f;
  f.frame(R"([2,"a","Explode",{}])");
  CHECK(f.last() == json::parse(R"([4,"a","InternalError","internal error",{}])"));
  f.frame(R"([2,"b","Refuse",{}])");
  CHECK(f.last()[2] == "PropertyConstraintViolation");
  CHECK(f.hub.stats().call_errors_sent == 2);
}

TEST_CASE("hub: call API sends one CALL at a time and matches answers") {
  Fixture f;
  std::vector<json> results;
  auto call = [&](std::string type) -> asio::awaitable<void> {
    json payload = {{"type", type}};  // GCC 12: no braced list inside co_await
    results.push_back(co_await f.hub.call("CP1", "Reset", payload, 10s));
  };
  asio::co_spawn(f.io, call("Soft"), asio::detached);
  asio::co_spawn(f.io, call("Hard"), asio::detached);
  f.pump();
  REQUIRE(f.conn->sent.size() == 1);  // the second waits for the first
  auto first = f.last();
  CHECK(first[0] == 2);
  CHECK(first[2] == "Reset");
  CHECK(first[3]["type"] == "Soft");

  f.frame(json::array({3, first[1], {{"status", "Accepted"}}}).dump());
  REQUIRE(results.size() == 1);
  CHECK(results[0]["status"] == "Accepted");
  REQUIRE(f.conn->sent.size() == 2);
  auto second = f.last();
  CHECK(second[3]["type"] == "Hard");
  f.frame(json::array({3, second[1], {{"status", "Rejected"}}}).dump());
  REQUIRE(results.size() == 2);
  CHECK(results[1]["status"] == "Rejected");
}

TEST_CASE("hub: call API failures") {
  Fixture f;
  auto failure = [&](std::string station, std::string action, json payload,
                     std::chrono::milliseconds timeout) -> std::optional<CallFailed> {
    std::optional<CallFailed> out;
    asio::co_spawn(
        f.io,
        [&]() -> asio::awaitable<void> {
          try {
            co_await f.hub.call(station, action, payload, timeout);
          } catch (const CallFailed& e) {
            out = e;
          }
        },
        asio::detached);
    f.pump();
    return out;
  };
  auto e = failure("NOPE", "Reset", json{{"type", "Soft"}}, 1s);
  REQUIRE(e);
  CHECK(e->reason() == CallFailed::Reason::NotConnected);

  e = failure("CP1", "Reset", json{{"type", "Sideways"}}, 1s);
  REQUIRE(e);
  CHECK(e->reason() == CallFailed::Reason::CallError);
}

TEST_CASE("hub: invalid CALLRESULTs and CALLERRORs fail the call") {
  Fixture f;
  std::vector<CallFailed> got;
  auto call = [&]() -> asio::awaitable<void> {
    json payload = {{"type", "Soft"}};
    try {
      co_await f.hub.call("CP1", "Reset", payload, 10s);
    } catch (const CallFailed& ex) {
      got.push_back(ex);
    }
  };
  asio::co_spawn(f.io, call, asio::detached);
  asio::co_spawn(f.io, call, asio::detached);
  f.pump();
  f.frame(json::array({3, f.last()[1], {{"status", "Maybe"}}}).dump());  // not a valid Reset.conf
  f.frame(json::array({4, f.last()[1], "NotSupported", "nope", json::object()}).dump());
  REQUIRE(got.size() == 2);
  CHECK(got[0].reason() == CallFailed::Reason::InvalidResponse);
  CHECK(got[1].reason() == CallFailed::Reason::CallError);
  CHECK(got[1].error_code() == "NotSupported");
}

TEST_CASE("hub: an unanswered call times out and frees the slot") {
  Fixture f;
  std::optional<CallFailed::Reason> reason;
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await f.hub.call("CP1", "ClearCache", json::object(), 20ms);
        } catch (const CallFailed& e) {
          reason = e.reason();
        }
      },
      asio::detached);
  f.io.run();
  f.io.restart();
  REQUIRE(reason);
  CHECK(*reason == CallFailed::Reason::Timeout);
  CHECK(f.conn->call_busy == false);
}

TEST_CASE("hub: a reconnect replaces the old connection and fails its pending call") {
  Fixture f;
  std::optional<CallFailed::Reason> reason;
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await f.hub.call("CP1", "ClearCache", json::object(), 10s);
        } catch (const CallFailed& e) {
          reason = e.reason();
        }
      },
      asio::detached);
  f.pump();
  auto fresh = std::make_shared<FakeConnection>(f.io, "CP1");
  f.hub.on_open(fresh);
  f.io.run();
  f.io.restart();
  CHECK(f.conn->closed());
  REQUIRE(reason);
  CHECK(*reason == CallFailed::Reason::Closed);
  CHECK(f.hub.find("CP1") == fresh);
  CHECK(f.hub.connected_count() == 1);
  f.hub.on_close(f.conn);  // the old one ending does not unregister the new one
  CHECK(f.hub.find("CP1") == fresh);
}
