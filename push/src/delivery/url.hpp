#pragma once
// Just enough URL parsing for push endpoints: scheme, host, port, path+query.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evp::push::delivery {

struct Url {
  std::string scheme;  // "https" or "http", lower case
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"

  bool tls() const { return scheme == "https"; }
  /// scheme://host:port, the key for connection reuse (port always present).
  std::string connection_key() const;
};

/// nullopt when the URL is not an absolute http(s) URL with a host, or contains
/// userinfo, a fragment, whitespace or control characters.
std::optional<Url> parse_url(std::string_view text);

}  // namespace evp::push::delivery
