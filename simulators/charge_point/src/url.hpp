#pragma once
// ws:// and wss:// URL splitting for the simulator (no general URL library needed: the
// simulator only ever talks to a central system address given on the command line).
#include <optional>
#include <string>
#include <string_view>

namespace evp::sim::detail {

struct WsUrl {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6 literals
  std::string port;  ///< defaulted to 80/443
  std::string path;  ///< always starts with '/', no trailing '/' (except the root "/")
  /// Host header value: host[:port], IPv6 literals bracketed.
  std::string host_header() const;
  /// `path` + "/" + id.
  std::string target_for(std::string_view id) const;
};

/// nullopt when the scheme is not ws/wss or the authority is malformed.
std::optional<WsUrl> parse_ws_url(std::string_view url);

}  // namespace evp::sim::detail
