// LiveEvents: listeners in a map keyed by subscription, a bounded ring of recent events.
#include "ocpp/live_events.hpp"

#include <deque>
#include <map>

#include "common/time.hpp"

namespace evp::ocpp {

struct LiveEvents::Subscription::State {
  std::map<std::uint64_t, Listener> listeners;
  std::uint64_t next_key = 1;
  std::uint64_t last_id = 0;
  std::size_t history = 0;
  std::deque<LiveEvent> recent;
};

LiveEvents::Subscription& LiveEvents::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    if (auto s = state_.lock()) s->listeners.erase(key_);
    state_ = std::move(other.state_);
    key_ = other.key_;
    other.state_.reset();
  }
  return *this;
}

LiveEvents::Subscription::~Subscription() {
  if (auto s = state_.lock()) s->listeners.erase(key_);
}

LiveEvents::LiveEvents(std::size_t history) : state_(std::make_shared<Subscription::State>()) {
  state_->history = history;
}

LiveEvents::~LiveEvents() = default;

LiveEvents::Subscription LiveEvents::subscribe(Listener listener) {
  const auto key = state_->next_key++;
  state_->listeners.emplace(key, std::move(listener));
  return Subscription(state_, key);
}

bool LiveEvents::listening() const { return !state_->listeners.empty(); }

void LiveEvents::publish(std::string_view type, nlohmann::json data) {
  auto& s = *state_;
  if (s.listeners.empty()) return;
  if (!data.contains("at")) data["at"] = common::format_datetime(common::now());
  LiveEvent ev{++s.last_id, std::string(type),
               data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  if (s.history > 0) {
    s.recent.push_back(ev);
    if (s.recent.size() > s.history) s.recent.pop_front();
  }
  // A listener may unsubscribe another (or itself) while we iterate: step by key.
  for (auto it = s.listeners.begin(); it != s.listeners.end();) {
    const auto key = it->first;
    it->second(ev);
    it = s.listeners.upper_bound(key);
  }
}

std::vector<LiveEvent> LiveEvents::since(std::uint64_t after) const {
  std::vector<LiveEvent> out;
  for (const auto& e : state_->recent)
    if (e.id > after) out.push_back(e);
  return out;
}

std::uint64_t LiveEvents::last_id() const { return state_->last_id; }

}  // namespace evp::ocpp
