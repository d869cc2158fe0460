#include "delivery/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace evp::push::delivery {

std::string Url::connection_key() const { return scheme + "://" + host + ":" + std::to_string(port); }

std::optional<Url> parse_url(std::string_view text) {
  // Endpoints are user input that ends up in a request line: refuse anything that could
  // smuggle a second header or request.
  if (text.empty() || text.size() > 2048) return std::nullopt;
  for (unsigned char c : text)
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
  if (text.find('#') != std::string_view::npos) return std::nullopt;

  Url url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  url.scheme.assign(text.substr(0, sep));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme == "https")
    url.port = 443;
  else if (url.scheme == "http")
    url.port = 80;
  else
    return std::nullopt;

  auto rest = text.substr(sep + 3);
  auto path_pos = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_pos);
  url.target = path_pos == std::string_view::npos ? "/" : std::string(rest.substr(path_pos));
  if (url.target.front() == '?') url.target.insert(url.target.begin(), '/');
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host.assign(authority.substr(1, close - 1));
    // Brackets hold an IPv6 literal only (RFC 3986 IP-literal); anything else in them would
    // be looked up as a host name and mismatch the VAPID audience of the same URL.
    in6_addr parsed;
    if (::inet_pton(AF_INET6, url.host.c_str(), &parsed) != 1) return std::nullopt;
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    url.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  std::transform(url.host.begin(), url.host.end(), url.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return std::nullopt;
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

}  // namespace evp::push::delivery
