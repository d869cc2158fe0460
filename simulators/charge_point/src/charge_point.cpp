// Connection machinery of the simulated charge point: connect, one writer, one reader,
// one outstanding CALL with a timeout, raw frames for bad-frame tests.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "charge_point_impl.hpp"
#include "common/base64.hpp"
#include "common/time.hpp"

namespace evp::sim {

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Message ids must stay unique across reconnects and across runs of the simulator for the
// same station id: the server keeps a replay cache keyed by id.
std::string random_prefix() {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(buf, 10);
}
}  // namespace

std::string now_text() { return common::format_datetime(common::now()); }

namespace {
std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ',';
    out += i;
  }
  return out;
}
}  // namespace

ChargePoint::Impl::Impl(asio::any_io_executor executor, ChargePointOptions options)
    : executor_(executor),
      options_(std::move(options)),
      id_prefix_(random_prefix()),
      config_(options_.connectors, joined(options_.feature_profiles)),
      profiles_enabled_(options_.feature_profiles.begin(), options_.feature_profiles.end()) {
  auto url = detail::parse_ws_url(options_.url);
  if (!url) throw std::invalid_argument("not a ws:// or wss:// URL: " + options_.url);
  url_ = *url;
  for (int c = 0; c <= options_.connectors; ++c) meter_wh_[c] = 0;
}

asio::awaitable<void> ChargePoint::Impl::connect() {
  if (connected_) throw std::logic_error("already connected");
  stopping_ = false;
  auto t = detail::make_transport(executor_, url_.tls);
  std::weak_ptr<Impl> weak = weak_from_this();
  t->on_ping = [weak] {
    if (auto self = weak.lock()) ++self->metrics_.pings_received;
  };
  detail::HandshakeRequest rq;
  rq.url = url_;
  rq.target = url_.target_for(options_.id);
  rq.subprotocols = options_.subprotocols;
  if (!options_.password.empty())
    rq.authorization = "Basic " + common::base64_encode(common::as_bytes(options_.id + ":" + options_.password));
  rq.ca_file = options_.ca_file;
  rq.insecure = options_.insecure;
  rq.timeout = options_.connect_timeout;
  rq.source_address = options_.source_address;
  std::string selected = co_await t->open(rq);
  if (options_.require_subprotocol && selected != "ocpp1.6") {
    t->abort();
    throw ConnectError("server selected subprotocol '" + selected + "', expected ocpp1.6", 0);
  }
  subprotocol_ = selected;
  transport_ = t;
  connected_ = true;
  silent_ = false;
  ++generation_;
  ++metrics_.connects;
  out_.clear();
  asio::co_spawn(executor_, read_loop(shared_from_this(), t, generation_), asio::detached);
}

asio::awaitable<void> ChargePoint::Impl::close() {
  if (!transport_) co_return;
  auto t = transport_;
  stopping_ = true;
  if (connected_) co_await t->close();
  t->abort();
  // Clean up here rather than in the read loop so that connect() may follow at once.
  if (connected_ && transport_ == t) on_disconnected();
}

void ChargePoint::Impl::shutdown() {
  stopping_ = true;
  hook_ = nullptr;
  observer_ = nullptr;
  if (transport_) transport_->abort();
  if (heartbeat_timer_) heartbeat_timer_->cancel();
  for (auto& [id, timer] : meter_timers_) timer->cancel();
  for (auto& w : call_watchers_) w->cancel();
  for (auto& [c, r] : reservations_)
    if (r.timer) r.timer->cancel();
  if (pending_) pending_->timer.cancel();
}

asio::awaitable<void> ChargePoint::Impl::read_loop(std::shared_ptr<Impl> keep, std::shared_ptr<detail::Transport> t,
                                                   std::uint64_t generation) {
  for (;;) {
    auto [ec, text] = co_await t->read();
    if (ec) break;
    if (generation != generation_) break;
    on_frame(std::move(text));
  }
  t->abort();
  if (generation == generation_ && connected_) on_disconnected();
}

void ChargePoint::Impl::on_disconnected() {
  connected_ = false;
  ++metrics_.disconnects;
  out_.clear();
  if (pending_) pending_->timer.cancel();  // wakes call() with no reply: CallTimeout
  if (heartbeat_timer_) heartbeat_timer_->cancel();
  for (auto& [id, timer] : meter_timers_) timer->cancel();
  meter_timers_.clear();
  if (!stopping_) spdlog::info("[{}] connection closed", options_.id);
}

