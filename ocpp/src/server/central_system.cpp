// CentralSystem: wires the listener, the hub (RPC + registry + call API), the handlers and
// the station-status manager on the one io_context.
#include "ocpp/central_system.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "charging/charging.hpp"
#include "handlers/handlers.hpp"
#include "server/auto_stop.hpp"
#include "server/hub.hpp"
#include "server/listener.hpp"
#include "server/pg_status_store.hpp"
#include "server/status_manager.hpp"

namespace evp::ocpp {

struct CentralSystem::Impl {
  Impl(CentralSystem& self, asio::io_context& io, db::Pool& pool, charging::Service& charging, push::Service* push,
       Config cfg, Events events)
      : config(std::move(cfg)),
        live(),
        store(pool, push, config.offline_notify_interval),
        status(io.get_executor(), store, events, config.offline_timeout, config.last_seen_flush),
        hub(io, &pool, handlers::make_dispatcher(pool, charging, config, handler_options(self, io, charging, live)), status,
            config),
        listener(hub) {
    hub.set_live(&live);
  }

  static handlers::Options handler_options(CentralSystem& self, asio::io_context& io, charging::Service& charging,
                                          LiveEvents& live) {
    handlers::Options options;
    options.live = &live;
    // Runs on the loop after the MeterValues commit; the stop is a CALL of its own.
    options.on_stop_due = [&self, &io, &charging](const charging::StopDue& due) {
      asio::co_spawn(io, detail::auto_stop(self, charging, due), asio::detached);
    };
    return options;
  }

  Config config;
  LiveEvents live;
  detail::PgStatusStore store;
  detail::StatusManager status;
  detail::Hub hub;
  detail::Listener listener;
  bool started = false;
};

CentralSystem::CentralSystem(asio::io_context& io, db::Pool& pool, charging::Service& charging, push::Service* push,
                             Config config, Events events)
    : impl_(std::make_unique<Impl>(*this, io, pool, charging, push, std::move(config), std::move(events))) {}

CentralSystem::~CentralSystem() = default;

void CentralSystem::start() {
  impl_->listener.start();
  impl_->started = true;
  // Loading the stations the database believes online needs the loop; it runs as soon as
  // the caller runs it. Stations connecting before that are simply seen first.
  asio::co_spawn(impl_->hub.io(), impl_->status.start(), asio::detached);
}

asio::awaitable<void> CentralSystem::stop() {
  if (!impl_->started) co_return;
  impl_->started = false;
  impl_->listener.stop();
  co_await impl_->hub.close_all();
  co_await impl_->status.stop();
}

std::uint16_t CentralSystem::port() const { return impl_->listener.port(); }
std::uint16_t CentralSystem::tls_port() const { return impl_->listener.tls_port(); }

asio::awaitable<nlohmann::json> CentralSystem::call_json(const std::string& station_id, std::string action,
                                                         nlohmann::json payload,
                                                         std::optional<std::chrono::seconds> timeout) {
  co_return co_await impl_->hub.call(station_id, action, std::move(payload),
                                     std::chrono::milliseconds(timeout.value_or(impl_->config.call_timeout)));
}

bool CentralSystem::is_connected(const std::string& station_id) const { return impl_->hub.find(station_id) != nullptr; }
bool CentralSystem::is_online(const std::string& station_id) const { return impl_->status.is_online(station_id); }
std::size_t CentralSystem::connected_count() const { return impl_->hub.connected_count(); }
LiveEvents& CentralSystem::live() { return impl_->live; }

std::vector<FrameRecord> CentralSystem::recent_frames(const std::string& station_id) const {
  return impl_->hub.recent_frames(station_id);
}

std::vector<StationInfo> CentralSystem::stations() const {
  std::vector<StationInfo> out;
  for (auto& id : impl_->hub.connected_ids()) {
    StationInfo info;
    info.station_id = id;
    info.connected = true;
    info.online = impl_->status.is_online(id);
    info.last_seen = impl_->status.last_seen(id).value_or(common::TimePoint{});
    out.push_back(std::move(info));
  }
  return out;
}

CentralSystem::Stats CentralSystem::stats() const { return impl_->hub.stats(); }

std::vector<std::pair<std::string, std::uint64_t>> CentralSystem::messages_by_action() const {
  return impl_->hub.messages_by_action();
}

}  // namespace evp::ocpp
