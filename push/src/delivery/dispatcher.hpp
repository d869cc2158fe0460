#pragma once
// The outbox dispatcher: claims due items in batches, sends each batch concurrently over
// the HTTP client and records the outcomes. Runs as coroutines on the event loop; owned
// through shared_ptr by those coroutines so that it outlives the Service that started it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <random>

#include "delivery/http_client.hpp"
#include "delivery/outbox.hpp"
#include "delivery/web_push_request.hpp"
#include "push/service.hpp"

namespace evp::push::delivery {

class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
 public:
  /// Throws std::runtime_error when config.ca_file cannot be loaded.
  Dispatcher(asio::any_io_executor executor, db::Pool& pool, const Config& config, KeyPair key);

  void start();
  void stop();
  void wake();
  /// Completes when every worker has exited and connections are closed.
  asio::awaitable<void> drained();

  Stats& stats() { return stats_; }
  const KeyPair& key() const { return key_; }

 private:
  asio::awaitable<void> worker();
  asio::awaitable<std::vector<ItemResult>> send_batch(const std::vector<OutboxItem>& items);
  asio::awaitable<ItemResult> send_one(const OutboxItem& item);
  ItemResult judge(const OutboxItem& item, const HttpResponse& response);

  asio::any_io_executor executor_;
  db::Pool& pool_;
  Config config_;
  KeyPair key_;
  VapidCache vapid_;
  HttpClient client_;
  Stats stats_;
  std::mt19937_64 rng_;
  asio::steady_timer wake_timer_;
  asio::steady_timer drained_signal_;
  bool woken_ = false;
  bool stopping_ = false;
  int running_workers_ = 0;
  std::chrono::steady_clock::time_point depth_checked_{};
  std::chrono::steady_clock::time_point last_db_error_log_{};
};

}  // namespace evp::push::delivery
