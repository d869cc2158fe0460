#include "station.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <stdexcept>

namespace evp::e2e {

namespace asio = boost::asio;

Station::Station(Loop& loop, sim::ChargePointOptions options) : loop_(loop), id_(options.id) {
  options.auto_meter_values = false;  // readings come from meter()
  cp_ = std::make_unique<sim::ChargePoint>(loop_.executor(), std::move(options));
  cp_->set_call_hook(
      [this](const std::string& action, const nlohmann::json& payload) { return on_call(action, payload); });
}

Station::~Station() {
  try {
    loop_.run([this]() -> asio::awaitable<void> {
      if (cp_->connected()) co_await cp_->close();
      cp_.reset();  // on the loop thread: the simulator's timers and sockets live there
    }());
  } catch (const std::exception& e) {
    spdlog::warn("station {}: close: {}", id_, e.what());
  }
}

std::optional<nlohmann::json> Station::on_call(const std::string& action, const nlohmann::json& payload) {
  if (accept_reservations_ && (action == "ReserveNow" || action == "CancelReservation"))
    return nlohmann::json{{"status", "Accepted"}};
  if (action != "RemoteStopTransaction" || !payload.is_object() || !payload.contains("transactionId") ||
      !payload["transactionId"].is_number_integer())
    return std::nullopt;  // the simulator's own behaviour
  const auto tx_id = payload["transactionId"].get<std::int64_t>();
  for (const auto& [connector, t] : cp_->transactions()) {
    if (t.id != tx_id) continue;
    const int c = connector;
    const std::int64_t reading = std::max(meter_[c], t.meter_start);
    ++remote_stops_;
    // After the answer has been written (the hook's result goes out first), stop as a
    // station does: StopTransaction with the current register, then Available.
    asio::co_spawn(
        loop_.executor(),
        [](sim::ChargePoint& cp, std::int64_t tx, std::int64_t wh, int c) -> asio::awaitable<void> {
          co_await cp.stop_transaction(tx, wh, "Remote");
          co_await cp.status(c, "Available");
        }(*cp_, tx_id, reading, c),
        [id = id_](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("station {}: remote stop: {}", id, ex.what());
          }
        });
    return nlohmann::json{{"status", "Accepted"}};
  }
  return nlohmann::json{{"status", "Rejected"}};
}

void Station::start() {
  loop_.run([this]() -> asio::awaitable<void> {
    co_await cp_->connect();
    auto boot = co_await cp_->boot();
    if (boot.value("status", "") != "Accepted") throw std::runtime_error("BootNotification answered " + boot.dump());
    for (int c = 0; c <= cp_->options().connectors; ++c) co_await cp_->status(c, "Available");
  }());
}

void Station::meter(int connector, std::int64_t wh) {
  loop_.run([this, connector, wh]() -> asio::awaitable<void> {
    auto it = cp_->transactions().find(connector);
    if (it == cp_->transactions().end())
      throw std::runtime_error("no transaction on connector " + std::to_string(connector));
    const auto tx = it->second.id;
    const auto reading = it->second.meter_start + wh;
    meter_[connector] = reading;
    co_await cp_->meter_values(connector, tx, reading);
  }());
}

void Station::status(int connector, const std::string& status, const std::string& error_code,
                     const std::string& vendor_error_code) {
  loop_.run(
      [&]() -> asio::awaitable<void> { co_await cp_->status(connector, status, error_code, {}, vendor_error_code); }());
}

nlohmann::json Station::call(const std::string& action, const nlohmann::json& payload) {
  return loop_.run([&]() -> asio::awaitable<nlohmann::json> {
    std::string a = action;
    nlohmann::json p = payload;
    co_return co_await cp_->call(std::move(a), std::move(p));
  }());
}

std::int64_t Station::start_local(int connector, const std::string& id_tag, std::int64_t meter_start) {
  return loop_.run([&]() -> asio::awaitable<std::int64_t> {
    co_await cp_->status(connector, "Preparing");
    meter_[connector] = meter_start;
    const auto tx = co_await cp_->start_transaction(connector, id_tag, meter_start);
    co_await cp_->status(connector, "Charging");
    co_return tx;
  }());
}

void Station::stop_local(int connector, std::int64_t meter_stop) {
  loop_.run([&]() -> asio::awaitable<void> {
    auto it = cp_->transactions().find(connector);
    if (it == cp_->transactions().end())
      throw std::runtime_error("no transaction on connector " + std::to_string(connector));
    const auto tx = it->second.id;
    co_await cp_->stop_transaction(tx, meter_stop, "Local");
    co_await cp_->status(connector, "Available");
  }());
}

void Station::power_cycle() {
  loop_.run([&]() -> asio::awaitable<void> {
    meter_.clear();
    co_await cp_->power_cycle();
  }());
}

void Station::set_silent(bool silent) {
  loop_.run([&]() -> asio::awaitable<void> {
    cp_->set_silent(silent);
    co_return;
  }());
}

std::optional<sim::Transaction> Station::transaction(int connector) {
  return loop_.run([&]() -> asio::awaitable<std::optional<sim::Transaction>> {
    auto it = cp_->transactions().find(connector);
    if (it == cp_->transactions().end()) co_return std::nullopt;
    co_return it->second;
  }());
}

std::uint64_t Station::calls_received(const std::string& action) {
  return loop_.run([&]() -> asio::awaitable<std::uint64_t> {
    auto it = cp_->metrics().calls_received.find(action);
    co_return it == cp_->metrics().calls_received.end() ? 0 : it->second;
  }());
}

}  // namespace evp::e2e
