// Station -> central system messages (OCPP 1.6 core profile), and the periodic ones a
// station sends by itself (Heartbeat, MeterValues while charging).
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "charge_point_impl.hpp"

namespace evp::sim {

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}

asio::awaitable<Json> ChargePoint::Impl::boot() {
  Json req{{"chargePointVendor", options_.vendor},
           {"chargePointModel", options_.model},
           {"firmwareVersion", options_.firmware}};
  if (!options_.serial.empty()) req["chargePointSerialNumber"] = options_.serial;
  Json conf = co_await call("BootNotification", std::move(req), {});
  registration_status_ = conf.value("status", "");
  const int interval = conf.value("interval", 0);
  if (interval > 0) config_.set("HeartbeatInterval", std::to_string(interval));
  if (registration_status_ == "Accepted" && options_.auto_heartbeat)
    start_heartbeats(config_.get_int("HeartbeatInterval", 300));
  co_return conf;
}

asio::awaitable<Json> ChargePoint::Impl::status(int connector, std::string status, std::string error_code,
                                                std::string info, std::string vendor_error_code) {
  Json req{{"connectorId", connector}, {"errorCode", error_code}, {"status", status}, {"timestamp", now_text()}};
  if (!info.empty()) req["info"] = info;
  if (!vendor_error_code.empty()) req["vendorErrorCode"] = vendor_error_code;
  connector_status_[connector] = status;
  co_return co_await call("StatusNotification", std::move(req), {});
}

asio::awaitable<std::int64_t> ChargePoint::Impl::start_transaction(int connector, std::string id_tag,
                                                                   std::int64_t meter_start, bool remote) {
  Json req{{"connectorId", connector}, {"idTag", id_tag}, {"meterStart", meter_start}, {"timestamp", now_text()}};
  // The reservation of this connector for this tag (or one with the same parent) is used.
  if (auto r = reservations_.find(connector); r != reservations_.end()) {
    auto known = local_auth(id_tag);
    const std::string parent = known ? known->value("parentIdTag", "") : std::string();
    if (detail::fold(r->second.id_tag) == detail::fold(id_tag) ||
        (!r->second.parent_id_tag.empty() && detail::fold(parent) == detail::fold(r->second.parent_id_tag))) {
      req["reservationId"] = r->second.id;
      if (r->second.timer) r->second.timer->cancel();
      reservations_.erase(r);
    }
  }
  Json conf = co_await call("StartTransaction", std::move(req), {});
  if (conf.contains("idTagInfo")) remember_auth(id_tag, conf["idTagInfo"]);
  if (!conf.contains("transactionId") || !conf["transactionId"].is_number_integer())
    throw CallErrorReply("FormationViolation", "StartTransaction.conf without an integer transactionId",
                         Json::object());
  const std::int64_t id = conf["transactionId"].get<std::int64_t>();
  metrics_.transaction_ids.push_back(id);
  transactions_[connector] = Transaction{id, connector, id_tag, meter_start, meter_start, remote};
  tx_started_[connector] = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  meter_wh_[connector] = std::max(meter_wh_[connector], meter_start);
  co_return id;
}

asio::awaitable<Json> ChargePoint::Impl::meter_values(int connector, std::optional<std::int64_t> transaction_id,
                                                      std::int64_t wh, std::string context) {
  Json sample{{"value", std::to_string(wh)},
              {"context", context},
              {"measurand", "Energy.Active.Import.Register"},
              {"location", "Outlet"},
              {"unit", "Wh"}};
  Json req{{"connectorId", connector},
           {"meterValue", Json::array({Json{{"timestamp", now_text()}, {"sampledValue", Json::array({sample})}}})}};
  if (transaction_id) req["transactionId"] = *transaction_id;
  meter_wh_[connector] = std::max(meter_wh_[connector], wh);
  // A reading sent by hand is the station's meter too: a later RemoteStop must report it.
  if (auto running = transactions_.find(connector); running != transactions_.end() && wh > running->second.meter_now)
    running->second.meter_now = wh;
  co_return co_await call("MeterValues", std::move(req), {});
}

asio::awaitable<Json> ChargePoint::Impl::stop_transaction(std::int64_t transaction_id, std::int64_t meter_stop,
                                                          std::string reason, std::string id_tag) {
  Json req{{"transactionId", transaction_id}, {"meterStop", meter_stop}, {"timestamp", now_text()}};
  if (!reason.empty()) req["reason"] = reason;
  if (!id_tag.empty()) req["idTag"] = id_tag;
  // The transaction ends on the station's side whatever the answer (OCPP: the station
  // stops charging first, then reports).
  for (auto it = transactions_.begin(); it != transactions_.end(); ++it) {
    if (it->second.id == transaction_id) {
      meter_wh_[it->first] = std::max(meter_wh_[it->first], meter_stop);
      charging_profiles_.transaction_ended(it->first);
      tx_started_.erase(it->first);
      transactions_.erase(it);
      break;
    }
  }
  stop_meter_loop(transaction_id);
  co_return co_await call("StopTransaction", std::move(req), {});
}

