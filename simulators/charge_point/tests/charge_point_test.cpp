// The ChargePoint against a small in-test OCPP server over real loopback sockets.
#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "evp/testing/run.hpp"
#include "fake_central_system.hpp"
#include "simulators/charge_point.hpp"

namespace asio = boost::asio;
using evp::sim::ChargePoint;
using evp::sim::ChargePointOptions;
using evp::sim::Json;
using evp::sim::test::FakeCentralSystem;
using namespace std::chrono_literals;

namespace {

ChargePointOptions options_for(const FakeCentralSystem& cs, std::string id = "CP001") {
  ChargePointOptions o;
  o.url = cs.url();
  o.id = std::move(id);
  o.call_timeout = 5s;
  o.connect_timeout = 5s;
  o.auto_meter_values = true;
  return o;
}

// doctest's CHECK cannot hold a co_await (GCC 12: "array used as initializer").
#define CHECK_AWAITED(...)                        \
  do {                                            \
    const bool happened_ = co_await __VA_ARGS__; \
    CHECK(happened_);                             \
  } while (0)

// Payloads are parsed from text: GCC 12 rejects braced JSON with string literals inside
// coroutines ("array used as initializer").
Json j(const char* text) { return Json::parse(text); }
Json tx_payload(std::int64_t tx) { return Json{{"transactionId", tx}}; }

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

TEST_CASE("charge point: a complete local session") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    CHECK(cp.negotiated_subprotocol() == "ocpp1.6");
    auto boot = co_await cp.boot();
    CHECK(boot["status"] == "Accepted");
    CHECK(cp.registration_status() == "Accepted");
    CHECK(cp.config("HeartbeatInterval") == "300");
    co_await cp.status(1, "Available");
    auto auth = co_await cp.authorize("TAG1");
    CHECK(auth["idTagInfo"]["status"] == "Accepted");
    auto tx = co_await cp.start_transaction(1, "TAG1", 1000);
    CHECK(tx == 100);
    CHECK(cp.transactions().at(1).id == 100);
    co_await cp.meter_values(1, tx, 1500);
    co_await cp.stop_transaction(tx, 2000, "Local", "TAG1");
    CHECK(cp.transactions().empty());
    co_await cp.heartbeat();
    co_await cp.close();
    CHECK_FALSE(cp.connected());
    CHECK(cp.metrics().calls_sent.at("StartTransaction") == 1);
  }());
  REQUIRE(cs.received().size() == 7);
  const auto& start = cs.received()[3];
  CHECK(start.action == "StartTransaction");
  CHECK(start.payload["connectorId"] == 1);
  CHECK(start.payload["idTag"] == "TAG1");
  CHECK(start.payload["meterStart"] == 1000);
  const auto& mv = cs.received()[4].payload;
  CHECK(mv["transactionId"] == 100);
  CHECK(mv["meterValue"][0]["sampledValue"][0]["value"] == "1500");
  CHECK(mv["meterValue"][0]["sampledValue"][0]["unit"] == "Wh");
  const auto& stop = cs.received()[5].payload;
  CHECK(stop["meterStop"] == 2000);
  CHECK(stop["reason"] == "Local");
}

TEST_CASE("charge point: Basic auth and subprotocol are enforced at connect") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  cs.password = "secret";
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    auto wrong = options_for(cs);
    wrong.password = "nope";
    ChargePoint bad(io.get_executor(), wrong);
    int status = -1;
    try {
      co_await bad.connect();
    } catch (const evp::sim::ConnectError& e) {
      status = e.http_status();
    }
    CHECK(status == 401);

    auto no_proto = options_for(cs);
    no_proto.password = "secret";
    no_proto.subprotocols = {"ocpp2.0.1"};
    ChargePoint other(io.get_executor(), no_proto);
    bool refused = false;
    try {
      co_await other.connect();
    } catch (const evp::sim::ConnectError&) {
      refused = true;
    }
    CHECK(refused);

    auto right = options_for(cs);
    right.password = "secret";
    ChargePoint good(io.get_executor(), right);
    co_await good.connect();
    CHECK(good.connected());
    co_await good.close();
  }());
}

TEST_CASE("charge point: at most one CALL outstanding, the rest queue") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  cs.answer_delay_ms = 20;
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    int done = 0;
    for (int i = 0; i < 5; ++i)
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            co_await cp.heartbeat();
            ++done;
          },
          asio::detached);
    for (int i = 0; i < 200 && done < 5; ++i) co_await sleep_for(10ms);
    CHECK(done == 5);
    co_await cp.close();
  }());
  CHECK(cs.count("Heartbeat") == 5);
  CHECK(cs.max_in_flight() == 1);
}

TEST_CASE("charge point: CALLERROR and timeout surface as exceptions") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  cs.ignore = {"Heartbeat"};
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    auto o = options_for(cs);
    o.call_timeout = 200ms;
    ChargePoint cp(io.get_executor(), o);
    co_await cp.connect();
    std::string code;
    try {
      co_await cp.call("NoSuchAction", Json::object());
    } catch (const evp::sim::CallErrorReply& e) {
      code = e.code();
    }
    CHECK(code == "NotImplemented");
    bool timed_out = false;
    try {
      co_await cp.heartbeat();
    } catch (const evp::sim::CallTimeout&) {
      timed_out = true;
    }
    CHECK(timed_out);
    CHECK(cp.metrics().timeouts == 1);
    CHECK(cp.metrics().call_errors == 1);
    // The connection survives both.
    auto r = co_await cp.authorize("TAG");
    CHECK(r["idTagInfo"]["status"] == "Accepted");
    co_await cp.close();
  }());
}

