#include "delivery/http_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <vector>

#include "delivery/h1_connection.hpp"
#include "delivery/h2_connection.hpp"
#include "delivery/transport.hpp"

namespace evp::push::delivery {

// Connection state of one origin. While a connection is being opened, further requests
// wait for it instead of opening their own: a burst of pushes to one service must share
// one connection (that is what HTTP/2 multiplexing is for).
struct HttpClient::Origin {
  std::shared_ptr<Connection> connection;
  bool connecting = false;
  std::uint64_t attempt = 0;  // incremented per finished connect attempt
  std::string last_error;
  bool last_policy = false;
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;
  // Requests in flight to the origin, and those waiting for a slot (first come, first
  // served; each with its own deadline).
  struct SlotWaiter {
    explicit SlotWaiter(asio::any_io_executor executor) : timer(executor) {}
    asio::steady_timer timer;
    bool granted = false;
  };
  std::size_t active = 0;
  std::deque<std::shared_ptr<SlotWaiter>> slot_waiters;

  void release() {
    if (!slot_waiters.empty()) {
      auto next = slot_waiters.front();  // the slot passes on; `active` stays
      slot_waiters.pop_front();
      next->granted = true;
      next->timer.cancel();
      return;
    }
    --active;
  }
};

namespace {
// Runs `release` when the request is over, however it ends.
template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() { f_(); }

 private:
  F f_;
};
}  // namespace

HttpClient::HttpClient(asio::any_io_executor executor, ClientOptions options)
    : executor_(executor),
      options_(std::move(options)),
      tls_(make_client_tls_context(options_.ca_file)),
      resolver_(executor_, common::Resolver::Options{options_.dns_threads, 256, options_.dns_timeout}) {}

HttpClient::~HttpClient() { close_all(); }

void HttpClient::close_all() {
  for (auto& [key, origin] : origins_)
    if (origin->connection) origin->connection->close();
  origins_.clear();
}

std::size_t HttpClient::open_connections() const {
  std::size_t n = 0;
  for (const auto& [key, origin] : origins_) n += origin->connection && origin->connection->usable();
  return n;
}

asio::awaitable<std::shared_ptr<Connection>> HttpClient::connection_for(const Url& url, HttpResponse& failure) {
  auto key = url.connection_key();
  auto& slot = origins_[key];
  if (!slot) slot = std::make_shared<Origin>();
  auto origin = slot;  // keeps the state alive even if close_all() runs while we wait
  while (true) {
    if (origin->connection && origin->connection->usable()) co_return origin->connection;
    if (origin->connecting) {
      auto seen = origin->attempt;
      auto waiter = std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
      origin->waiters.push_back(waiter);
      co_await waiter->async_wait(asio::as_tuple(asio::use_awaitable));
      if (origin->attempt != seen && !origin->connection) {
        failure.error = origin->last_error;  // share the failure rather than hammer a dead service
        failure.policy = origin->last_policy;
        co_return nullptr;
      }
      continue;
    }
    origin->connecting = true;
    auto transport = co_await open_transport(executor_, *tls_, url, options_, resolver_);
    std::shared_ptr<Connection> connection;
    if (transport.error.empty()) {
      connection = transport.h2 ? make_h2_connection(executor_, std::move(transport.tls), options_)
                                : make_h1_connection(executor_, std::move(transport), options_);
      if (!connection) transport.error = "cannot create HTTP/2 session";
    }
    if (connection) {
      ++connections_opened_;
      spdlog::debug("push: connected to {} ({})", key, connection->http2() ? "h2" : "http/1.1");
    } else {
      spdlog::warn("push: cannot connect to {}: {}", key, transport.error);
    }
    origin->connection = connection;
    origin->last_error = transport.error;
    origin->last_policy = transport.policy;
    origin->connecting = false;
    ++origin->attempt;
    for (auto& waiter : origin->waiters) waiter->cancel();
    origin->waiters.clear();
    if (!connection) {
      failure.error = transport.error;
      failure.policy = transport.policy;
      co_return nullptr;
    }
  }
}

asio::awaitable<bool> HttpClient::acquire_slot(std::shared_ptr<Origin> origin, std::size_t limit) {
  if (origin->active < limit && origin->slot_waiters.empty()) {
    ++origin->active;
    co_return true;
  }
  auto waiter = std::make_shared<Origin::SlotWaiter>(executor_);
  origin->slot_waiters.push_back(waiter);
  waiter->timer.expires_after(options_.origin_wait);
  co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (waiter->granted) co_return true;
  auto& queue = origin->slot_waiters;
  queue.erase(std::remove(queue.begin(), queue.end(), waiter), queue.end());
  co_return false;
}

asio::awaitable<HttpResponse> HttpClient::send(const HttpRequest& request) {
  HttpResponse response;
  auto key = request.url.connection_key();
  auto& slot = origins_[key];
  if (!slot) slot = std::make_shared<Origin>();
  auto origin = slot;
  // HTTP/1.1 carries one request at a time: more in flight would only queue inside the
  // connection, without a deadline. Until the protocol is known, assume HTTP/2.
  const bool h1 = origin->connection && !origin->connection->http2();
  const std::size_t limit = h1 ? 1 : std::max<std::size_t>(1, options_.origin_concurrency);
  if (!co_await acquire_slot(origin, limit)) {
    response.origin_busy = true;
    response.error = "no free request slot to " + key + " within " + std::to_string(options_.origin_wait.count()) +
                     " ms (" + std::to_string(origin->active) + " in flight)";
    co_return response;
  }
  ScopeExit release([origin] { origin->release(); });
  // One immediate retry on a fresh connection when the request provably was not processed
  // (refused stream, GOAWAY, keep-alive connection the service had closed); anything else
  // goes back to the outbox's backoff.
  for (int attempt = 0; attempt < 2; ++attempt) {
    response = HttpResponse{};
    auto connection = co_await connection_for(request.url, response);
    if (!connection) co_return response;
    response = co_await connection->request(request);
    if (!(response.status == 0 && response.unprocessed)) break;
  }
  co_return response;
}

}  // namespace evp::push::delivery
