// The hub's replay rules with a fake dispatcher: only the same CALL again is a repeat, and
// a transient failure is never the answer to later repeats.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "server/hub.hpp"

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

// Fails the first `failures` calls of action Flaky (as a lost database would), then works.
struct FlakyDispatcher : Dispatcher {
  int calls = 0;
  int failures = 1;
  asio::awaitable<json> handle(StationContext&, const Call& call) override {
    ++calls;
    if (call.action == "Flaky" && failures > 0) {
      --failures;
      throw std::runtime_error("database unavailable");
    }
    if (call.action == "FlakyCallError" && failures > 0) {
      --failures;
      throw CallError(ErrorCode::InternalError, "try again");
    }
    co_return json{{"action", call.action}, {"n", calls}};
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
  FlakyDispatcher* dispatcher = new FlakyDispatcher;
  Hub hub{io, nullptr, std::unique_ptr<Dispatcher>(dispatcher), status, Config{}};
  std::shared_ptr<FakeConnection> conn = std::make_shared<FakeConnection>(io, "CP1");

  Fixture() { hub.on_open(conn); }
  json frame(const std::string& text, std::shared_ptr<FakeConnection> on = nullptr) {
    if (!on) on = conn;
    if (auto work = hub.on_frame(on, text)) asio::co_spawn(io, std::move(*work), asio::detached);
    io.run();
    io.restart();
    return json::parse(on->sent.back());
  }
};

}  // namespace

TEST_CASE("hub: a reused message id with another action or payload runs the handler") {
  Fixture f;
  auto boot = f.frame(R"([2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}])");
  CHECK(boot[2]["action"] == "BootNotification");
  auto heartbeat = f.frame(R"([2,"1","Heartbeat",{}])");
  CHECK(heartbeat == json::parse(R"([3,"1",{"action":"Heartbeat","n":2}])"));
  auto other = f.frame(R"([2,"1","Heartbeat",{"x":1}])");
  CHECK(other[2]["n"] == 3);
  CHECK(f.dispatcher->calls == 3);
  // The exact same CALL again, even on a new connection, is a repeat.
  auto fresh = std::make_shared<FakeConnection>(f.io, "CP1");
  f.hub.on_open(fresh);
  CHECK(f.frame(R"([2,"1","Heartbeat",{}])", fresh) == heartbeat);
  CHECK(f.dispatcher->calls == 3);
  CHECK(f.hub.stats().replays == 1);
}

TEST_CASE("hub: an InternalError is not replayed; the retry runs the handler") {
  Fixture f;
  auto failed = f.frame(R"([2,"7","Flaky",{}])");
  CHECK(failed[2] == "InternalError");
  auto retried = f.frame(R"([2,"7","Flaky",{}])");
  CHECK(retried[0] == 3);
  CHECK(f.dispatcher->calls == 2);
  // Once it worked, that answer is the one repeats get.
  CHECK(f.frame(R"([2,"7","Flaky",{}])") == retried);
  CHECK(f.dispatcher->calls == 2);

  f.dispatcher->failures = 1;
  CHECK(f.frame(R"([2,"8","FlakyCallError",{}])")[2] == "InternalError");
  CHECK(f.frame(R"([2,"8","FlakyCallError",{}])")[0] == 3);
}
