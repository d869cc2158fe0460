#pragma once
// Push-service client: one connection per origin, reused by every request to it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <string>

#include "common/resolver.hpp"
#include "delivery/http_types.hpp"

namespace boost::asio::ssl {
class context;
}

namespace evp::push::delivery {

class HttpClient {
 public:
  /// Throws std::runtime_error when options.ca_file cannot be loaded.
  HttpClient(boost::asio::any_io_executor executor, ClientOptions options);
  ~HttpClient();

  /// Sends over the origin's connection, opening it (or a replacement after GOAWAY or an
  /// error) first. Never throws for network trouble: it is in the response. At most
  /// options.origin_concurrency requests are in flight to one origin (one over HTTP/1.1);
  /// a request that finds no slot within options.origin_wait is answered `origin_busy`.
  boost::asio::awaitable<HttpResponse> send(const HttpRequest& request);

  /// Closes every connection (in-flight requests fail with an error).
  void close_all();

  std::uint64_t connections_opened() const { return connections_opened_; }
  std::size_t open_connections() const;
  const ClientOptions& options() const { return options_; }

 private:
  struct Origin;
  boost::asio::awaitable<std::shared_ptr<Connection>> connection_for(const Url& url, HttpResponse& failure);
  /// Takes one of the origin's `limit` request slots, waiting at most options_.origin_wait.
  boost::asio::awaitable<bool> acquire_slot(std::shared_ptr<Origin> origin, std::size_t limit);

  boost::asio::any_io_executor executor_;
  ClientOptions options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  common::Resolver resolver_;
  std::map<std::string, std::shared_ptr<Origin>> origins_;
  std::uint64_t connections_opened_ = 0;
};

}  // namespace evp::push::delivery
