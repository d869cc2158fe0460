// `evp-cp-sim fleet`: N stations from one process, the project's benchmark.
//
// Latency is measured per CALL from the moment its frame is queued for writing to the
// moment the matching CALLRESULT is read ("service" latency). Load is open-loop: requests
// are scheduled at fixed times from the target rate, and a second figure ("corrected")
// is measured from the scheduled time, so a stalled server cannot hide its stall by
// slowing the generator down (coordinated omission).
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

#include "fleet_impl.hpp"

namespace evp::sim::cli {

using namespace fleet;

namespace fleet {

// --- ramp-up: connections at a bounded rate and concurrency

asio::awaitable<void> bring_up(Fleet& f, int i) {
  auto& cp = *f.cps[i];
  ++f.connecting;
  const auto t0 = Clock::now();
  try {
    co_await cp.connect();
    f.connect_latency.add(Clock::now() - t0);
    auto boot = co_await cp.boot();
    if (boot.value("status", "") != "Accepted") ++f.boot_not_accepted;
    if (f.mode == "transactions" || f.mode == "mixed") co_await cp.status(1, "Available");
    ++f.connect_ok;
  } catch (const std::exception& e) {
    ++f.connect_failed;
    f.failed(std::string("bring-up: ") + e.what());
  }
  --f.connecting;
}

asio::awaitable<void> ramp(Fleet& f, double per_second, int concurrency, int count) {
  const auto t0 = Clock::now();
  for (int i = 0; i < count && !f.stop; ++i) {
    co_await sleep_until(t0 + std::chrono::microseconds(static_cast<long>(i * 1e6 / per_second)));
    while (f.connecting >= static_cast<std::uint64_t>(concurrency) && !f.stop) co_await sleep_until(Clock::now() + 1ms);
    asio::co_spawn(f.io, bring_up(f, i), asio::detached);
  }
  while (f.connecting > 0) co_await sleep_until(Clock::now() + 10ms);
}

// --- load: open-loop schedule

asio::awaitable<void> one_heartbeat(Fleet& f, int i, Clock::time_point scheduled) {
  ++f.outstanding;
  try {
    co_await f.cps[i]->heartbeat();
    const auto latency = Clock::now() - scheduled;
    f.stats["Heartbeat"].corrected.add(latency);
    f.all_corrected.add(latency);
  } catch (const std::exception& e) {
    f.failed(e.what());
  }
  --f.outstanding;
}

// Mixed load: a StatusNotification Available/NoError, as stations send on every connector
// change (the rest of the mixed load is heartbeats).
asio::awaitable<void> one_status(Fleet& f, int i, Clock::time_point scheduled) {
  ++f.outstanding;
  try {
    co_await f.cps[i]->status(1, "Available");
    const auto latency = Clock::now() - scheduled;
    f.stats["StatusNotification"].corrected.add(latency);
    f.all_corrected.add(latency);
  } catch (const std::exception& e) {
    f.failed(e.what());
  }
  --f.outstanding;
}

asio::awaitable<void> one_pair(Fleet& f, int i, Clock::time_point scheduled, std::int64_t meter) {
  ++f.outstanding;
  f.busy[i] = true;
  auto& cp = *f.cps[i];
  const std::string tag = f.tag_prefix.empty() ? f.tag : station_id(f.tag_prefix, f.first_index + i);
  try {
    const auto started = Clock::now();
    const auto tx = co_await cp.start_transaction(1, tag, meter);
    f.stats["StartTransaction"].corrected.add(Clock::now() - scheduled);
    const auto stopping = Clock::now();
    co_await cp.stop_transaction(tx, meter + 1000, "Local", tag);
    f.stats["StopTransaction"].corrected.add(Clock::now() - stopping);
    if (!f.stop_log.empty()) {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      f.stops.emplace_back(tx, std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    }
    f.pair_corrected.add(Clock::now() - scheduled);
    ++f.pairs_ok;
    (void)started;
  } catch (const std::exception& e) {
    ++f.pairs_failed;
    f.failed(e.what());
  }
  f.busy[i] = false;
  --f.outstanding;
}

asio::awaitable<void> generate(Fleet& f) {
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::milliseconds(static_cast<long>(f.duration_s * 1000));
  // Bound on work in flight: past it the generator records "not sent" instead of queueing
  // without limit (the server is not keeping up; the report says so).
  const std::uint64_t max_outstanding = static_cast<std::uint64_t>(f.stations) * 4;
  std::uint64_t issued = 0;
  int next = 0;
  std::int64_t meter = 0;
  while (!f.stop) {
    const auto now = Clock::now();
    if (now >= end) break;
    const auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - t0).count() * f.rate);
    for (; issued < due; ++issued) {
      const auto scheduled = t0 + std::chrono::nanoseconds(static_cast<long>(issued * 1e9 / f.rate));
      int picked = -1;
      for (int tries = 0; tries < f.stations; ++tries) {
        const int i = next;
        next = (next + 1) % f.stations;
        if (!f.cps[i]->connected()) continue;
        if (f.mode == "transactions" && f.busy[i]) continue;
        picked = i;
        break;
      }
      if (picked < 0 || f.outstanding >= max_outstanding) {
        ++f.not_sent;
        continue;
      }
      if (f.mode == "heartbeat" || (f.mode == "mixed" && issued % 5 != 4)) {
        asio::co_spawn(f.io, one_heartbeat(f, picked, scheduled), asio::detached);
      } else if (f.mode == "mixed") {
        asio::co_spawn(f.io, one_status(f, picked, scheduled), asio::detached);
      } else {
        meter += 10;
        asio::co_spawn(f.io, one_pair(f, picked, scheduled, meter), asio::detached);
      }
    }
    co_await sleep_until(now + 1ms);
  }
}

// --- storm: every station connects and boots at once, as after a network outage

void print_progress(Fleet& f, double t) {
  std::printf("t=%6.1fs held %6zu/%zu", t, f.held(), f.cps.size());
  if (f.mode == "storm")
    std::printf(" | storm Accepted %llu, Pending answers %llu", static_cast<unsigned long long>(f.storm_accepted),
                static_cast<unsigned long long>(f.storm_pending));
  if (f.connecting) std::printf(" (connecting %llu)", static_cast<unsigned long long>(f.connecting));
  for (auto& [action, s] : f.stats) {
    if (action == "BootNotification" || action == "StatusNotification") continue;
    const auto per_s = s.ok - s.ok_at_last_tick;
    s.ok_at_last_tick = s.ok;
    std::printf(" | %s %llu/s p99 %.2f ms", action.c_str(), static_cast<unsigned long long>(per_s),
                s.second.percentile_ms(99));
    s.second = LatencyRecorder();
  }
  std::uint64_t failures = f.connect_failed;
  for (const auto& [action, s] : f.stats) failures += s.failed;
  std::printf(" | in flight %llu, not sent %llu, failed %llu", static_cast<unsigned long long>(f.outstanding),
              static_cast<unsigned long long>(f.not_sent), static_cast<unsigned long long>(failures));
  if (f.server_pid) {
    if (auto rss = rss_kib(f.server_pid)) std::printf(" | server RSS %ld KiB", *rss);
  }
  std::printf("\n");
  std::fflush(stdout);
}

asio::awaitable<void> progress(Fleet& f) {
  auto next = Clock::now() + 1s;
  while (!f.stop) {
    co_await sleep_until(next);
    next += 1s;
    if (f.stop) break;
    print_progress(f, std::chrono::duration<double>(Clock::now() - f.started).count());
  }
}

void report(Fleet& f, double measured_s, std::optional<long> rss_before, std::optional<long> rss_after,
            std::optional<CpuSplit> server_cpu, double client_cpu) {
  std::printf("\n== evp-cp-sim fleet: mode %s, %d stations, measured %.1f s", f.mode.c_str(), f.stations, measured_s);
  if (f.mode != "idle") std::printf(", target %.0f/s", f.rate);
  std::printf("\nconnections: %llu up, %llu failed, %llu boots not Accepted; held at end: %zu\n",
              static_cast<unsigned long long>(f.connect_ok), static_cast<unsigned long long>(f.connect_failed),
              static_cast<unsigned long long>(f.boot_not_accepted), f.held());
  std::printf("  handshake (TCP+WebSocket)       %s\n", f.connect_latency.summary().c_str());
  for (auto& [action, s] : f.stats) {
    std::printf("%s: %llu ok, %llu failed", action.c_str(), static_cast<unsigned long long>(s.ok),
                static_cast<unsigned long long>(s.failed));
    const bool load = action == "Heartbeat" || action == "StartTransaction" || action == "StopTransaction" ||
                      (action == "StatusNotification" && f.mode == "mixed");
    if (load && f.mode != "idle") std::printf(", %.0f/s", s.ok / measured_s);
    std::printf("\n  service   (send -> CALLRESULT)  %s\n", s.service.summary().c_str());
    if (s.corrected.count()) std::printf("  corrected (scheduled -> result) %s\n", s.corrected.summary().c_str());
  }
  if (f.mode == "transactions") {
    std::printf("transaction pairs: %llu ok, %llu failed, %.0f pairs/s\n", static_cast<unsigned long long>(f.pairs_ok),
                static_cast<unsigned long long>(f.pairs_failed), f.pairs_ok / measured_s);
    std::printf("  pair      (scheduled -> Stop result) %s\n", f.pair_corrected.summary().c_str());
  }
  if (f.mode != "idle")
    std::printf("not sent (no free station or %d x 4 in flight): %llu\n", f.stations,
                static_cast<unsigned long long>(f.not_sent));
  if (rss_before && rss_after && f.mode == "idle") {
    const auto held = std::max<std::size_t>(f.held(), 1);
    std::printf("server RSS: %ld KiB before, %ld KiB with %zu stations held -> %.1f KiB per connection\n", *rss_before,
                *rss_after, f.held(), static_cast<double>(*rss_after - *rss_before) / static_cast<double>(held));
  }
  if (server_cpu) {
    const double total = server_cpu->user + server_cpu->kernel;
    std::printf("server CPU during the run: %.1f s (%.0f%% of one core): user %.1f s, kernel %.1f s\n", total,
                100 * total / measured_s, server_cpu->user, server_cpu->kernel);
    std::uint64_t calls = 0;
    for (const auto& [action, s] : f.stats) calls += s.ok;
    if (calls > 0)
      std::printf("server CPU per call: %.1f us (user %.1f us, kernel %.1f us) over %llu calls\n", 1e6 * total / calls,
                  1e6 * server_cpu->user / calls, 1e6 * server_cpu->kernel / calls,
                  static_cast<unsigned long long>(calls));
  }
  if (f.all_corrected.count()) std::printf("all calls (scheduled -> result) %s\n", f.all_corrected.summary().c_str());
  if (rss_after && f.mode != "idle") std::printf("server RSS at the end: %ld KiB\n", *rss_after);
  std::printf("client CPU during the run: %.1f s (%.0f%% of one core; the client shares the machine)\n", client_cpu,
              100 * client_cpu / measured_s);
  for (const auto& [what, n] : f.failure_reasons)
    std::printf("failure x%llu: %s\n", (unsigned long long)n, what.c_str());
  std::fflush(stdout);
}

asio::awaitable<int> run(Fleet& f, double ramp_rate, int concurrency) {
  f.started = Clock::now();
  const auto rss_before = f.server_pid ? rss_kib(f.server_pid) : std::nullopt;
  asio::co_spawn(f.io, progress(f), asio::detached);
  if (f.mode == "storm") {
    if (f.first_storm > 0) {
      std::printf("connecting %d stations that heartbeat through the storm\n", f.first_storm);
      co_await ramp(f, ramp_rate, 200, f.first_storm);
      f.stats.erase("BootNotification");  // the storm's boots are what the report shows
    }
    co_await storm(f, concurrency);
    f.stop = true;
    storm_report(f);
    for (auto& cp : f.cps)
      if (cp->connected()) co_await cp->close();
    const auto storm_size = static_cast<std::uint64_t>(f.cps.size()) - static_cast<std::uint64_t>(f.first_storm);
    co_return f.storm_accepted == storm_size && f.connect_failed == 0 ? 0 : 1;
  }
  std::printf("ramping up %d stations at %.0f/s (at most %d handshakes at once)\n", f.stations, ramp_rate, concurrency);
  co_await ramp(f, ramp_rate, concurrency, f.stations);
  const double ramp_s = std::chrono::duration<double>(Clock::now() - f.started).count();
  std::printf("ramp-up done in %.1f s: %llu up, %llu failed\n", ramp_s, static_cast<unsigned long long>(f.connect_ok),
              static_cast<unsigned long long>(f.connect_failed));
  // Only the load phase counts in throughput figures.
  for (auto& [action, s] : f.stats) s.ok_at_last_tick = s.ok;
  std::map<std::string, std::uint64_t> ok_before;
  for (auto& [action, s] : f.stats) ok_before[action] = s.ok;
  const double cpu0 = own_cpu_seconds();
  const auto server_cpu0 = f.server_pid ? cpu_split(f.server_pid) : std::nullopt;
  const auto t0 = Clock::now();
  if (f.mode == "idle") {
    co_await sleep_until(t0 + std::chrono::milliseconds(static_cast<long>(f.duration_s * 1000)));
  } else {
    // Ramp-up messages (boot, status) are not part of the measured figures.
    f.stats.erase("BootNotification");
    f.stats.erase("StatusNotification");
    co_await generate(f);
    const auto drain_until = Clock::now() + 35s;
    while (f.outstanding > 0 && Clock::now() < drain_until) co_await sleep_until(Clock::now() + 10ms);
  }
  const double measured = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto rss_after = f.server_pid ? rss_kib(f.server_pid) : std::nullopt;
  std::optional<CpuSplit> server_cpu;
  if (server_cpu0) {
    if (auto c = cpu_split(f.server_pid))
      server_cpu = CpuSplit{c->user - server_cpu0->user, c->kernel - server_cpu0->kernel};
  }
  const double client_cpu = own_cpu_seconds() - cpu0;
  f.stop = true;
  const double effective = f.mode == "idle" ? measured : f.duration_s;
  report(f, effective, rss_before, rss_after, server_cpu, client_cpu);
  if (!f.stop_log.empty()) {
    if (std::FILE* out = std::fopen(f.stop_log.c_str(), "w")) {
      for (const auto& [tx, ms] : f.stops) std::fprintf(out, "%lld,%lld\n", (long long)tx, (long long)ms);
      std::fclose(out);
    } else {
      std::fprintf(stderr, "cannot write %s\n", f.stop_log.c_str());
    }
  }
  for (auto& cp : f.cps)
    if (cp->connected()) co_await cp->close();
  co_return f.connect_failed == 0 ? 0 : 1;
}

}  // namespace fleet

