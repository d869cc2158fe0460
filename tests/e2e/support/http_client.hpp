#pragma once
// A small HTTP/1.1 client over plain TCP (the REST API and the push receiver's plain port)
// as Asio coroutines. One keep-alive connection per client object, one request at a time;
// a connection the server closed while idle is reopened once. Every request has a deadline.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace evp::e2e {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
  /// The body parsed as JSON (discarded value when it is not JSON).
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor executor, std::string host, std::uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Throws std::runtime_error on network errors and timeouts (never for HTTP statuses).
  boost::asio::awaitable<HttpResponse> request(boost::beast::http::verb method, std::string target,
                                               std::string body = {}, Headers headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::e2e
