// `evpower serve`: db pool, push service, central system and REST API on one io_context.
// Migrations are not applied here (scripts/run calls `evpower migrate` first) so that
// several server processes never race to migrate one database.
#include <spdlog/spdlog.h>

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
}  // namespace

int serve(const common::Env& env) {
  auto cfg = config_from_env(env);
  asio::io_context io(1);

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
          io.stop();
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
  io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace evp::app
