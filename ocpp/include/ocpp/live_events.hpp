#pragma once
/// What happens on the network as it happens, for operators watching live (the management
/// API's event stream): an in-process publish/subscribe on the loop. The OCPP module
/// publishes (connections, registration and boots, connector states, transactions and their
/// faults); the API subscribes. Single-threaded like everything on the loop: publish and
/// subscribe from the loop's thread only.
///
/// Nothing is built while nobody listens: publishers check listening() first, so the
/// station path pays nothing without an open stream.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace evp::ocpp {

struct LiveEvent {
  std::uint64_t id = 0;  ///< 1, 2, ... in this process (the stream's `id:`)
  std::string type;      ///< station | connector | session | fault
  std::string data;      ///< a JSON object, serialised once for every listener
};

class LiveEvents {
 public:
  /// Called synchronously inside publish(): must not block, and should only queue.
  using Listener = std::function<void(const LiveEvent&)>;

  /// Unsubscribes when destroyed (also after the LiveEvents is gone).
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&&) noexcept = default;
    Subscription& operator=(Subscription&&) noexcept;
    ~Subscription();

   private:
    friend class LiveEvents;
    struct State;
    Subscription(std::weak_ptr<State> state, std::uint64_t key) : state_(std::move(state)), key_(key) {}
    std::weak_ptr<State> state_;
    std::uint64_t key_ = 0;
  };

  /// `history`: how many recent events are kept for a stream that resumes (Last-Event-ID).
  explicit LiveEvents(std::size_t history = 256);
  ~LiveEvents();
  LiveEvents(const LiveEvents&) = delete;
  LiveEvents& operator=(const LiveEvents&) = delete;

  Subscription subscribe(Listener listener);
  /// Someone is subscribed: worth building an event.
  bool listening() const;
  /// Stamps `data` with "at" (now, RFC 3339) unless it has one, numbers it and hands it to
  /// every listener. A no-op while nobody listens.
  void publish(std::string_view type, nlohmann::json data);
  /// Kept events with an id above `after`, oldest first (what a resuming stream missed).
  std::vector<LiveEvent> since(std::uint64_t after) const;
  std::uint64_t last_id() const;

 private:
  std::shared_ptr<Subscription::State> state_;
};

}  // namespace evp::ocpp
