#include "delivery/http_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
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
};

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

asio::awaitable<HttpResponse> HttpClient::send(const HttpRequest& request) {
  HttpResponse response;
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
