#include "server/status_manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace evp::ocpp::detail {

namespace {
// Longest batch in one UPDATE ... FROM unnest(...): keeps a statement well under libpq's
// and the server's comfort zone even with 10,000 stations talking every second.
constexpr std::size_t kMaxBatch = 5000;
}  // namespace

StatusManager::StatusManager(asio::any_io_executor executor, StatusStore& store, Events events,
                             std::chrono::milliseconds offline_timeout, std::chrono::milliseconds flush_period,
                             ClockFn clock)
    : executor_(std::move(executor)),
      store_(store),
      events_(std::move(events)),
      timeout_(offline_timeout),
      flush_period_(flush_period),
      clock_(std::move(clock)) {}

StatusManager::~StatusManager() { *alive_ = false; }

StatusManager::Entry& StatusManager::entry_for(const std::string& station_id) {
  auto [it, inserted] = entries_.try_emplace(station_id);
  if (inserted) it->second.id = &it->first;
  return it->second;
}

void StatusManager::arm(Entry& e) {
  if (e.armed) return;
  e.armed = true;
  heap_.push(Due{e.activity + timeout_, &e});
  ++heap_ops_;
}

void StatusManager::transition(Entry& e, bool online) {
  e.online = online;
  if (online)
    ++online_count_;
  else
    --online_count_;
  transitions_.push_back(Transition{*e.id, online, clock_(), e.last_seen});
}

void StatusManager::seen(Handle station) {
  auto& e = *station;
  e.last_seen = e.activity = clock_();
  if (!e.dirty) {
    e.dirty = true;
    dirty_.push_back(&e);
  }
  if (!e.online) transition(e, true);
  arm(e);
}

void StatusManager::process_due() {
  const auto now = clock_();
  while (!heap_.empty() && heap_.top().deadline <= now) {
    Entry& e = *heap_.top().entry;
    heap_.pop();
    ++heap_ops_;
    e.armed = false;
    if (e.activity + timeout_ > now) {
      arm(e);  // talked since this entry was pushed: lazy re-arm
    } else if (e.online) {
      transition(e, false);
    }
  }
}

asio::awaitable<void> StatusManager::flush() {
  flushing_ = true;
  // Transitions first and in order: a station that went offline and came back must end
  // up online in the database.
  while (!transitions_.empty()) {
    // A copy: the store call suspends, and seen()/process_due() may append meanwhile.
    const Transition t = transitions_.front();
    try {
      co_await store_.store_transition(t.station_id, t.online, t.at, t.last_seen);
    } catch (const std::exception& ex) {
      // Kept, with everything after it in order, for the next flush: an offline
      // transition carries the owner's notification and must not be lost to a database
      // outage. The store's SQL only changes a status that differs, so a retry of a
      // write that did commit after all cannot record the episode twice.
      ++store_failures_;
      if (store_failures_ == 1 || store_failures_ % 100 == 0)
        spdlog::error("station {}: storing {} transition failed ({} attempts, will retry): {}", t.station_id,
                      t.online ? "online" : "offline", store_failures_, ex.what());
      break;
    }
    if (store_failures_ > 0) {
      spdlog::info("station {}: {} transition stored after {} failed attempts", t.station_id,
                   t.online ? "online" : "offline", store_failures_);
      store_failures_ = 0;
    }
    transitions_.pop_front();
    spdlog::info("station {} is {}", t.station_id, t.online ? "online" : "offline");
    if (t.online && events_.station_online) events_.station_online(t.station_id);
    if (!t.online && events_.station_offline) events_.station_offline(t.station_id, t.last_seen);
  }
  while (!dirty_.empty()) {
    std::vector<std::pair<std::string, common::TimePoint>> batch;
    const auto n = std::min(dirty_.size(), kMaxBatch);
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      Entry* e = dirty_[dirty_.size() - 1 - i];
      e->dirty = false;
      batch.emplace_back(*e->id, e->last_seen);
    }
    dirty_.resize(dirty_.size() - n);
    try {
      co_await store_.store_last_seen(batch);
    } catch (const std::exception& ex) {
      // Not retried: the next message of each station marks it dirty again.
      spdlog::warn("writing last-seen times of {} stations failed: {}", batch.size(), ex.what());
    }
  }
  flushing_ = false;
}

asio::awaitable<void> StatusManager::start(bool run_timer) {
  const auto now = clock_();
  try {
    for (auto& [id, last_seen] : co_await store_.load_online()) {
      auto& e = entry_for(id);
      if (e.online) continue;
      // Restart safety: it gets a full timeout from now to reconnect before it is offline.
      e.last_seen = last_seen.value_or(now);
      e.activity = now;
      e.online = true;
      ++online_count_;
      arm(e);
    }
  } catch (const std::exception& ex) {
    spdlog::error("loading online stations failed: {}", ex.what());
  }
  if (run_timer) {
    timer_ = std::make_unique<asio::steady_timer>(executor_);
    asio::co_spawn(executor_, timer_loop(), asio::detached);
  }
}

asio::awaitable<void> StatusManager::timer_loop() {
  auto alive = alive_;
  auto next_flush = clock_() + flush_period_;
  while (*alive && !stopped_) {
    auto wake = next_flush;
    if (!heap_.empty()) wake = std::min(wake, heap_.top().deadline);
    timer_->expires_after(std::max(std::chrono::milliseconds(0), wake - clock_()));
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (!*alive || stopped_) co_return;
    process_due();
    if (clock_() >= next_flush || !transitions_.empty()) {
      co_await flush();
      if (!*alive) co_return;
      next_flush = clock_() + flush_period_;
    }
  }
}

asio::awaitable<void> StatusManager::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
  // Let a flush that is under way finish; then write what is left.
  asio::steady_timer wait(executor_);
  while (flushing_) {
    wait.expires_after(std::chrono::milliseconds(5));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_await flush();
}

bool StatusManager::is_online(const std::string& station_id) const {
  auto it = entries_.find(station_id);
  return it != entries_.end() && it->second.online;
}

std::optional<common::TimePoint> StatusManager::last_seen(const std::string& station_id) const {
  auto it = entries_.find(station_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.last_seen;
}

}  // namespace evp::ocpp::detail