void ChargePoint::Impl::send_frame(std::string frame) {
  if (!connected_) return;
  if (out_.size() >= options_.max_queued_frames) {
    spdlog::warn("[{}] {} frames queued: dropping the connection", options_.id, out_.size());
    transport_->abort();
    return;
  }
  if (options_.log_frames) spdlog::debug("[{}] >> {}", options_.id, frame);
  out_.push_back(std::move(frame));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(executor_, write_loop(shared_from_this(), transport_), asio::detached);
  }
}

asio::awaitable<void> ChargePoint::Impl::write_loop(std::shared_ptr<Impl> keep, std::shared_ptr<detail::Transport> t) {
  while (!out_.empty() && t == transport_) {
    std::string frame = std::move(out_.front());
    out_.pop_front();
    auto ec = co_await t->write(frame);
    if (ec) {
      t->abort();
      break;
    }
  }
  writing_ = false;
  // A reconnect happened while this loop was writing to the old connection.
  if (!out_.empty() && t != transport_ && connected_) {
    writing_ = true;
    asio::co_spawn(executor_, write_loop(keep, transport_), asio::detached);
  }
}

void ChargePoint::Impl::on_frame(std::string text) {
  if (options_.log_frames) spdlog::debug("[{}] << {}", options_.id, text);
  Json msg = Json::parse(text, nullptr, false);
  const bool is_array = !msg.is_discarded() && msg.is_array() && msg.size() >= 3 && msg[0].is_number_integer() &&
                        msg[1].is_string();
  if (is_array && msg[0] == 2 && msg.size() == 4 && msg[2].is_string()) {
    Json payload = msg[3];
    asio::co_spawn(executor_,
                   handle_call(shared_from_this(), msg[1].get<std::string>(), msg[2].get<std::string>(),
                               std::move(payload)),
                   asio::detached);
    return;
  }
  auto p = pending_;
  if (p && !p->done) {
    if (p->raw) {
      p->raw_reply = std::move(text);
      p->done = true;
      p->received = SteadyClock::now();
      p->timer.cancel();
      return;
    }
    if (is_array && msg[1] == p->id) {
      if (msg[0] == 3) {
        p->result = msg[2];
      } else if (msg[0] == 4 && msg.size() >= 4) {
        p->error.emplace(msg[2].is_string() ? msg[2].get<std::string>() : msg[2].dump(),
                         msg[3].is_string() ? msg[3].get<std::string>() : msg[3].dump(),
                         msg.size() >= 5 ? msg[4] : Json::object());
      } else {
        p->error.emplace("FormationViolation", "malformed reply: " + text, Json::object());
      }
      p->done = true;
      p->received = SteadyClock::now();
      p->timer.cancel();
      return;
    }
  }
  ++metrics_.unexpected_frames;
  spdlog::warn("[{}] unexpected frame: {}", options_.id, text.substr(0, 200));
}

asio::awaitable<void> ChargePoint::Impl::lock_calls() {
  if (!call_busy_) {
    call_busy_ = true;
    co_return;
  }
  auto waiter = std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
  call_waiters_.push_back(waiter);
  co_await waiter->async_wait(tuple_awaitable);
  // unlock_calls() handed the lock over to us (call_busy_ stayed true).
}

void ChargePoint::Impl::unlock_calls() {
  if (call_waiters_.empty()) {
    call_busy_ = false;
    return;
  }
  auto next = call_waiters_.front();
  call_waiters_.pop_front();
  next->cancel();
}

namespace {
struct CallLock {
  ChargePoint::Impl* impl;
  ~CallLock() { impl->unlock_calls(); }
};
}  // namespace

asio::awaitable<Json> ChargePoint::Impl::call(std::string action, Json payload, std::string message_id) {
  auto keep = shared_from_this();
  co_await lock_calls();
  CallLock guard{this};
  if (!connected_) throw std::runtime_error("[" + options_.id + "] " + action + ": not connected");
  auto p = std::make_shared<Pending>(executor_);
  p->id = message_id.empty() ? id_prefix_ + "-" + std::to_string(next_id_++) : std::move(message_id);
  p->action = action;
  pending_ = p;
  ++metrics_.calls_sent[action];
  p->sent = SteadyClock::now();
  send_frame(Json::array({2, p->id, action, std::move(payload)}).dump());
  p->timer.expires_after(options_.call_timeout);
  co_await p->timer.async_wait(tuple_awaitable);
  if (pending_ == p) pending_.reset();
  if (!p->done) {
    ++metrics_.timeouts;
    if (observer_) observer_(action, SteadyClock::now() - p->sent, false);
    throw CallTimeout("[" + options_.id + "] " + action + ": no answer" +
                      (connected_ ? " within the call timeout" : ", connection closed"));
  }
  if (p->error) {
    ++metrics_.call_errors;
    if (observer_) observer_(action, p->received - p->sent, false);
    throw *p->error;
  }
  if (observer_) observer_(action, p->received - p->sent, true);
  metrics_.last_result[action] = *p->result;
  co_return std::move(*p->result);
}