TEST_CASE("charge point: raw frames return the server's raw reply") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    auto reply = co_await cp.send_raw("this is not json", 2s);
    REQUIRE(reply);
    CHECK(Json::parse(*reply)[2] == "FormationViolation");
    auto ok = co_await cp.send_raw(R"([2,"raw-1","Heartbeat",{}])", 2s);
    REQUIRE(ok);
    CHECK(Json::parse(*ok)[1] == "raw-1");
    co_await cp.close();
  }());
  CHECK(cs.bad_frames().size() == 1);
}

TEST_CASE("charge point: RemoteStart and RemoteStop drive a transaction like a station") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    auto cfg = co_await cs.call("ChangeConfiguration", j(R"({"key": "MeterValueSampleInterval", "value": "1"})"));
    CHECK(cfg["status"] == "Accepted");
    auto started = co_await cs.call("RemoteStartTransaction", j(R"({"connectorId": 2, "idTag": "DRIVER7"})"));
    CHECK(started["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StartTransaction", 1, 5000));
    CHECK_AWAITED(cs.wait_for("MeterValues", 1, 5000));
    REQUIRE(cp.transactions().contains(2));
    const auto tx = cp.transactions().at(2).id;
    auto busy = co_await cs.call("RemoteStartTransaction", j(R"({"connectorId": 2, "idTag": "OTHER"})"));
    CHECK(busy["status"] == "Rejected");
    auto unknown = co_await cs.call("RemoteStopTransaction", tx_payload(tx + 1000));
    CHECK(unknown["status"] == "Rejected");
    auto stopped = co_await cs.call("RemoteStopTransaction", tx_payload(tx));
    CHECK(stopped["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StopTransaction", 1, 5000));
    CHECK(cp.transactions().empty());
    co_await cp.close();
  }());
  Json start, stop, mv;
  for (const auto& r : cs.received()) {
    if (r.action == "StartTransaction") start = r.payload;
    if (r.action == "StopTransaction") stop = r.payload;
    if (r.action == "MeterValues" && mv.is_null()) mv = r.payload;
  }
  CHECK(start["connectorId"] == 2);
  CHECK(start["idTag"] == "DRIVER7");
  CHECK(mv["transactionId"] == 100);
  CHECK(stop["transactionId"] == 100);
  CHECK(stop["reason"] == "Remote");
}

TEST_CASE("charge point: configuration, trigger, data transfer and unknown actions") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    auto get = co_await cs.call("GetConfiguration", j(R"({"key": ["HeartbeatInterval", "Bogus"]})"));
    CHECK(get["configurationKey"][0]["value"] == "300");
    CHECK(get["unknownKey"][0] == "Bogus");
    auto ro = co_await cs.call("ChangeConfiguration", j(R"({"key": "NumberOfConnectors", "value": "9"})"));
    CHECK(ro["status"] == "Rejected");
    auto missing = co_await cs.call("ChangeConfiguration", j(R"({"key": "HeartbeatInterval"})"));
    CHECK(missing["error"] == "OccurenceConstraintViolation");
    auto trig = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "StatusNotification", "connectorId": 1})"));
    CHECK(trig["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StatusNotification", 1, 5000));
    auto hb = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "Heartbeat"})"));
    CHECK(hb["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("Heartbeat", 1, 5000));
    auto dt = co_await cs.call("DataTransfer", j(R"({"vendorId": "EvPower", "data": "x"})"));
    CHECK(dt["status"] == "Accepted");
    CHECK(dt["data"] == "x");
    auto dt2 = co_await cs.call("DataTransfer", j(R"({"vendorId": "Other"})"));
    CHECK(dt2["status"] == "UnknownVendorId");
    auto cc = co_await cs.call("ClearCache", Json::object());
    CHECK(cc["status"] == "Accepted");
    auto unlock = co_await cs.call("UnlockConnector", j(R"({"connectorId": 1})"));
    CHECK(unlock["status"] == "Unlocked");
    auto avail = co_await cs.call("ChangeAvailability", j(R"({"connectorId": 1, "type": "Inoperative"})"));
    CHECK(avail["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StatusNotification", 2, 5000));
    auto nope = co_await cs.call("Heartbeat", Json::object());  // not a central-system call
    CHECK(nope["error"] == "NotImplemented");
    co_await cp.close();
  }());
  CHECK(cs.received().back().payload.value("status", "") == "Unavailable");
}

TEST_CASE("charge point: Reset reconnects and boots again") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    const auto tx = co_await cp.start_transaction(1, "TAG", 0);
    auto r = co_await cs.call("Reset", j(R"({"type": "Soft"})"));
    CHECK(r["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("BootNotification", 2, 10000));
    CHECK_AWAITED(cs.wait_for("StatusNotification", 2, 10000));
    CHECK(cp.connected());
    CHECK(cp.metrics().connects == 2);
    CHECK(cp.transactions().empty());
    Json stop;
    for (const auto& x : cs.received())
      if (x.action == "StopTransaction") stop = x.payload;
    CHECK(stop["transactionId"] == tx);
    CHECK(stop["reason"] == "SoftReset");
    co_await cp.close();
  }());
  CHECK(cs.connections() == 2);
}

TEST_CASE("charge point: a silent station neither answers pings nor sends") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    co_await cs.ping();
    for (int i = 0; i < 200 && cs.pongs() < 1; ++i) co_await sleep_for(10ms);
    CHECK(cs.pongs() == 1);
    cp.set_silent(true);
    co_await cs.ping();
    co_await sleep_for(300ms);
    CHECK(cs.pongs() == 1);
    cp.set_silent(false);
    for (int i = 0; i < 200 && cs.pongs() < 2; ++i) co_await sleep_for(10ms);
    CHECK(cs.pongs() == 2);
    co_await cp.heartbeat();
    co_await cp.close();
  }());
}
