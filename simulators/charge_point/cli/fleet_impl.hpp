#pragma once
// What the fleet command's modes share: the fleet's state, its statistics and the small helpers
// (fleet.cpp runs the modes; fleet_storm.cpp is the reconnect storm).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include "commands.hpp"
#include "proc_stats.hpp"
#include "source_addresses.hpp"
#include "simulators/charge_point.hpp"
#include "simulators/latency.hpp"

namespace evp::sim::cli::fleet {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;


inline constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

inline asio::awaitable<void> sleep_until(Clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(tuple_awaitable);
}

struct ActionStats {
  LatencyRecorder service, corrected, second;  // `second`: this second only, for progress lines
  std::uint64_t ok = 0, failed = 0, ok_at_last_tick = 0;
};

struct Fleet {
  asio::io_context io;
  std::string mode;
  int stations = 0;
  double rate = 0;
  double duration_s = 0;
  std::string tag;
  std::string tag_prefix;  // transactions mode: each station its own tag, prefix + index
  std::string stop_log;    // transactions mode: "transaction id,unix ms of the Stop answer" per pair
  std::vector<std::pair<std::int64_t, std::int64_t>> stops;
  int server_pid = 0;
  int first_index = 1;
  std::vector<std::unique_ptr<ChargePoint>> cps;
  std::vector<bool> busy;  // transactions mode: a pair is running on the station
  std::map<std::string, ActionStats> stats;
  LatencyRecorder connect_latency, pair_corrected;
  LatencyRecorder all_corrected;  // every load call (heartbeat and mixed modes)
  std::uint64_t connect_ok = 0, connect_failed = 0, boot_not_accepted = 0, connecting = 0;
  std::uint64_t outstanding = 0, not_sent = 0, pairs_ok = 0, pairs_failed = 0;
  std::map<std::string, std::uint64_t> failure_reasons;
  bool stop = false;
  Clock::time_point started;
  // storm mode: stations [0, first_storm) heartbeat through the storm of [first_storm, size)
  int first_storm = 0;
  bool storming = false;
  Clock::time_point storm_started;
  LatencyRecorder until_accepted;  // storm start -> the station's Accepted
  std::uint64_t storm_accepted = 0, storm_pending = 0, storm_held_stations = 0, storm_connect_failures = 0,
                storm_boot_failures = 0, storm_timeouts = 0;
  Duration last_accepted{};
  std::minstd_rand random{std::random_device{}()};

  std::size_t held() const {
    std::size_t n = 0;
    for (const auto& cp : cps) n += cp && cp->connected();
    return n;
  }
  void failed(const std::string& what) {
    if (failure_reasons.size() < 20 || failure_reasons.contains(what)) ++failure_reasons[what];
  }
};

inline std::string station_id(const std::string& prefix, int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", index);
  return prefix + buf;
}

/// One Heartbeat of station i, scheduled at `scheduled` (corrected latency counts from it).
asio::awaitable<void> one_heartbeat(Fleet& f, int i, Clock::time_point scheduled);
/// The reconnect storm (fleet_storm.cpp): stations [first_storm, size) connect and boot at once.
asio::awaitable<void> storm(Fleet& f, int concurrency);
void storm_report(Fleet& f);

}  // namespace evp::sim::cli::fleet
