// rest_bench: latency of POST /api/v1/charging/start and /stop with many concurrent drivers.
//
// Starts the whole system like e2e_tests (scratch database from EVP_TEST_DATABASE_URL,
// `evpower serve`, the push receiver), registers N stations and N drivers with money, connects
// N simulated stations, and lets every driver run `rounds` cycles at the same time:
//   start -> (the station runs StartTransaction) -> stop -> (StopTransaction, Available)
// Each driver has its own keep-alive connection. Latency is from writing the request to
// reading the whole answer; start includes the RemoteStartTransaction round trip to the
// station, stop the RemoteStopTransaction round trip. Every sample is kept (exact
// percentiles). Client and server share the machine: the report shows both CPU times.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "simulators/charge_point.hpp"
#include "stack.hpp"

using namespace evp::e2e;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int drivers = 200;
  int rounds = 3;
  bool push = true;
  std::string log_level = "warn";
  std::string pool_size;  // DB_POOL_SIZE for the server; empty: its default
  bool async_commit = false;
};

void usage() {
  std::cout << "usage: rest_bench [--drivers N (200)] [--rounds R (3)] [--no-push] [--server-log LEVEL (warn)]\n"
               "                  [--db-pool N] [--async-commit]\n"
               "--async-commit: synchronous_commit=off on the scratch database (no fsync wait per commit)\n"
               "needs EVP_TEST_DATABASE_URL (admin URL of a scratch PostgreSQL)\n";
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(f + " needs a value");
      return argv[++i];
    };
    if (f == "--drivers")
      a.drivers = std::stoi(next());
    else if (f == "--rounds")
      a.rounds = std::stoi(next());
    else if (f == "--no-push")
      a.push = false;
    else if (f == "--server-log")
      a.log_level = next();
    else if (f == "--db-pool")
      a.pool_size = next();
    else if (f == "--async-commit")
      a.async_commit = true;
    else if (f == "--help" || f == "-h") {
      usage();
      std::exit(0);
    } else
      throw std::runtime_error("unknown flag " + f);
  }
  if (a.drivers < 1 || a.rounds < 1) throw std::runtime_error("--drivers and --rounds must be positive");
  return a;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

void report(const char* name, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  std::printf("%-22s n=%-5zu p50 %7.1f ms  p90 %7.1f ms  p99 %7.1f ms  max %7.1f ms  mean %7.1f ms\n", name, v.size(),
              percentile(v, 50), percentile(v, 90), percentile(v, 99), v.empty() ? 0.0 : v.back(),
              v.empty() ? 0.0 : sum / static_cast<double>(v.size()));
}

// utime + stime of a process in seconds, from /proc/PID/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Driver {
  std::string user_id, token, station_id;
  std::unique_ptr<evp::sim::ChargePoint> cp;
  std::unique_ptr<HttpClient> http;
  std::uint64_t status_done = 0;  // StatusNotifications the server has answered
  // Woken (cancelled) after every finished station CALL: waiting costs nothing while idle.
  std::unique_ptr<asio::steady_timer> signal;
};

struct Results {
  std::vector<double> start_ms, stop_ms, to_active_ms, cycle_ms;
  std::map<std::string, int> errors;
  int cycles = 0;
};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Waits for a condition on the simulator's state, re-checked after each of the station's
// finished CALLs (the state changes on this same thread, so nothing is missed in between).
template <class F>
asio::awaitable<bool> poll(Driver& d, F done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) co_return false;
    d.signal->expires_at(deadline);
    co_await d.signal->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return true;
}

std::string describe(const HttpResponse& r) {
  auto j = r.json();
  std::string code = j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  return std::to_string(r.status) + " " + code;
}

// Outside the coroutine: GCC 12 rejects braced initialisers and string-literal keys inside
// coroutine bodies ("array used as initializer").
Headers bearer(const std::string& token) { return Headers{{"Authorization", "Bearer " + token}}; }
void count_error(Results& out, const std::string& what) { ++out.errors[what]; }
std::string start_body(const std::string& station_id) {
  return "{\"station_id\":\"" + station_id + "\",\"connector_id\":1}";
}
std::string stop_body(const std::string& session_id) { return "{\"session_id\":\"" + session_id + "\"}"; }
std::string session_of(const HttpResponse& r) { return r.json()["data"].value("session_id", ""); }
const std::string kStart = "/api/v1/charging/start", kStop = "/api/v1/charging/stop";
const std::string kStartFailed = "start ", kStopFailed = "stop ", kNeverStarted = "never started",
                  kNeverStopped = "never stopped";