int run_fleet(const Args& args) {
  Fleet f;
  f.mode = args.str("mode", "idle");
  if (f.mode != "idle" && f.mode != "heartbeat" && f.mode != "transactions" && f.mode != "mixed" &&
      f.mode != "storm")
    throw std::invalid_argument("--mode must be idle, heartbeat, mixed, transactions or storm");
  const bool storm_mode = f.mode == "storm";
  f.stations = static_cast<int>(args.number("stations", 100));
  f.rate = args.number("rate", f.mode == "heartbeat" || f.mode == "mixed" ? 1000 : 100);
  f.duration_s = args.number("duration", storm_mode ? 60 : 30);
  // storm: this many more stations are connected first and heartbeat during the storm
  const int heartbeat_stations = static_cast<int>(args.number("heartbeat-stations", 0));
  if (heartbeat_stations < 0 || (heartbeat_stations > 0 && !storm_mode))
    throw std::invalid_argument("--heartbeat-stations is for --mode storm");
  const auto sources = parse_source_addresses(args.str("source-addresses", ""));
  f.tag = args.str("tag", "SIMTAG01");
  f.tag_prefix = args.str("tag-prefix", "");
  f.stop_log = args.str("stop-log", "");
  f.server_pid = static_cast<int>(args.number("server-pid", 0));
  const double ramp_rate = args.number("ramp", 1000);
  // A storm has every station connect at once unless told otherwise.
  const int concurrency = static_cast<int>(args.number("concurrency", storm_mode ? f.stations : 200));
  if (concurrency < 1) throw std::invalid_argument("--concurrency must be positive");
  if (f.stations < 1 || f.stations > 1000000 || f.rate <= 0 || f.duration_s <= 0 || ramp_rate <= 0)
    throw std::invalid_argument("--stations, --rate, --duration and --ramp must be positive");
  if (f.duration_s > 3600) throw std::invalid_argument("--duration is capped at 3600 s");

  const int total = f.stations + heartbeat_stations;
  const long nofile = raise_nofile_limit(total + 1024);
  if (nofile > 0 && nofile < total + 64)
    std::fprintf(stderr, "warning: open-files limit %ld is below %d stations; raise `ulimit -Hn`\n", nofile, total);
  if (sources.empty() && total > 25000)
    std::fprintf(stderr,
                 "warning: %d sockets from one source address may run out of ephemeral ports; "
                 "give --source-addresses 127.0.0.1-127.0.0.8\n",
                 total);

  ChargePointOptions base;
  base.url = args.str("url", "ws://127.0.0.1:8180/ocpp");
  base.password = args.str("password", "");
  base.ca_file = args.str("ca-file", "");
  base.insecure = args.flag("insecure");
  base.connectors = 1;
  base.call_timeout = std::chrono::milliseconds(static_cast<long>(args.number("call-timeout", 30) * 1000));
  base.auto_heartbeat = false;  // the generator decides what is sent
  base.auto_meter_values = false;
  const auto prefix = args.str("id-prefix", "SIM");
  const int first = static_cast<int>(args.number("first-index", 1));
  f.first_index = first;
  for (const auto& u : args.unused())
    if (u != "log-level") throw std::invalid_argument("unknown option --" + u);

  f.cps.reserve(total);
  f.busy.assign(total, false);
  f.first_storm = storm_mode ? heartbeat_stations : 0;
  for (int i = 0; i < total; ++i) {
    auto o = base;
    // storm: the heartbeating group first (prefix + "H"), then the storm
    o.id = storm_mode && i < heartbeat_stations ? station_id(prefix + "H", first + i)
                                                : station_id(prefix, first + i - f.first_storm);
    if (!sources.empty()) o.source_address = sources[static_cast<std::size_t>(i) % sources.size()];
    auto cp = std::make_unique<ChargePoint>(f.io.get_executor(), std::move(o));
    cp->set_call_observer([&f](const std::string& action, Duration latency, bool ok) {
      auto& s = f.stats[action];
      if (ok) {
        ++s.ok;
        s.service.add(latency);
        s.second.add(latency);
      } else {
        ++s.failed;
      }
    });
    f.cps.push_back(std::move(cp));
  }

  asio::signal_set signals(f.io, SIGINT, SIGTERM);
  signals.async_wait([&](auto ec, int) {
    if (!ec) f.stop = true;
  });
  int rc = 1;
  asio::co_spawn(f.io, run(f, ramp_rate, concurrency), [&](std::exception_ptr e, int result) {
    signals.cancel();
    rc = e ? 1 : result;
    f.stop = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "fleet failed: %s\n", ex.what());
      }
    }
  });
  f.io.run();
  f.cps.clear();
  return rc;
}

}  // namespace evp::sim::cli
