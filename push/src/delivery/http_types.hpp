#pragma once
// The push client's request/response and the interface both HTTP versions implement.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "delivery/url.hpp"

namespace evp::push::delivery {

struct HttpRequest {
  Url url;
  /// Lower-case names (HTTP/2 requires it); sent as given over HTTP/1.1 too.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Called when the request is handed to the connection's writer (HTTP/2: the stream is
  /// submitted; HTTP/1.1: the write starts) - each time it is, should it be sent again.
  std::function<void()> on_submit;
};

struct HttpResponse {
  int status = 0;           ///< 0: no HTTP answer (see error)
  std::string body;         ///< the service's reason; first kMaxBody bytes only
  std::string retry_after;  ///< raw Retry-After header, if any
  std::string error;        ///< network error, timeout, stream reset
  /// The request never reached the service's application (refused stream, connection
  /// gone before sending): safe to send again at once on a new connection.
  bool unprocessed = false;
  /// Refused by the endpoint policy (non-public address, http:// not allowed): permanent.
  bool policy = false;
  /// No slot free to the origin within origin_wait: never sent (retryable).
  bool origin_busy = false;

  static constexpr std::size_t kMaxBody = 4096;
};

struct ClientOptions {
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds connect_timeout{10000};
  std::string ca_file;
  bool allow_insecure = false;
  /// A connection without traffic for this long is PINGed; an unanswered PING by the next
  /// tick closes it (a dead NAT mapping would otherwise only show as request timeouts).
  std::chrono::milliseconds ping_interval{30000};
  /// A connection with no request for this long is closed (GOAWAY) to free the service's
  /// and our resources; the next push reconnects.
  std::chrono::milliseconds idle_timeout{120000};
  /// Host lookups run on the client's own resolver threads, each bounded by dns_timeout.
  std::size_t dns_threads = 2;
  std::chrono::milliseconds dns_timeout{5000};
  /// Requests in flight to one origin: HTTP/2 streams (HTTP/1.1 is one at a time), and
  /// how long a request may wait for a slot before it fails as retryable.
  std::size_t origin_concurrency = 100;
  std::chrono::milliseconds origin_wait{10000};
};

/// One connection to one origin (HTTP/2: many concurrent requests; HTTP/1.1: one at a time).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual boost::asio::awaitable<HttpResponse> request(const HttpRequest& request) = 0;
  /// False once closed, failed or told to go away: new requests need a new connection.
  virtual bool usable() const = 0;
  virtual void close() = 0;
  virtual bool http2() const = 0;
};

}  // namespace evp::push::delivery
