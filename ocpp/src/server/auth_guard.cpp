#include "server/auth_guard.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace evp::ocpp::detail {

AuthGuard::AuthGuard(asio::any_io_executor executor, const Config& config)
    : executor_(std::move(executor)),
      per_station_(config.auth_failures_per_station, config.auth_failure_window),
      per_address_(config.auth_failures_per_address, config.auth_failure_window),
      max_running_(std::max<std::size_t>(1, config.auth_concurrency)) {}

std::int64_t AuthGuard::throttled(const std::string& station_id, const std::string& source) {
  if (per_station_.limited(station_id)) {
    ++stats_.throttled_station;
    return per_station_.retry_after_seconds(station_id);
  }
  if (per_address_.limited(source)) {
    ++stats_.throttled_address;
    return per_address_.retry_after_seconds(source);
  }
  return 0;
}

void AuthGuard::failed(const std::string& station_id, const std::string& source) {
  ++stats_.failures;
  per_station_.record(station_id);
  per_address_.record(source);
}

void AuthGuard::succeeded(const std::string& station_id) { per_station_.reset(station_id); }

AuthGuard::Permit::~Permit() {
  if (guard_) guard_->release();
}

void AuthGuard::release() {
  if (!waiters_.empty()) {
    // The turn passes straight to the first waiter: running_ stays the same.
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->granted = true;
    w->timer.cancel();
    return;
  }
  --running_;
}

asio::awaitable<std::optional<AuthGuard::Permit>> AuthGuard::enter(std::chrono::milliseconds timeout) {
  if (running_ < max_running_ && waiters_.empty()) {
    ++running_;
    co_return Permit(this);
  }
  Waiter w(executor_);
  w.timer.expires_after(timeout);
  waiters_.push_back(&w);
  // Destroyed while parked (shutdown): leave the queue, and pass on a turn already given.
  struct Unpark {
    AuthGuard* guard;
    Waiter* w;
    bool armed = true;
    ~Unpark() {
      if (!armed) return;
      std::erase(guard->waiters_, w);
      if (w->granted) guard->release();
    }
  } unpark{this, &w};
  co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  unpark.armed = false;
  if (w.granted) co_return Permit(this);
  std::erase(waiters_, &w);
  ++stats_.queue_timeouts;
  co_return std::nullopt;
}

AuthGuard::Stats AuthGuard::stats() const {
  auto s = stats_;
  s.checks_running = running_;
  s.checks_waiting = waiters_.size();
  return s;
}

}  // namespace evp::ocpp::detail
