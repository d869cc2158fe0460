// The VAPID audience: RFC 6454 origin of the push endpoint (scheme, host, non-default port).
#include <cctype>

#include "push/crypto.hpp"

namespace evp::push {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string origin_of(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) throw CryptoError("URL has no scheme: " + std::string(url));
  std::string scheme = lower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal keeps its brackets
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw CryptoError("URL has an unterminated IPv6 host");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw CryptoError("URL has junk after the IPv6 host");
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw CryptoError("URL has no host: " + std::string(url));
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw CryptoError("URL has a bad port: " + std::string(url));
  // Leading zeros do not make a different port.
  while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);

  std::string origin = scheme + "://" + lower(host);
  bool is_default = port.empty() || (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
  if (!is_default) {
    origin += ':';
    origin += port;
  }
  return origin;
}

}  // namespace evp::push