asio::awaitable<std::optional<std::string>> ChargePoint::Impl::send_raw(std::string text, Duration timeout) {
  auto keep = shared_from_this();
  co_await lock_calls();
  CallLock guard{this};
  if (!connected_) throw std::runtime_error("[" + options_.id + "] raw frame: not connected");
  auto p = std::make_shared<Pending>(executor_);
  p->raw = true;
  pending_ = p;
  p->sent = SteadyClock::now();
  send_frame(std::move(text));
  p->timer.expires_after(timeout);
  co_await p->timer.async_wait(tuple_awaitable);
  if (pending_ == p) pending_.reset();
  if (!p->done) co_return std::nullopt;
  co_return std::move(p->raw_reply);
}

void ChargePoint::Impl::set_silent(bool silent) {
  silent_ = silent;
  if (transport_) transport_->pause(silent);
}

asio::awaitable<bool> ChargePoint::Impl::wait_for_call(std::string action, std::uint64_t count, Duration timeout) {
  auto keep = shared_from_this();
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (metrics_.calls_received[action] >= count) co_return true;
    if (SteadyClock::now() >= deadline || stopping_) co_return false;
    auto w = std::make_shared<asio::steady_timer>(executor_, deadline);
    call_watchers_.push_back(w);
    co_await w->async_wait(tuple_awaitable);
    std::erase(call_watchers_, w);
  }
}

// ---------------------------------------------------------------- public API forwarding

ChargePoint::ChargePoint(asio::any_io_executor executor, ChargePointOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(options))) {}
ChargePoint::~ChargePoint() { impl_->shutdown(); }

asio::awaitable<void> ChargePoint::connect() {
  impl_->closed_by_owner_ = false;
  return impl_->connect();
}
asio::awaitable<void> ChargePoint::close() {
  impl_->closed_by_owner_ = true;
  return impl_->close();
}
asio::awaitable<void> ChargePoint::power_cycle() {
  auto keep = impl_;
  co_await keep->close();
  keep->transactions_.clear();
  co_await keep->connect();
  co_await boot();
  for (int c = 0; c <= keep->options_.connectors; ++c) co_await status(c, "Available");
}
bool ChargePoint::connected() const { return impl_->connected_; }
asio::awaitable<Json> ChargePoint::call(std::string action, Json payload, std::string message_id) {
  return impl_->call(std::move(action), std::move(payload), std::move(message_id));
}
asio::awaitable<std::optional<std::string>> ChargePoint::send_raw(std::string text, Duration timeout) {
  return impl_->send_raw(std::move(text), timeout);
}
void ChargePoint::set_silent(bool silent) { impl_->set_silent(silent); }
bool ChargePoint::silent() const { return impl_->silent_; }
void ChargePoint::set_call_hook(CallHook hook) { impl_->hook_ = std::move(hook); }
void ChargePoint::set_call_observer(CallObserver observer) { impl_->observer_ = std::move(observer); }
const ChargePointMetrics& ChargePoint::metrics() const { return impl_->metrics_; }
const std::map<int, Transaction>& ChargePoint::transactions() const { return impl_->transactions_; }
std::optional<std::string> ChargePoint::config(const std::string& key) const { return impl_->config_.get(key); }
const std::string& ChargePoint::registration_status() const { return impl_->registration_status_; }
const std::string& ChargePoint::negotiated_subprotocol() const { return impl_->subprotocol_; }
const ChargePointOptions& ChargePoint::options() const { return impl_->options_; }
asio::awaitable<bool> ChargePoint::wait_for_call(std::string action, std::uint64_t count, Duration timeout) {
  return impl_->wait_for_call(std::move(action), count, timeout);
}

}  // namespace evp::sim