asio::awaitable<void> drive(Driver& d, int rounds, Results& out) {
  for (int round = 0; round < rounds; ++round) {
    const auto cycle_begin = Clock::now();
    const auto status_base = d.status_done;
    std::string body = start_body(d.station_id);
    auto t0 = Clock::now();
    auto r = co_await d.http->request(http::verb::post, kStart, body, bearer(d.token));
    out.start_ms.push_back(ms(Clock::now() - t0));
    if (r.status != 200) {
      count_error(out, kStartFailed + describe(r));
      co_return;
    }
    const std::string session_id = session_of(r);
    // The simulator answers RemoteStart, then sends Preparing, StartTransaction, Charging
    // (docs/SIMULATOR.md): active once Charging has been answered as well.
    if (!co_await poll(
            d, [&] { return d.cp->transactions().contains(1) && d.status_done >= status_base + 2; },
            std::chrono::seconds(60))) {
      count_error(out, kNeverStarted);
      co_return;
    }
    out.to_active_ms.push_back(ms(Clock::now() - t0));

    t0 = Clock::now();
    r = co_await d.http->request(http::verb::post, kStop, stop_body(session_id), bearer(d.token));
    out.stop_ms.push_back(ms(Clock::now() - t0));
    if (r.status != 200) {
      count_error(out, kStopFailed + describe(r));
      co_return;
    }
    // The station reports StopTransaction, then Available; the next start needs Available.
    if (!co_await poll(
            d, [&] { return !d.cp->transactions().contains(1) && d.status_done >= status_base + 3; },
            std::chrono::seconds(60))) {
      count_error(out, kNeverStopped);
      co_return;
    }
    out.cycle_ms.push_back(ms(Clock::now() - cycle_begin));
    ++out.cycles;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    usage();
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  try {
    StackOptions so;
    so.push = args.push;
    so.log_level = args.log_level;
    so.async_commit = args.async_commit;
    if (!args.pool_size.empty()) so.env["DB_POOL_SIZE"] = args.pool_size;
    Stack s(so);
    std::printf("server pid %d, REST port %u, push %s, synchronous_commit %s, %d drivers x %d rounds\n",
                s.server().pid(), s.rest_port(), args.push ? "on (receiver)" : "off", args.async_commit ? "off" : "on",
                args.drivers, args.rounds);

    const auto owner = s.add_owner("Bench owner");
    const auto location = s.add_location(owner, "Bench");
    const std::string n = std::to_string(args.drivers);
    s.db().exec(
        "INSERT INTO stations (id, display_name, price_per_kwh, location_id) "
        "SELECT 'BENCH-' || lpad(i::text, 4, '0'), 'Bench ' || i, 12.50, " +
        sql_quote(location) + "::uuid FROM generate_series(1, " + n + ") i");
    std::vector<Driver> drivers(static_cast<std::size_t>(args.drivers));
    for (int i = 0; i < args.drivers; ++i) {
      auto& d = drivers[static_cast<std::size_t>(i)];
      d.user_id = random_uuid();
      d.token = s.token(d.user_id);
      char id[24];
      std::snprintf(id, sizeof id, "BENCH-%04d", i + 1);
      d.station_id = id;
    }
    std::string values;
    for (auto& d : drivers) values += (values.empty() ? "(" : ",(") + sql_quote(d.user_id) + ", 1000000.00)";
    s.db().exec("INSERT INTO clients (id, balance) VALUES " + values);

    if (args.push) {
      for (auto& d : drivers) {
        auto r = s.subscribe(d.token, s.new_subscription());
        if (r.status != 201) throw std::runtime_error("subscribe: " + r.body);
      }
    }

    // Connect every station (concurrently, on the loop).
    auto connect_begin = Clock::now();
    s.loop().run([&]() -> asio::awaitable<void> {
      auto ex = co_await asio::this_coro::executor;
      int pending = static_cast<int>(drivers.size()), failed = 0;
      for (auto& d : drivers) {
        evp::sim::ChargePointOptions o;
        o.url = s.ocpp_url();
        o.id = d.station_id;
        o.connectors = 1;
        o.auto_meter_values = false;
        o.call_timeout = std::chrono::seconds(60);
        d.cp = std::make_unique<evp::sim::ChargePoint>(ex, o);
        d.signal = std::make_unique<asio::steady_timer>(ex);
        // Posted: the simulator updates its transactions right after the call returns.
        d.cp->set_call_observer([&d, ex](const std::string& action, evp::sim::Duration, bool ok) {
          if (action == "StatusNotification" && ok) ++d.status_done;
          asio::post(ex, [&d] {
            if (d.signal) d.signal->cancel();
          });
        });
        d.http = std::make_unique<HttpClient>(ex, "127.0.0.1", s.rest_port());
        asio::co_spawn(
            ex,
            [](Driver& d) -> asio::awaitable<void> {
              co_await d.cp->connect();
              co_await d.cp->boot();
              co_await d.cp->status(0, "Available");
              co_await d.cp->status(1, "Available");
            }(d),
            [&](std::exception_ptr e) {
              if (e) ++failed;
              --pending;
            });
      }
      while (pending > 0) co_await pause(std::chrono::milliseconds(10));
      if (failed) throw std::runtime_error(std::to_string(failed) + " stations failed to connect");
    }());
    std::printf("%d stations connected and Available in %.0f ms\n", args.drivers, ms(Clock::now() - connect_begin));

    Results results;
    const double server_cpu0 = cpu_seconds(s.server().pid()), client_cpu0 = self_cpu_seconds();
    const auto begin = Clock::now();
    s.loop().run([&]() -> asio::awaitable<void> {
      auto ex = co_await asio::this_coro::executor;
      int pending = static_cast<int>(drivers.size());
      for (auto& d : drivers)
        asio::co_spawn(ex, drive(d, args.rounds, results), [&](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              ++results.errors[std::string("exception: ") + ex.what()];
            }
          }
          --pending;
        });
      while (pending > 0) co_await pause(std::chrono::milliseconds(10));
    }());
    const double wall = std::chrono::duration<double>(Clock::now() - begin).count();
    const double server_cpu = cpu_seconds(s.server().pid()) - server_cpu0,
                 client_cpu = self_cpu_seconds() - client_cpu0;

    std::printf("\n%d concurrent drivers, %d rounds each: %d start/stop cycles completed in %.2f s\n", args.drivers,
                args.rounds, results.cycles, wall);
    report("POST /charging/start", results.start_ms);
    report("POST /charging/stop", results.stop_ms);
    report("start -> Charging", results.to_active_ms);
    report("full cycle", results.cycle_ms);
    const auto requests = results.start_ms.size() + results.stop_ms.size();
    std::printf("throughput: %.1f start+stop requests/s, %.1f cycles/s\n", static_cast<double>(requests) / wall,
                static_cast<double>(results.cycles) / wall);
    std::printf("CPU during the run: server %.2f s (%.0f%% of one core), client %.2f s (%.0f%%)\n", server_cpu,
                100 * server_cpu / wall, client_cpu, 100 * client_cpu / wall);
    for (const auto& [what, count] : results.errors) std::printf("error: %s x %d\n", what.c_str(), count);
    if (args.push) {
      // Give the outbox a moment to drain, then tell how many pushes went out.
      wait_until([&] { return s.outbox_settled(); }, std::chrono::seconds(60));
      std::printf("pushes delivered to the receiver: %zu; outbox: %s\n", s.all_messages().size(),
                  s.db()
                      .scalar("SELECT string_agg(state || '=' || c, ', ') FROM (SELECT state, count(*) c FROM "
                              "push_outbox GROUP BY state) x")
                      .c_str());
    }

    s.loop().run([&]() -> asio::awaitable<void> {
      for (auto& d : drivers) {
        if (d.cp && d.cp->connected()) {
          try {
            co_await d.cp->close();
          } catch (const std::exception&) {
          }
        }
        d.cp.reset();
        d.http.reset();
        d.signal.reset();
      }
    }());
    return results.errors.empty() && results.cycles == args.drivers * args.rounds ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "rest_bench: " << e.what() << "\n";
    return 1;
  }
}
