// Unit tests of the transport's pure parts: write queue bound, replay cache, handshake parsing.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "common/base64.hpp"
#include "server/handshake.hpp"
#include "server/replay_cache.hpp"
#include "server/write_queue.hpp"

using namespace evp::ocpp::detail;

TEST_CASE("write queue refuses frames beyond its limit") {
  WriteQueue q(3);
  CHECK(q.push("a"));
  CHECK(q.push("b"));
  CHECK(q.push("c"));
  CHECK_FALSE(q.push("d"));
  CHECK(q.size() == 3);
  CHECK(q.front() == "a");
  q.pop();
  CHECK(q.push("d"));
  CHECK_FALSE(q.push("e"));
}

namespace {
const ReplayCache::Digest kHeartbeat = ReplayCache::digest("Heartbeat", nlohmann::json::object());
}  // namespace

TEST_CASE("replay cache returns stored answers and forgets the oldest") {
  boost::asio::io_context io;
  ReplayCache cache(2);
  CHECK(std::holds_alternative<std::monostate>(cache.find("1", kHeartbeat)));
  auto p1 = cache.begin("1", kHeartbeat, io.get_executor());
  CHECK(std::holds_alternative<std::shared_ptr<ReplayCache::Pending>>(cache.find("1", kHeartbeat)));
  cache.complete(p1, "[3,\"1\",{}]", true);
  REQUIRE(std::holds_alternative<std::string>(cache.find("1", kHeartbeat)));
  CHECK(std::get<std::string>(cache.find("1", kHeartbeat)) == "[3,\"1\",{}]");

  cache.complete(cache.begin("2", kHeartbeat, io.get_executor()), "two", true);
  cache.complete(cache.begin("3", kHeartbeat, io.get_executor()), "three", true);
  CHECK(std::holds_alternative<std::monostate>(cache.find("1", kHeartbeat)));
  CHECK(std::get<std::string>(cache.find("2", kHeartbeat)) == "two");
  CHECK(std::get<std::string>(cache.find("3", kHeartbeat)) == "three");
  CHECK(cache.size() == 2);
}

TEST_CASE("replay cache: a full ring replaces the oldest, and a dropped entry keeps the age order") {
  boost::asio::io_context io;
  ReplayCache cache(3);
  auto put = [&](const char* id, bool keep = true) {
    cache.complete(cache.begin(id, kHeartbeat, io.get_executor()), id, keep);
  };
  auto held = [&](const char* id) { return std::holds_alternative<std::string>(cache.find(id, kHeartbeat)); };
  for (const char* id : {"1", "2", "3", "4", "5"}) put(id);
  CHECK_FALSE(held("1"));
  CHECK_FALSE(held("2"));
  CHECK((held("3") && held("4") && held("5")));
  // A transient failure in the middle of the ring is removed; the rest keep their age order.
  auto pending = cache.begin("6", kHeartbeat, io.get_executor());  // replaces 3
  CHECK_FALSE(held("3"));
  cache.complete(pending, "six", false);
  CHECK(cache.size() == 2);
  put("7");  // room again: nothing evicted
  CHECK((held("4") && held("5") && held("7")));
  put("8");  // evicts 4, the oldest
  CHECK_FALSE(held("4"));
  CHECK((held("5") && held("7") && held("8")));
}

TEST_CASE("replay cache: the same id with another action or payload is another call") {
  boost::asio::io_context io;
  ReplayCache cache;
  const auto boot = ReplayCache::digest("BootNotification", {{"chargePointVendor", "V"}, {"chargePointModel", "M"}});
  cache.complete(cache.begin("1", boot, io.get_executor()), "boot answer", true);
  CHECK(std::holds_alternative<std::monostate>(cache.find("1", kHeartbeat)));
  CHECK(std::holds_alternative<std::monostate>(cache.find(
      "1", ReplayCache::digest("BootNotification", {{"chargePointVendor", "V"}, {"chargePointModel", "N"}}))));
  // Member order does not matter: the payload is compared in canonical form.
  CHECK(std::get<std::string>(cache.find(
            "1", ReplayCache::digest("BootNotification",
                                     nlohmann::json::parse(R"({"chargePointModel":"M","chargePointVendor":"V"})")))) ==
        "boot answer");
  CHECK(ReplayCache::digest("A", nlohmann::json::parse(R"({"x":1})")) !=
        ReplayCache::digest("A{", nlohmann::json::parse(R"({"x":1})")));
}

TEST_CASE("replay cache: an answer not kept is forgotten, its waiters still get it") {
  boost::asio::io_context io;
  ReplayCache cache;
  auto pending = cache.begin("9", kHeartbeat, io.get_executor());
  cache.complete(pending, "internal error", false);
  CHECK(pending->answer == "internal error");
  CHECK(std::holds_alternative<std::monostate>(cache.find("9", kHeartbeat)));
  CHECK(cache.size() == 0);
}

TEST_CASE("replay cache: a repeat of a call still in progress waits for its answer") {
  boost::asio::io_context io;
  ReplayCache cache;
  auto pending = cache.begin("42", kHeartbeat, io.get_executor());
  std::string got;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        got = co_await ReplayCache::wait(std::get<std::shared_ptr<ReplayCache::Pending>>(cache.find("42", kHeartbeat)));
      },
      boost::asio::detached);
  io.poll();
  CHECK(got.empty());  // still waiting
  cache.complete(pending, "answer", true);
  io.run();
  CHECK(got == "answer");
}

TEST_CASE("handshake: request target") {
  CHECK(check_target("/ocpp/CP-1").station_id == "CP-1");
  CHECK(check_target("/ocpp/CP%201?x=1").station_id == "CP 1");
  CHECK(check_target("/ocpp/").status == 404);
  CHECK(check_target("/other/CP1").status == 404);
  CHECK(check_target("/ocpp/a/b").status == 404);
  CHECK(check_target("/ocpp/bad%zz").status == 400);
  CHECK(check_target("/ocpp/bad%2").status == 400);
  CHECK(check_target("/ocpp/" + std::string(48, 'x')).status == 0);
  CHECK(check_target("/ocpp/" + std::string(49, 'x')).status == 400);
  CHECK(check_target("/ocpp/a%0Ab").status == 400);
  CHECK(check_target("/ocpp/%FF").status == 400);
  CHECK(check_target("/ocpp/CP%C3%28").status == 400);
  CHECK(check_target("/ocpp/%D0%A1%D1%82").station_id == "\xd0\xa1\xd1\x82");
}

TEST_CASE("handshake: subprotocol offer") {
  CHECK(offers_subprotocol("ocpp1.6"));
  CHECK(offers_subprotocol("ocpp2.0.1, ocpp1.6"));
  CHECK(offers_subprotocol(" ocpp1.6 ,ocpp2.0"));
  CHECK_FALSE(offers_subprotocol(""));
  CHECK_FALSE(offers_subprotocol("ocpp1.5"));
  CHECK_FALSE(offers_subprotocol("ocpp1.6j"));
}

TEST_CASE("handshake: Basic credentials") {
  auto c = parse_basic_auth("Basic " + evp::common::base64_encode(evp::common::as_bytes("CP1:pa:ss")));
  REQUIRE(c);
  CHECK(c->user == "CP1");
  CHECK(c->password == "pa:ss");
  CHECK_FALSE(parse_basic_auth(""));
  CHECK_FALSE(parse_basic_auth("Bearer abc"));
  CHECK_FALSE(parse_basic_auth("Basic !!!"));
  CHECK_FALSE(parse_basic_auth("Basic " + evp::common::base64_encode(evp::common::as_bytes("nocolon"))));
}
