#pragma once
// Station-status manager: a station is online while it talks (any OCPP message or pong)
// and offline after `offline_timeout` of silence.
//
// Cost grows with the stations that fall due, not with the fleet: seen() is O(1) (it only
// stamps the time), and every station has at most one entry in a min-heap of deadlines.
// When an entry comes due and the station talked meanwhile, the entry is pushed again with
// the new deadline (lazy re-arm) instead of being updated on every message.
//
// Last-seen times are kept in memory and written in batches (one statement per flush).
// The clock is injectable so tests drive it without sleeping.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/time.hpp"
#include "ocpp/central_system.hpp"

namespace evp::ocpp::detail {

/// Where transitions and last-seen times go (PostgreSQL in the server, a fake in tests).
class StatusStore {
 public:
  virtual ~StatusStore() = default;
  /// Records one transition (stations.status + station_status_history).
  virtual asio::awaitable<void> store_transition(const std::string& station_id, bool online,
                                                 common::TimePoint changed_at, common::TimePoint last_seen) = 0;
  /// Writes many last-seen times in one statement.
  virtual asio::awaitable<void> store_last_seen(
      const std::vector<std::pair<std::string, common::TimePoint>>& batch) = 0;
  /// Stations the database believes online (with their last_seen_at), read once at start.
  virtual asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> load_online() = 0;
};

class StatusManager {
 public:
  using ClockFn = std::function<common::TimePoint()>;

  StatusManager(asio::any_io_executor executor, StatusStore& store, Events events,
                std::chrono::milliseconds offline_timeout, std::chrono::milliseconds flush_period,
                ClockFn clock = &common::now);
  ~StatusManager();

  /// Loads the stations stored as online (they go offline after the timeout unless they
  /// talk) and starts the timer loop. `run_timer=false` leaves driving to process_due()
  /// and flush() (unit tests).
  asio::awaitable<void> start(bool run_timer = true);
  /// Stops the timer loop and flushes pending last-seen times.
  asio::awaitable<void> stop();

  struct Entry;
  /// A station's entry, resolved once (entries are never removed, so it stays valid for
  /// the manager's life): the per-frame seen() then needs no lookup by name.
  using Handle = Entry*;
  Handle handle(const std::string& station_id) { return &entry_for(station_id); }

  /// The station sent something (message, pong) or just connected.
  void seen(const std::string& station_id) { seen(handle(station_id)); }
  void seen(Handle station);

  /// Processes heap entries whose deadline is <= clock(): re-arms the ones that talked,
  /// turns the others offline. Transitions are queued for the store.
  void process_due();
  /// Writes queued transitions (in order) and the dirty last-seen times (one batch). A
  /// transition that cannot be stored stays queued, with the ones after it, for the next
  /// flush (retried until stored).
  asio::awaitable<void> flush();
  /// Transitions waiting to be stored.
  std::size_t pending_transitions() const { return transitions_.size(); }

  bool is_online(const std::string& station_id) const;
  std::optional<common::TimePoint> last_seen(const std::string& station_id) const;
  std::size_t online_count() const { return online_count_; }

  /// Instrumentation for tests: heap pushes + pops since construction.
  std::uint64_t heap_operations() const { return heap_ops_; }
  std::size_t heap_size() const { return heap_.size(); }

 public:
  // Public as the target of Handle; only the manager touches its fields.
  struct Entry {
    const std::string* id = nullptr;  // the map key (unordered_map nodes are stable)
    common::TimePoint last_seen{};    // what we report (may come from the database)
    common::TimePoint activity{};     // what deadlines are computed from
    bool online = false;
    bool armed = false;  // has an entry in heap_
    bool dirty = false;  // last_seen not yet flushed
  };

 private:
  struct Due {
    common::TimePoint deadline;
    Entry* entry;
    bool operator>(const Due& o) const { return deadline > o.deadline; }
  };
  struct Transition {
    std::string station_id;
    bool online;
    common::TimePoint at, last_seen;
  };

  Entry& entry_for(const std::string& station_id);
  void arm(Entry& e);
  void transition(Entry& e, bool online);
  asio::awaitable<void> timer_loop();

  asio::any_io_executor executor_;
  StatusStore& store_;
  Events events_;
  std::chrono::milliseconds timeout_, flush_period_;
  ClockFn clock_;
  std::unordered_map<std::string, Entry> entries_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> heap_;
  std::vector<Entry*> dirty_;
  std::deque<Transition> transitions_;
  std::size_t online_count_ = 0;
  std::uint64_t heap_ops_ = 0;
  std::uint64_t store_failures_ = 0;  // consecutive failed writes of the first queued transition
  bool flushing_ = false;
  bool stopped_ = false;
  std::unique_ptr<asio::steady_timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace evp::ocpp::detail
