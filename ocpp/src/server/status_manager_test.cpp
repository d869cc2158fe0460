#include "server/status_manager.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace {

using namespace evp;
using namespace std::chrono_literals;
using ocpp::detail::StatusManager;
using ocpp::detail::StatusStore;

struct FakeStore : StatusStore {
  std::vector<std::tuple<std::string, bool, common::TimePoint>> transitions;
  std::vector<std::vector<std::pair<std::string, common::TimePoint>>> batches;
  std::vector<std::pair<std::string, std::optional<common::TimePoint>>> online_at_start;

  boost::asio::awaitable<void> store_transition(const std::string& id, bool online, common::TimePoint,
                                                common::TimePoint last_seen) override {
    transitions.emplace_back(id, online, last_seen);
    co_return;
  }
  boost::asio::awaitable<void> store_last_seen(
      const std::vector<std::pair<std::string, common::TimePoint>>& batch) override {
    batches.push_back(batch);
    co_return;
  }
  boost::asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> load_online() override {
    co_return online_at_start;
  }
};

struct Fixture {
  boost::asio::io_context io;
  FakeStore store;
  common::TimePoint now = common::TimePoint(std::chrono::seconds(1'700'000'000));
  std::vector<std::pair<std::string, common::TimePoint>> offline_events;
  std::vector<std::string> online_events;
  std::unique_ptr<StatusManager> manager;

  Fixture() {
    ocpp::Events events;
    events.station_offline = [this](const std::string& id, common::TimePoint t) { offline_events.emplace_back(id, t); };
    events.station_online = [this](const std::string& id) { online_events.push_back(id); };
    manager = std::make_unique<StatusManager>(io.get_executor(), store, events, 300s, 1s, [this] { return now; });
    run(manager->start(false));
  }
  void run(boost::asio::awaitable<void> task) {
    boost::asio::co_spawn(io, std::move(task), boost::asio::detached);
    io.run();
    io.restart();
  }
  void advance(std::chrono::milliseconds d) {
    now += d;
    manager->process_due();
    run(manager->flush());
  }
};

}  // namespace

TEST_CASE("status manager: offline exactly after the timeout, online again on a message") {
  Fixture f;
  f.manager->seen("CP1");
  f.run(f.manager->flush());
  CHECK(f.manager->is_online("CP1"));
  REQUIRE(f.online_events == std::vector<std::string>{"CP1"});
  const auto last = f.now;

  f.advance(300s - 1ms);
  CHECK(f.manager->is_online("CP1"));
  CHECK(f.offline_events.empty());

  f.advance(1ms);
  CHECK_FALSE(f.manager->is_online("CP1"));
  REQUIRE(f.offline_events.size() == 1);
  CHECK(f.offline_events[0].first == "CP1");
  CHECK(f.offline_events[0].second == last);  // the event carries the last-seen time

  // Further silence raises nothing more: one event per offline episode.
  f.advance(3000s);
  CHECK(f.offline_events.size() == 1);

  f.manager->seen("CP1");
  f.run(f.manager->flush());
  CHECK(f.manager->is_online("CP1"));
  CHECK(f.online_events.size() == 2);
  REQUIRE(f.store.transitions.size() == 3);
  CHECK(std::get<1>(f.store.transitions[0]) == true);
  CHECK(std::get<1>(f.store.transitions[1]) == false);
  CHECK(std::get<1>(f.store.transitions[2]) == true);
}

TEST_CASE("status manager: a station that keeps talking never goes offline") {
  Fixture f;
  for (int i = 0; i < 100; ++i) {
    f.manager->seen("CP1");
    f.advance(200s);
  }
  CHECK(f.manager->is_online("CP1"));
  CHECK(f.offline_events.empty());
}

TEST_CASE("status manager: messages cost no heap work; work follows the stations falling due") {
  Fixture f;
  const int stations = 10'000;
  for (int i = 0; i < stations; ++i) f.manager->seen("CP" + std::to_string(i));
  CHECK(f.manager->heap_operations() == stations);  // one push each

  // Many messages from every station: no heap work at all (seen() only stamps the time).
  for (int round = 0; round < 5; ++round) {
    f.now += 10s;
    for (int i = 0; i < stations; ++i) f.manager->seen("CP" + std::to_string(i));
  }
  CHECK(f.manager->heap_operations() == stations);

  // Nothing due yet: processing touches nothing.
  f.advance(100s);
  CHECK(f.manager->heap_operations() == stations);

  // Only CP0 falls silent; when the first deadlines come due each station costs one pop
  // and (if it talked) one re-arm - never a scan per tick.
  f.now += 150s;  // t = 300s since the first seen
  for (int i = 1; i < stations; ++i) f.manager->seen("CP" + std::to_string(i));
  f.advance(50s);  // t = 350: the original deadlines (t = 300) are due
  // N pops, N - 1 re-arms (CP0 last talked at t = 50: due at t = 350, now, so offline).
  CHECK(f.manager->heap_operations() == stations + stations + (stations - 1));
  REQUIRE(f.offline_events.size() == 1);
  CHECK(f.offline_events[0].first == "CP0");

  // Until the next deadlines (t = 600) nothing is touched, however often we look.
  const auto ops = f.manager->heap_operations();
  for (int i = 0; i < 100; ++i) f.advance(2s);
  CHECK(f.manager->heap_operations() == ops);
}

TEST_CASE("status manager: last-seen times reach the store in one batch per flush") {
  Fixture f;
  for (int i = 0; i < 50; ++i) f.manager->seen("CP" + std::to_string(i % 10));
  f.run(f.manager->flush());
  REQUIRE(f.store.batches.size() == 1);
  CHECK(f.store.batches[0].size() == 10);
  f.run(f.manager->flush());
  CHECK(f.store.batches.size() == 1);  // nothing dirty: no statement
}

TEST_CASE("status manager: stations online in the database go offline after the timeout unless they connect") {
  Fixture f0;  // only for its clock base
  boost::asio::io_context io;
  FakeStore store;
  auto now = f0.now;
  const auto db_last_seen = now - 1000s;
  store.online_at_start = {{"OLD", db_last_seen}, {"BACK", std::nullopt}};
  std::vector<std::pair<std::string, common::TimePoint>> offline;
  ocpp::Events events;
  events.station_offline = [&](const std::string& id, common::TimePoint t) { offline.emplace_back(id, t); };
  StatusManager m(io.get_executor(), store, events, 300s, 1s, [&] { return now; });
  auto run = [&](boost::asio::awaitable<void> t) {
    boost::asio::co_spawn(io, std::move(t), boost::asio::detached);
    io.run();
    io.restart();
  };
  run(m.start(false));
  CHECK(m.is_online("OLD"));
  now += 100s;
  m.seen("BACK");
  now += 200s;
  m.process_due();
  run(m.flush());
  CHECK_FALSE(m.is_online("OLD"));
  CHECK(m.is_online("BACK"));
  REQUIRE(offline.size() == 1);
  CHECK(offline[0].first == "OLD");
  CHECK(offline[0].second == db_last_seen);
}
