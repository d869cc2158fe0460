#pragma once
// The outbox dispatcher: keeps up to workers x batch_size items in flight, claiming more as
// sends complete, and records each outcome as it arrives (outcomes that arrive together
// share one statement). Runs as coroutines on the event loop; owned through shared_ptr by
// those coroutines so that it outlives the Service that started it. Its statements run on
// database connections of its own (Config::db_connections), never on the shared pool, so
// a storm of OCPP transactions holding every shared connection cannot delay a push.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <random>

#include "delivery/http_client.hpp"
#include "delivery/outbox.hpp"
#include "delivery/web_push_request.hpp"
#include "push/service.hpp"

namespace evp::push::delivery {

class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
 public:
  /// Throws std::runtime_error when config.ca_file cannot be loaded. `pool` is the shared
  /// pool: only its configuration is used, for the dispatcher's own connections.
  Dispatcher(asio::any_io_executor executor, db::Pool& pool, const Config& config, KeyPair key);

  void start();
  void stop();
  void wake();
  /// Completes when every item in flight has been sent and its outcome recorded (or, with
  /// the database away, given up after a few tries: the items stay claimed by this run
  /// and the next start of the instance takes them back) and connections are closed.
  asio::awaitable<void> drained();

  Stats& stats() { return stats_; }
  const KeyPair& key() const { return key_; }
  const Claimant& claimant() const { return claimant_; }

 private:
  asio::awaitable<void> claimer();
  asio::awaitable<void> recorder();
  asio::awaitable<void> renewer();
  /// Refreshes Stats::outbox_depth at most once a second, off the claimer's path.
  void check_depth();
  asio::awaitable<void> deliver(OutboxItem item);
  asio::awaitable<ItemResult> send_one(const OutboxItem& item);
  ItemResult judge(const OutboxItem& item, const HttpResponse& response);
  /// Records `batch`; on failure item by item. Returns the outcomes not recorded.
  asio::awaitable<std::vector<ItemResult>> record(std::vector<ItemResult> batch);
  /// One group of outcomes: recorded, or put back for later when the database is away.
  asio::awaitable<void> write(std::vector<ItemResult> batch);
  void spawn(const char* name, asio::awaitable<void> (Dispatcher::*body)());
  bool finished() const { return stopping_ && in_flight_ == 0 && results_.empty(); }
  /// Stats::in_flight: claimed and not recorded yet (sending, or outcome not yet written).
  void update_in_flight() { stats_.in_flight = in_flight_ + results_.size() + outcomes_writing_; }

  asio::any_io_executor executor_;
  db::Pool pool_;  // the dispatcher's own connections
  Config config_;
  KeyPair key_;
  Claimant claimant_;
  VapidCache vapid_;
  HttpClient client_;
  Stats stats_;
  std::mt19937_64 rng_;
  std::size_t capacity_;
  std::size_t in_flight_ = 0;
  std::vector<ItemResult> results_;    // outcomes waiting to be recorded
  int writes_in_flight_ = 0;
  std::size_t outcomes_writing_ = 0;  // outcomes in the writes in flight
  int failed_rounds_ = 0;
  asio::steady_timer wake_timer_;      // the claimer's poll (cancelled by wake())
  asio::steady_timer slot_signal_;     // a send finished: room to claim more
  asio::steady_timer results_signal_;  // outcomes to record, or the last send finished
  asio::steady_timer renew_timer_;
  asio::steady_timer drained_signal_;
  bool woken_ = false;
  bool stopping_ = false;
  bool recorder_done_ = false;
  int running_ = 0;  // coroutines of claimer, recorder, renewer
  std::chrono::steady_clock::time_point depth_checked_{};
  bool depth_checking_ = false;
  std::chrono::steady_clock::time_point last_db_error_log_{};
};

/// A random RFC 4122 version-4 UUID (the run's claim token).
std::string random_claim_token();

}  // namespace evp::push::delivery