void ChargePoint::Impl::start_heartbeats(int interval_s) {
  if (heartbeat_timer_) heartbeat_timer_->cancel();
  auto timer = std::make_shared<asio::steady_timer>(executor_);
  heartbeat_timer_ = timer;
  const auto generation = generation_;
  asio::co_spawn(
      executor_,
      [](std::shared_ptr<Impl> self, std::shared_ptr<asio::steady_timer> timer, int interval_s,
         std::uint64_t generation) -> asio::awaitable<void> {
        for (;;) {
          timer->expires_after(std::chrono::seconds(std::max(interval_s, 1)));
          auto [ec] = co_await timer->async_wait(tuple_awaitable);
          if (ec || self->heartbeat_timer_ != timer || generation != self->generation_ || !self->connected_) co_return;
          if (self->silent_) continue;
          try {
            co_await self->call("Heartbeat", Json::object(), {});
          } catch (const std::exception& e) {
            spdlog::warn("[{}] heartbeat: {}", self->options_.id, e.what());
          }
        }
      }(shared_from_this(), timer, interval_s, generation),
      asio::detached);
}

void ChargePoint::Impl::start_meter_loop(std::int64_t transaction_id) {
  auto timer = std::make_shared<asio::steady_timer>(executor_);
  meter_timers_[transaction_id] = timer;
  asio::co_spawn(
      executor_,
      [](std::shared_ptr<Impl> self, std::shared_ptr<asio::steady_timer> timer,
         std::int64_t tx) -> asio::awaitable<void> {
        for (;;) {
          const int interval = std::max(self->config_.get_int("MeterValueSampleInterval", 60), 1);
          timer->expires_after(std::chrono::seconds(interval));
          auto [ec] = co_await timer->async_wait(tuple_awaitable);
          auto it = self->meter_timers_.find(tx);
          if (ec || it == self->meter_timers_.end() || it->second != timer || !self->connected_) co_return;
          if (self->silent_) continue;
          auto running = std::find_if(self->transactions_.begin(), self->transactions_.end(),
                                      [tx](const auto& kv) { return kv.second.id == tx; });
          if (running == self->transactions_.end()) co_return;
          running->second.meter_now += self->options_.wh_per_sample;
          const int connector = running->first;
          const auto wh = running->second.meter_now;
          try {
            co_await self->meter_values(connector, tx, wh);
          } catch (const std::exception& e) {
            spdlog::warn("[{}] meter values: {}", self->options_.id, e.what());
          }
        }
      }(shared_from_this(), timer, transaction_id),
      asio::detached);
}

void ChargePoint::Impl::stop_meter_loop(std::int64_t transaction_id) {
  auto it = meter_timers_.find(transaction_id);
  if (it == meter_timers_.end()) return;
  it->second->cancel();
  meter_timers_.erase(it);
}

// ---------------------------------------------------------------- public API forwarding

asio::awaitable<Json> ChargePoint::boot() { return impl_->boot(); }
asio::awaitable<Json> ChargePoint::heartbeat() { return impl_->call("Heartbeat", Json::object(), {}); }
asio::awaitable<Json> ChargePoint::status(int connector, std::string status, std::string error_code, std::string info,
                                          std::string vendor_error_code) {
  return impl_->status(connector, std::move(status), std::move(error_code), std::move(info),
                       std::move(vendor_error_code));
}
asio::awaitable<Json> ChargePoint::authorize(std::string id_tag) { return impl_->authorize(std::move(id_tag)); }
asio::awaitable<std::int64_t> ChargePoint::start_transaction(int connector, std::string id_tag,
                                                             std::int64_t meter_start) {
  return impl_->start_transaction(connector, std::move(id_tag), meter_start, false);
}
asio::awaitable<Json> ChargePoint::meter_values(int connector, std::optional<std::int64_t> transaction_id,
                                                std::int64_t wh) {
  return impl_->meter_values(connector, transaction_id, wh, "Sample.Periodic");
}
asio::awaitable<Json> ChargePoint::stop_transaction(std::int64_t transaction_id, std::int64_t meter_stop,
                                                    std::string reason, std::string id_tag) {
  return impl_->stop_transaction(transaction_id, meter_stop, std::move(reason), std::move(id_tag));
}
asio::awaitable<Json> ChargePoint::data_transfer(std::string vendor_id, std::string message_id, std::string data) {
  Json req{{"vendorId", std::move(vendor_id)}};
  if (!message_id.empty()) req["messageId"] = std::move(message_id);
  if (!data.empty()) req["data"] = std::move(data);
  return impl_->call("DataTransfer", std::move(req), {});
}

}  // namespace evp::sim
