// LiveEvents: numbering, listeners coming and going, the history a resuming stream gets.
#include "ocpp/live_events.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using evp::ocpp::LiveEvent;
using evp::ocpp::LiveEvents;

TEST_CASE("live events: nothing is kept or numbered while nobody listens") {
  LiveEvents live(4);
  CHECK_FALSE(live.listening());
  live.publish("station", {{"station_id", "A"}});
  CHECK(live.last_id() == 0);
  CHECK(live.since(0).empty());
}

TEST_CASE("live events: every listener gets each event once, numbered, stamped, in order") {
  LiveEvents live(3);
  std::vector<LiveEvent> a, b;
  auto sa = live.subscribe([&](const LiveEvent& e) { a.push_back(e); });
  {
    auto sb = live.subscribe([&](const LiveEvent& e) { b.push_back(e); });
    CHECK(live.listening());
    live.publish("connector", {{"connector_id", 1}});
    live.publish("session", {{"at", "fixed"}});
  }  // b unsubscribed
  live.publish("fault", {{"kind", "connector_error"}});
  REQUIRE(a.size() == 3);
  REQUIRE(b.size() == 2);
  CHECK(a[0].id == 1);
  CHECK(a[2].id == 3);
  CHECK(a[1].type == "session");
  CHECK(nlohmann::json::parse(a[0].data).contains("at"));
  CHECK(nlohmann::json::parse(a[1].data)["at"] == "fixed");  // a given time is kept
  CHECK(b[1].data == a[1].data);

  // History: the last 3, after a given id.
  live.publish("station", {{"n", 4}});
  const auto kept = live.since(0);
  REQUIRE(kept.size() == 3);
  CHECK(kept.front().id == 2);
  CHECK(live.since(3).size() == 1);
  CHECK(live.since(4).empty());

  // A subscription outliving the LiveEvents is harmless.
  auto late = std::make_unique<LiveEvents>();
  auto s = late->subscribe([](const LiveEvent&) {});
  late.reset();
}

TEST_CASE("live events: a listener may drop another one while an event is handed out") {
  LiveEvents live;
  LiveEvents::Subscription second;
  int first_calls = 0, second_calls = 0;
  auto first = live.subscribe([&](const LiveEvent&) {
    ++first_calls;
    second = LiveEvents::Subscription();  // unsubscribes the second listener
  });
  second = live.subscribe([&](const LiveEvent&) { ++second_calls; });
  live.publish("station", nlohmann::json::object());
  live.publish("station", nlohmann::json::object());
  CHECK(first_calls == 2);
  CHECK(second_calls == 0);
}
