// `evp-cp-sim scenario`: one station through a scripted day, each step printed.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "commands.hpp"
#include "simulators/charge_point.hpp"

namespace evp::sim::cli {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

struct Printer {
  int step = 0;
  void line(const std::string& what, const Json& answer, std::chrono::steady_clock::time_point since) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
    std::printf("[%2d] %-58s -> %s  (%.1f ms)\n", ++step, what.c_str(), answer.dump().c_str(), ms);
    std::fflush(stdout);
  }
  void note(const std::string& what) {
    std::printf("[%2d] %s\n", ++step, what.c_str());
    std::fflush(stdout);
  }
};

// Each step is a plain function call on the ChargePoint: the scenario is the readable
// script of what a station does in a day.
asio::awaitable<int> scenario(ChargePoint& cp, const Args& args, bool& stop_requested) {
  Printer p;
  const auto tag = args.str("tag", "SIMTAG01");
  const auto step = std::chrono::milliseconds(static_cast<int>(args.number("step-ms", 1000)));
  const auto silence = std::chrono::seconds(static_cast<int>(args.number("silence", 10)));
  const auto error_code = args.str("error-code", "GroundFailure");
  auto t = std::chrono::steady_clock::now();

  co_await cp.connect();
  p.line("connect " + cp.options().url + "/" + cp.options().id, Json(cp.negotiated_subprotocol()), t);
  for (int attempt = 0;; ++attempt) {
    t = std::chrono::steady_clock::now();
    auto boot = co_await cp.boot();
    p.line("BootNotification", boot, t);
    if (boot.value("status", "") == "Accepted") break;
    if (attempt >= 5) {
      p.note("central system did not accept the station; giving up");
      co_return 1;
    }
    co_await sleep_for(std::chrono::seconds(std::clamp(boot.value("interval", 5), 1, 30)));
  }
  const int connectors = cp.options().connectors;
  for (int c = 0; c <= connectors; ++c) {
    t = std::chrono::steady_clock::now();
    p.line("StatusNotification connector " + std::to_string(c) + " Available", co_await cp.status(c, "Available"), t);
  }
  t = std::chrono::steady_clock::now();
  p.line("Authorize " + tag, co_await cp.authorize(tag), t);
  t = std::chrono::steady_clock::now();
  co_await cp.status(1, "Preparing");
  const auto tx = co_await cp.start_transaction(1, tag, 0);
  p.line("StartTransaction connector 1, meterStart 0", cp.metrics().last_result.at("StartTransaction"), t);
  t = std::chrono::steady_clock::now();
  p.line("StatusNotification connector 1 Charging", co_await cp.status(1, "Charging"), t);
  std::int64_t wh = 0;
  for (int i = 0; i < 3; ++i) {
    co_await sleep_for(step);
    wh += 1500;
    t = std::chrono::steady_clock::now();
    p.line("MeterValues tx " + std::to_string(tx) + " " + std::to_string(wh) + " Wh", co_await cp.meter_values(1, tx, wh),
           t);
  }
  t = std::chrono::steady_clock::now();
  p.line("StopTransaction tx " + std::to_string(tx) + " meterStop " + std::to_string(wh),
         co_await cp.stop_transaction(tx, wh, "Local", tag), t);
  t = std::chrono::steady_clock::now();
  p.line("StatusNotification connector 1 Available", co_await cp.status(1, "Available"), t);
  co_await sleep_for(step);
  t = std::chrono::steady_clock::now();
  p.line("StatusNotification connector 1 Faulted " + error_code,
         co_await cp.status(1, "Faulted", error_code, "simulated fault", "E42"), t);
  if (silence.count() > 0) {
    p.note("silent for " + std::to_string(silence.count()) + " s (no messages, no pongs)");
    cp.set_silent(true);
    co_await sleep_for(silence);
    cp.set_silent(false);
    p.note("resuming");
  }
  t = std::chrono::steady_clock::now();
  p.line("Heartbeat", co_await cp.heartbeat(), t);
  t = std::chrono::steady_clock::now();
  p.line("StatusNotification connector 1 Available (fault cleared)", co_await cp.status(1, "Available"), t);

  if (auto stay = args.opt("stay")) {
    const int seconds = stay->empty() ? 0 : std::stoi(*stay);
    p.note(seconds ? "staying connected for " + std::to_string(seconds) + " s, answering the central system"
                   : "staying connected until Ctrl-C, answering the central system");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!stop_requested && (seconds == 0 || std::chrono::steady_clock::now() < until)) {
      co_await sleep_for(200ms);
      if (!cp.connected() && !stop_requested) {
        // A Reset reconnects by itself; anything else ends the stay.
        co_await sleep_for(6s);
        if (!cp.connected()) {
          p.note("connection lost");
          co_return 1;
        }
      }
    }
  }
  co_await cp.close();
  p.note("closed; calls received from the central system: " + Json(cp.metrics().calls_received).dump());
  co_return 0;
}

}  // namespace

int run_scenario(const Args& args) {
  ChargePointOptions o;
  o.url = args.str("url", "ws://127.0.0.1:8180/ocpp");
  o.id = args.str("id", "CP001");
  o.password = args.str("password", "");
  o.ca_file = args.str("ca-file", "");
  o.insecure = args.flag("insecure");
  o.connectors = static_cast<int>(args.number("connectors", 2));
  o.call_timeout = std::chrono::milliseconds(static_cast<int>(args.number("call-timeout", 30) * 1000));
  o.auto_heartbeat = true;
  o.auto_meter_values = true;
  o.log_frames = true;

  asio::io_context io;
  ChargePoint cp(io.get_executor(), o);
  bool stop_requested = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto ec, int) {
    if (!ec) stop_requested = true;
  });
  int rc = 1;
  asio::co_spawn(io, scenario(cp, args, stop_requested), [&](std::exception_ptr e, int result) {
    signals.cancel();
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "scenario failed: %s\n", ex.what());
      }
      rc = 1;
    } else {
      rc = result;
    }
    // The scenario is over: whatever station work is still pending (a Reset's reboot that
    // was under way, say) must not keep the process alive.
    io.stop();
  });
  io.run();
  return rc;
}

}  // namespace evp::sim::cli
