#pragma once
// Turns one parsed HTTP request into one response: request id, CORS, routing, content
// type, authentication, the handler, and the single place where errors become JSON.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/context.hpp"
#include "http/static_files.hpp"

namespace evp::api {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

/// Builds a JSON error response (also used by the connection loop for 413/431).
Response error_response(const Request* req, http::status status, const std::string& code, const std::string& message,
                        const nlohmann::json& details = nullptr);

class Dispatcher {
 public:
  /// `console`: the operator console's files, served under /console/ (null: not served).
  Dispatcher(Services& services, const Router& router, const StaticFiles* console = nullptr)
      : svc_(services), router_(router), console_(console) {}
  /// A handler that answers with a stream leaves its body in `*stream` (when given; without
  /// it such a route answers 500): the caller writes the head, then runs it.
  boost::asio::awaitable<Response> handle(Request& req, StreamBody* stream = nullptr);

 private:
  boost::asio::awaitable<void> authenticate(Context& ctx, Access access);
  void add_cors(const Request& req, Response& res) const;
  bool origin_allowed(std::string_view origin) const;

  Services& svc_;
  const Router& router_;
  const StaticFiles* console_;
};

}  // namespace evp::api
