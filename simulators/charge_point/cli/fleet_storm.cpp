// `evp-cp-sim fleet --mode storm`: a reconnect storm, as when a network outage ends.
#include "fleet_impl.hpp"

namespace evp::sim::cli::fleet {

asio::awaitable<void> storm_station(Fleet& f, int i, Clock::time_point deadline) {
  auto& cp = *f.cps[i];
  bool held_once = false;
  std::uniform_int_distribution<int> backoff_ms(500, 1500);
  while (!f.stop && Clock::now() < deadline) {
    bool back_off = false;  // no co_await in a catch handler
    if (!cp.connected()) {
      try {
        co_await cp.connect();
      } catch (const std::exception& e) {
        // A real station tries again after a while; so does this one.
        ++f.storm_connect_failures;
        f.failed(std::string("storm connect: ") + e.what());
        back_off = true;
      }
    }
    std::string status;
    int interval = 0;
    if (!back_off) {
      try {
        auto conf = co_await cp.boot();
        status = conf.value("status", "");
        interval = conf.value("interval", 0);
      } catch (const CallTimeout& e) {
        ++f.storm_timeouts;
        f.failed(std::string("storm boot: ") + e.what());
        continue;
      } catch (const std::exception& e) {
        ++f.storm_boot_failures;
        f.failed(std::string("storm boot: ") + e.what());
        back_off = true;
      }
    }
    if (back_off) {
      co_await sleep_until(Clock::now() + std::chrono::milliseconds(backoff_ms(f.random)));
      continue;
    }
    if (status == "Accepted") {
      const auto took = Clock::now() - f.storm_started;
      f.until_accepted.add(took);
      f.last_accepted = std::max(f.last_accepted, std::chrono::duration_cast<Duration>(took));
      ++f.storm_accepted;
      co_return;
    }
    // Pending (or Rejected): OCPP 1.6 says boot again after the interval given.
    ++f.storm_pending;
    if (!held_once) ++f.storm_held_stations;
    held_once = true;
    co_await sleep_until(Clock::now() + std::chrono::seconds(std::max(interval, 1)));
  }
}

// Heartbeats of the already connected group, open loop at `f.rate` per second.
asio::awaitable<void> storm_heartbeats(Fleet& f) {
  const auto t0 = Clock::now();
  std::uint64_t issued = 0;
  int next = 0;
  while (!f.stop && f.storming) {
    const auto now = Clock::now();
    const auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - t0).count() * f.rate);
    for (; issued < due; ++issued) {
      const auto scheduled = t0 + std::chrono::nanoseconds(static_cast<long>(issued * 1e9 / f.rate));
      const int i = next;
      next = (next + 1) % f.first_storm;
      if (!f.cps[i]->connected() || f.outstanding >= static_cast<std::uint64_t>(f.first_storm) * 4) {
        ++f.not_sent;
        continue;
      }
      asio::co_spawn(f.io, one_heartbeat(f, i, scheduled), asio::detached);
    }
    co_await sleep_until(now + 1ms);
  }
}

asio::awaitable<void> storm(Fleet& f, int concurrency) {
  const int storm_size = static_cast<int>(f.cps.size()) - f.first_storm;
  f.storming = true;
  if (f.first_storm > 0) {
    f.stats.erase("Heartbeat");
    asio::co_spawn(f.io, storm_heartbeats(f), asio::detached);
    co_await sleep_until(Clock::now() + 1s);  // heartbeats before the storm, for comparison
  }
  std::printf("storm: %d stations connect and boot at once (at most %d connecting)\n", storm_size, concurrency);
  std::fflush(stdout);
  f.storm_started = Clock::now();
  const auto deadline = f.storm_started + std::chrono::milliseconds(static_cast<long>(f.duration_s * 1000));
  int running = 0;
  for (int i = f.first_storm; i < static_cast<int>(f.cps.size()) && !f.stop; ++i) {
    while (running >= concurrency && !f.stop) co_await sleep_until(Clock::now() + 1ms);
    ++running;
    asio::co_spawn(f.io, storm_station(f, i, deadline), [&running](std::exception_ptr) { --running; });
  }
  while (running > 0) co_await sleep_until(Clock::now() + 10ms);
  co_await sleep_until(Clock::now() + 1s);  // heartbeats after the storm too
  f.storming = false;
  const auto drain_until = Clock::now() + 35s;
  while (f.outstanding > 0 && Clock::now() < drain_until) co_await sleep_until(Clock::now() + 10ms);
}

void storm_report(Fleet& f) {
  const int storm_size = static_cast<int>(f.cps.size()) - f.first_storm;
  std::printf("\n== evp-cp-sim fleet: mode storm, %d stations at once", storm_size);
  if (f.first_storm) std::printf(", %d connected stations heartbeating at %.0f/s", f.first_storm, f.rate);
  std::printf("\nstorm: %llu/%d Accepted; all Accepted after %s\n", static_cast<unsigned long long>(f.storm_accepted),
              storm_size,
              f.storm_accepted == static_cast<std::uint64_t>(storm_size)
                  ? (std::to_string(std::chrono::duration<double>(f.last_accepted).count()).substr(0, 6) + " s").c_str()
                  : "(not all: deadline)");
  std::printf("  time until Accepted            %s\n", f.until_accepted.summary().c_str());
  std::printf("  answered Pending: %llu times, %llu stations; boot timeouts %llu, boot errors %llu, connect "
              "failures %llu\n",
              static_cast<unsigned long long>(f.storm_pending), static_cast<unsigned long long>(f.storm_held_stations),
              static_cast<unsigned long long>(f.storm_timeouts), static_cast<unsigned long long>(f.storm_boot_failures),
              static_cast<unsigned long long>(f.storm_connect_failures));
  if (auto it = f.stats.find("BootNotification"); it != f.stats.end())
    std::printf("  BootNotification service (send -> CALLRESULT) %s\n", it->second.service.summary().c_str());
  if (auto it = f.stats.find("Heartbeat"); it != f.stats.end() && f.first_storm)
    std::printf("heartbeats of connected stations during the storm: %llu ok, %llu failed\n"
                "  corrected (scheduled -> result) %s\n",
                static_cast<unsigned long long>(it->second.ok), static_cast<unsigned long long>(it->second.failed),
                it->second.corrected.summary().c_str());
  if (f.server_pid) {
    if (auto rss = rss_kib(f.server_pid)) std::printf("server RSS at the end: %ld KiB\n", *rss);
  }
  for (const auto& [what, n] : f.failure_reasons)
    std::printf("failure x%llu: %s\n", (unsigned long long)n, what.c_str());
  std::fflush(stdout);
}

// --- progress and report

}  // namespace evp::sim::cli::fleet
