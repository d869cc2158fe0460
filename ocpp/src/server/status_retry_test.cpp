// Transitions the store cannot write are kept and retried, in order, with their events
// raised only once stored.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <stdexcept>

#include "server/status_manager.hpp"

namespace {

using namespace evp;
using namespace std::chrono_literals;
using ocpp::detail::StatusManager;
using ocpp::detail::StatusStore;

struct FailingStore : StatusStore {
  bool down = false;
  int attempts = 0;
  std::vector<std::pair<std::string, bool>> stored;
  boost::asio::awaitable<void> store_transition(const std::string& id, bool online, common::TimePoint,
                                                common::TimePoint) override {
    ++attempts;
    if (down) throw std::runtime_error("database unavailable");
    stored.emplace_back(id, online);
    co_return;
  }
  boost::asio::awaitable<void> store_last_seen(const std::vector<std::pair<std::string, common::TimePoint>>&) override {
    if (down) throw std::runtime_error("database unavailable");
    co_return;
  }
  boost::asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> load_online() override {
    co_return std::vector<std::pair<std::string, std::optional<common::TimePoint>>>{};
  }
};

void run(boost::asio::io_context& io, boost::asio::awaitable<void> task) {
  boost::asio::co_spawn(io, std::move(task), boost::asio::detached);
  io.run();
  io.restart();
}

}  // namespace

TEST_CASE("status manager: an offline transition is retried until stored, then announced") {
  boost::asio::io_context io;
  FailingStore store;
  common::TimePoint now(std::chrono::seconds(1'700'000'000));
  int offline_events = 0;
  ocpp::Events events;
  events.station_offline = [&](const std::string&, common::TimePoint) { ++offline_events; };
  StatusManager manager(io.get_executor(), store, events, 300s, 1s, [&] { return now; });
  run(io, manager.start(false));
  manager.seen("CP1");
  run(io, manager.flush());
  REQUIRE(store.stored.size() == 1);

  store.down = true;
  now += 301s;
  manager.process_due();
  for (int i = 0; i < 3; ++i) run(io, manager.flush());
  CHECK(store.attempts == 4);
  CHECK(manager.pending_transitions() == 1);
  CHECK(offline_events == 0);  // not announced before it is stored
  manager.seen("CP1");         // back online meanwhile: queued behind the offline one
  CHECK(manager.pending_transitions() == 2);

  store.down = false;
  run(io, manager.flush());
  CHECK(manager.pending_transitions() == 0);
  REQUIRE(store.stored.size() == 3);
  CHECK(store.stored[1] == std::make_pair(std::string("CP1"), false));
  CHECK(store.stored[2] == std::make_pair(std::string("CP1"), true));
  CHECK(offline_events == 1);
}
