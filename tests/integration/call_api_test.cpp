// CentralSystem::call in-process: the server runs on its own io_context thread (as in
// `evpower serve`, one thread), the test plays the station over a real socket.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "charging/charging.hpp"
#include "db/testing.hpp"
#include "evp/testing/run.hpp"
#include "ocpp/central_system.hpp"
#include "support/ws_client.hpp"

using namespace evp;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct InProcessServer {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  db::Pool pool;
  charging::Service charging;
  ocpp::CentralSystem cs;
  std::thread thread;

  explicit InProcessServer(const std::string& url)
      : pool(io.get_executor(), db::Config{.url = url, .pool_size = 2}),
        charging(io.get_executor(), pool, nullptr, charging::Config{}),
        cs(io, pool, charging, nullptr, ocpp::Config{.listen_address = "127.0.0.1", .port = 0}),
        thread([this] { io.run(); }) {
    on_loop([this]() -> boost::asio::awaitable<void> {
      co_await pool.start();
      cs.start();
    });
  }
  ~InProcessServer() {
    on_loop([this]() -> boost::asio::awaitable<void> {
      co_await cs.stop();
      pool.stop();
    });
    work.reset();
    io.stop();
    thread.join();
  }
  /// Runs f() on the server's thread and waits for it (deadline: evp::testing::run_on).
  template <class F>
  void on_loop(F f) {
    evp::testing::run_on(io, f());
  }
  std::future<json> call(std::string station, std::string action, json payload, std::chrono::seconds timeout) {
    return boost::asio::co_spawn(
        io, [=, this]() { return cs.call_json(station, action, payload, timeout); }, boost::asio::use_future);
  }
  // The client's handshake returns when the 101 arrives, a moment before the server has
  // registered the connection: wait for that (bounded) before calling.
  bool wait_connected(const std::string& station) {
    for (int i = 0; i < 500; ++i) {
      bool connected = false;
      on_loop([&]() -> boost::asio::awaitable<void> {
        connected = cs.is_connected(station);
        co_return;
      });
      if (connected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::uint16_t port() {
    std::uint16_t p = 0;
    on_loop([&]() -> boost::asio::awaitable<void> {
      p = cs.port();
      co_return;
    });
    return p;
  }
};

}  // namespace

TEST_CASE("call API: RemoteStartTransaction answered by a connected station") {
  db::testing::TempDatabase tdb;
  tdb.exec("INSERT INTO stations (id) VALUES ('CP1')");
  InProcessServer server(tdb.url());
  itest::WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  REQUIRE(server.wait_connected("CP1"));

  auto result = server.call("CP1", "RemoteStartTransaction", {{"idTag", "TAG1"}, {"connectorId", 1}}, 10s);
  auto frame = cp.receive();
  REQUIRE(frame);
  auto call = json::parse(*frame);
  CHECK(call[0] == 2);
  CHECK(call[2] == "RemoteStartTransaction");
  CHECK(call[3]["idTag"] == "TAG1");
  cp.send(json::array({3, call[1], {{"status", "Accepted"}}}).dump());
  CHECK(result.get()["status"] == "Accepted");
}

TEST_CASE("call API: failures") {
  db::testing::TempDatabase tdb;
  tdb.exec("INSERT INTO stations (id) VALUES ('CP1')");
  InProcessServer server(tdb.url());
  auto reason_of = [](std::future<json>& f) {
    try {
      f.get();
    } catch (const ocpp::CallFailed& e) {
      return e.reason();
    }
    FAIL("the call did not fail");
    return ocpp::CallFailed::Reason::CallError;
  };
  SUBCASE("not connected") {
    auto f = server.call("CP1", "ClearCache", json::object(), 5s);
    CHECK(reason_of(f) == ocpp::CallFailed::Reason::NotConnected);
  }
  SUBCASE("no answer: timeout") {
    itest::WsClient cp(server.port(), "/ocpp/CP1");
    REQUIRE(cp.connected());
    REQUIRE(server.wait_connected("CP1"));
    auto f = server.call("CP1", "ClearCache", json::object(), 1s);
    CHECK(cp.receive());  // the CALL arrives; the station stays silent
    CHECK(reason_of(f) == ocpp::CallFailed::Reason::Timeout);
    // The slot is free again: the next call goes out.
    auto g = server.call("CP1", "ClearCache", json::object(), 5s);
    auto frame = cp.receive();
    REQUIRE(frame);
    cp.send(json::array({3, json::parse(*frame)[1], {{"status", "Accepted"}}}).dump());
    CHECK(g.get()["status"] == "Accepted");
  }
}

TEST_CASE("typed call API: the station's Conf, or a typed failure") {
  db::testing::TempDatabase tdb;
  tdb.exec("INSERT INTO stations (id) VALUES ('CP1')");
  InProcessServer server(tdb.url());
  itest::WsClient cp(server.port(), "/ocpp/CP1");
  REQUIRE(cp.connected());
  REQUIRE(server.wait_connected("CP1"));
  // The station answers the next CALL with `reply` (a CALLRESULT payload or a whole frame).
  auto answer = [&](const std::function<json(const json& call)>& reply) {
    auto frame = cp.receive();
    REQUIRE(frame);
    cp.send(reply(json::parse(*frame)).dump());
  };

  SUBCASE("typed request and answer") {
    auto f = boost::asio::co_spawn(
        server.io,
        [&]() -> boost::asio::awaitable<ocpp::ResetConf> {
          ocpp::ResetReq req{.type = ocpp::ResetType::Soft};
          co_return co_await server.cs.call("CP1", req, 5s);
        },
        boost::asio::use_future);
    answer([](const json& call) {
      CHECK(call[2] == "Reset");
      CHECK(call[3] == json{{"type", "Soft"}});
      return json::array({3, call[1], {{"status", "Accepted"}}});
    });
    CHECK(f.get().status == ocpp::ResetStatus::Accepted);
  }
  SUBCASE("a CALLERROR is CallFailed::CallError with the station's code") {
    auto f = boost::asio::co_spawn(
        server.io,
        [&]() -> boost::asio::awaitable<ocpp::UnlockConnectorConf> {
          ocpp::UnlockConnectorReq req{.connectorId = 1};
          co_return co_await server.cs.call("CP1", req, 5s);
        },
        boost::asio::use_future);
    answer([](const json& call) { return json::array({4, call[1], "NotSupported", "no lock", json::object()}); });
    try {
      f.get();
      FAIL("expected CallFailed");
    } catch (const ocpp::CallFailed& e) {
      CHECK(e.reason() == ocpp::CallFailed::Reason::CallError);
      CHECK(e.error_code() == "NotSupported");
    }
  }
  SUBCASE("an answer that is not a valid Conf is CallFailed::InvalidResponse") {
    auto f = boost::asio::co_spawn(
        server.io,
        [&]() -> boost::asio::awaitable<ocpp::GetLocalListVersionConf> {
          ocpp::GetLocalListVersionReq req;
          co_return co_await server.cs.call("CP1", req, 5s);
        },
        boost::asio::use_future);
    answer([](const json& call) { return json::array({3, call[1], {{"listVersion", "seven"}}}); });
    try {
      f.get();
      FAIL("expected CallFailed");
    } catch (const ocpp::CallFailed& e) {
      CHECK(e.reason() == ocpp::CallFailed::Reason::InvalidResponse);
    }
  }
}
