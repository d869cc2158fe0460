#pragma once
// The route table: method + path pattern ("/api/v1/stations/{id}") -> handler coroutine.
// Each REST resource file declares its routes as a table next to its handlers.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace evp::api {

class Context;
struct Reply;

/// Who may call a route; the dispatcher authenticates before the handler runs.
enum class Access {
  Public,  ///< no token
  User,    ///< any valid token whose user is a client or an owner
  Client,  ///< a client (driver)
  Owner,   ///< a station owner
  Operator,  ///< a network operator (listed in `operators`): the management API
  Webhook  ///< no token; the handler checks its own signature
};

using Handler = boost::asio::awaitable<Reply> (*)(Context&);

struct Route {
  boost::beast::http::verb method;
  std::string pattern;
  Access access;
  Handler handler;
};

using PathParams = std::map<std::string, std::string, std::less<>>;

class Router {
 public:
  void add(Route route);
  void add(const std::vector<Route>& routes);

  struct Match {
    const Route* route = nullptr;
    PathParams params;
    /// Methods the path accepts (non-empty with route == nullptr means 405).
    std::vector<boost::beast::http::verb> allowed;
  };
  /// `path` without the query string. Literal segments win over {params}.
  Match match(boost::beast::http::verb method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

/// Splits a request target into path and decoded query parameters; nullopt-like empty
/// path when percent-encoding is broken.
struct Target {
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  bool valid = true;
};
Target parse_target(std::string_view target);

}  // namespace evp::api
