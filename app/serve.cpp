// `evpower serve`: db pool, push service, central system and REST API on one io_context.
// Migrations are not applied here (scripts/run calls `evpower migrate` first) so that
// several server processes never race to migrate one database.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "api/server.hpp"
#include "charging/charging.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "ocpp/central_system.hpp"
#include "push/service.hpp"
#include "run_async.hpp"

namespace evp::app {

namespace asio = boost::asio;

namespace {
std::string host_for_url(const std::string& address) {
  if (address == "0.0.0.0" || address == "::") return "127.0.0.1";
  if (address.find(':') != std::string::npos) return "[" + address + "]";
  return address;
}

// Each station and REST client is a socket: the usual soft limit (1024) would make accept()
// fail long before the connection caps. Raised to the hard limit, which only root could
// raise further.
void raise_fd_limit(std::size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    const auto before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      spdlog::warn("cannot raise the open-file limit from {} to {}", before, rl.rlim_max);
      ::getrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  spdlog::info("open-file limit {}", static_cast<std::uint64_t>(rl.rlim_cur));
  if (rl.rlim_cur != RLIM_INFINITY && wanted + 128 > rl.rlim_cur)
    spdlog::warn("open-file limit {} is below the connection caps ({} sockets): raise `ulimit -Hn`",
                 static_cast<std::uint64_t>(rl.rlim_cur), wanted);
}

// The io_context with a way to destroy its pending work early. Destroying it (or calling
// shutdown()) destroys the coroutines still suspended on it; they reference the services
// (central system, API, push, pool), so that must happen while those still exist.
class EventLoop : public asio::io_context {
 public:
  using asio::io_context::io_context;
  void destroy_pending_work() { shutdown(); }
};

// Destroys the loop's pending work when it goes out of scope: declared after the services,
// it runs before their destructors.
struct PendingWorkReaper {
  EventLoop& loop;
  ~PendingWorkReaper() { loop.destroy_pending_work(); }
};
}  // namespace

int serve(const common::Env& env) {
  auto cfg = config_from_env(env);
  raise_fd_limit(cfg.ocpp.max_connections + cfg.api.max_connections + cfg.db.pool_size);
  EventLoop io(1);

  db::Pool pool(io.get_executor(), cfg.db);
  run_async(io, pool.start());

  std::unique_ptr<push::Service> push;
  if (cfg.push.enabled) {
    push = std::make_unique<push::Service>(io.get_executor(), pool, cfg.push);
    push->start();
  } else {
    spdlog::info("push notifications are switched off");
  }

  // Sessions and money: the OCPP handlers and the REST API both go through it.
  charging::Service charging(io.get_executor(), pool, push.get(), cfg.charging);
  charging.start();

  // The station_offline push is written by the status store in the same transaction as the
  // offline transition (ocpp/src/server/pg_status_store.cpp), throttled per station.
  ocpp::CentralSystem ocpp(io, pool, charging, push.get(), cfg.ocpp);
  ocpp.start();
  auto api = std::make_unique<api::Server>(io, pool, ocpp, charging, push.get(), cfg.api);
  api->start();

  const auto ocpp_host = host_for_url(cfg.ocpp.listen_address);
  std::printf("OCPP: ws://%s:%u/ocpp/{id}\n", ocpp_host.c_str(), static_cast<unsigned>(ocpp.port()));
  if (ocpp.tls_port())
    std::printf("OCPP: wss://%s:%u/ocpp/{id}\n", ocpp_host.c_str(), static_cast<unsigned>(ocpp.tls_port()));
  std::printf("REST: http://%s:%u\n", host_for_url(cfg.api.listen_address).c_str(), static_cast<unsigned>(api->port()));
  std::fflush(stdout);
  spdlog::info("EvPower central system running (environment {})", cfg.environment);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signo);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await api->stop();              // no new REST requests (they could start CALLs)
          co_await ocpp.stop();              // close stations with 1001, flush last-seen times
          co_await charging.stop();          // no sweep in progress
          if (push) co_await push->drain();  // in-flight pushes recorded
          pool.stop();
          io.stop();  // what is still running gets a short grace period below
        },
        [&](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              spdlog::error("shutdown: {}", ex.what());
            }
            io.stop();
          }
        });
  });
  // Declared last, so destroyed first: the loop's leftover coroutines go while every
  // service they refer to still exists.
  PendingWorkReaper reaper{io};
  io.run();
  // Coroutines that were still running (a REST request waiting for a station, a retry
  // sleep) finish now that everything they talk to is closed; whatever is left after the
  // grace period is destroyed by the reaper, before the services it refers to.
  io.restart();
  io.run_for(std::chrono::seconds(2));
  spdlog::info("stopped");
  return 0;
}

}  // namespace evp::app
