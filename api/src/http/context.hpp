#pragma once
// What a handler sees: the request, its path/query parameters, the authenticated user,
// the services, and the JSON body with field accessors whose errors name the field.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "api/server.hpp"
#include "common/resolver.hpp"
#include "http/router.hpp"
#include "http/stream.hpp"

namespace evp::api {

namespace http = boost::beast::http;
class JwtVerifier;
class Metrics;
struct RestLimits;

/// A failure a handler reports to the caller: becomes {"success":false,"error":{code,message}}.
class ApiError : public std::runtime_error {
 public:
  ApiError(http::status status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  ApiError(http::status status, std::string code, const std::string& message, nlohmann::json details)
      : ApiError(status, std::move(code), message) {
    details_ = std::move(details);
  }
  http::status status() const { return status_; }
  const std::string& code() const { return code_; }
  /// Extra fields for error.details (e.g. the session id of a rejected start); null if none.
  const nlohmann::json& details() const { return details_; }
  /// Seconds for a Retry-After header (429, 503); 0 = none.
  std::int64_t retry_after() const { return retry_after_; }
  ApiError& with_retry_after(std::int64_t seconds) {
    retry_after_ = seconds;
    return *this;
  }

 private:
  http::status status_;
  std::string code_;
  nlohmann::json details_;
  std::int64_t retry_after_ = 0;
};

/// 400 naming the field.
[[noreturn]] void bad_field(const std::string& field, const std::string& what);

/// A handler's answer. `data` goes into {"success":true,"data":...}; `raw` (with
/// `content_type`) is sent as is instead (Prometheus text).
struct Reply {
  http::status status = http::status::ok;
  nlohmann::json data;
  std::optional<std::string> raw;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set: the response stays open and this writes its body (Server-Sent Events); `data`
  /// and `raw` are ignored.
  StreamBody stream;
};

/// The services a handler may use (owned by Server::Impl).
struct Services {
  boost::asio::io_context& io;
  db::Pool& pool;
  ocpp::CentralSystem& ocpp;
  push::Service* push;  ///< null when push is disabled
  const Config& config;
  const JwtVerifier& jwt;
  Metrics& metrics;
  charging::Service& charging;
  RestLimits& limits;
  /// Subscription endpoints are looked up here (own threads and deadline).
  common::Resolver& resolver;
};

struct User {
  std::string id;  ///< JWT `sub`, lowercase UUID
  bool client = false;
  bool owner = false;
  bool is_operator = false;  ///< listed in `operators` (the management API)
};

/// Accessors over a JSON object; `prefix` names nested objects in errors ("keys.auth").
class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string prefix = {}) : j_(object), prefix_(std::move(prefix)) {}
  bool has(const char* name) const { return j_.contains(name) && !j_[name].is_null(); }
  std::string str(const char* name, std::size_t max_len = 4096) const;
  std::optional<std::string> opt_str(const char* name, std::size_t max_len = 4096) const;
  std::int64_t integer(const char* name, std::int64_t min, std::int64_t max) const;
  std::optional<std::int64_t> opt_integer(const char* name, std::int64_t min, std::int64_t max) const;
  /// Decimal amount as a string ("150.00") or a JSON number with at most `scale` fraction
  /// digits; returned scaled (tyiyn for scale 2, Wh for scale 3).
  std::optional<std::int64_t> opt_decimal(const char* name, int scale) const;
  std::optional<bool> opt_bool(const char* name) const;
  JsonFields object(const char* name) const;
  std::string path(const char* name) const { return prefix_.empty() ? name : prefix_ + "." + name; }

 private:
  const nlohmann::json& j_;
  std::string prefix_;
};

class Context {
 public:
  Context(Services& services, const http::request<http::string_body>& request, PathParams params,
          std::map<std::string, std::string, std::less<>> query, std::string request_id)
      : svc(services),
        req(request),
        request_id(std::move(request_id)),
        params_(std::move(params)),
        query_(std::move(query)) {}

  Services& svc;
  const http::request<http::string_body>& req;
  User user;  ///< filled by the dispatcher for authenticated routes
  const std::string request_id;

  const std::string& param(std::string_view name) const;
  std::optional<std::string> query(std::string_view name) const;
  /// Integer query parameter with bounds; 400 naming it when malformed.
  std::int64_t query_int(std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  /// The body parsed as a JSON object; 400 when it is empty, not JSON or not an object.
  JsonFields body();
  /// The same body as parsed JSON (after body() succeeded once).
  const nlohmann::json& body_json() {
    body();
    return *body_;
  }

 private:
  PathParams params_;
  std::map<std::string, std::string, std::less<>> query_;
  std::optional<nlohmann::json> body_;
};

/// Paging from ?limit=&offset= (limit 1..100, default 20).
struct Page {
  std::int64_t limit, offset;
};
Page page_of(const Context& ctx);

bool is_uuid(std::string_view s);

/// A nullable column as JSON (null or the text).
inline nlohmann::json nullable(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace evp::api
