#include "url.hpp"

#include <algorithm>
#include <cctype>

namespace evp::sim::detail {

std::string WsUrl::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  return default_port ? h : h + ":" + port;
}

std::string WsUrl::target_for(std::string_view id) const {
  std::string t = path == "/" ? "" : path;
  t += '/';
  t += id;
  return t;
}

std::optional<WsUrl> parse_ws_url(std::string_view url) {
  WsUrl out;
  if (url.starts_with("ws://")) {
    url.remove_prefix(5);
  } else if (url.starts_with("wss://")) {
    out.tls = true;
    url.remove_prefix(6);
  } else {
    return std::nullopt;
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
    out.host = std::string(authority);
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(
                                                                                   static_cast<unsigned char>(c)); }))
      return std::nullopt;
    out.port = std::string(port);
  } else {
    out.port = out.tls ? "443" : "80";
  }
  // Query strings and fragments make no sense for an OCPP endpoint.
  if (path.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  out.path = std::string(path);
  while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
  return out;
}

}  // namespace evp::sim::detail
