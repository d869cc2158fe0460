#include "delivery/address_policy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "push/service.hpp"

namespace evp::push::delivery {

namespace {

std::string v4_reason(const asio::ip::address_v4& a) {
  const auto in = [&](std::uint8_t o0, int prefix_bits, std::uint8_t o1 = 0, std::uint8_t o2 = 0) {
    std::uint32_t net = (std::uint32_t{o0} << 24) | (std::uint32_t{o1} << 16) | (std::uint32_t{o2} << 8);
    std::uint32_t mask = prefix_bits == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_bits);
    return (a.to_uint() & mask) == (net & mask);
  };
  if (in(0, 8)) return "unspecified (0.0.0.0/8)";
  if (in(127, 8)) return "loopback";
  if (in(10, 8) || in(172, 12, 16) || in(192, 16, 168)) return "private (RFC 1918)";
  if (in(100, 10, 64)) return "shared address space (CGNAT 100.64.0.0/10)";
  if (in(169, 16, 254)) return "link-local";
  if (in(192, 24, 0, 0)) return "IETF protocol assignment (192.0.0.0/24)";
  if (in(192, 24, 0, 2) || in(198, 24, 51, 100) || in(203, 24, 0, 113)) return "documentation range";
  if (in(198, 15, 18)) return "benchmarking range (198.18.0.0/15)";
  if (in(224, 4)) return "multicast";
  if (in(240, 4)) return "reserved (240.0.0.0/4)";
  return {};
}

asio::ip::address_v4 embedded_v4(const asio::ip::address_v6::bytes_type& b, std::size_t offset) {
  return asio::ip::address_v4({b[offset], b[offset + 1], b[offset + 2], b[offset + 3]});
}

std::string v6_reason(const asio::ip::address_v6& a) {
  const auto b = a.to_bytes();
  if (a.is_unspecified()) return "unspecified (::)";
  if (a.is_loopback()) return "loopback (::1)";
  if (a.is_v4_mapped()) {
    auto r = v4_reason(embedded_v4(b, 12));
    return r.empty() ? std::string{} : "IPv4-mapped " + r;
  }
  if ((b[0] & 0xfe) == 0xfc) return "unique local (fc00::/7)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local (fe80::/10)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local (fec0::/10)";
  if (b[0] == 0xff) return "multicast";
  bool first_96_zero = true;
  for (int i = 0; i < 12; ++i) first_96_zero = first_96_zero && b[i] == 0;
  if (first_96_zero) return "IPv4-compatible (::/96, deprecated)";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "documentation range (2001:db8::/32)";
  if (b[0] == 0x01 && b[1] == 0x00 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0)
    return "discard prefix (100::/64)";
  // Translation prefixes carry an IPv4 address that decides where the packet really goes.
  bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b;
  for (int i = 4; nat64 && i < 12; ++i) nat64 = b[i] == 0;
  if (nat64) {
    auto r = v4_reason(embedded_v4(b, 12));
    return r.empty() ? std::string{} : "NAT64 " + r;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {
    auto r = v4_reason(embedded_v4(b, 2));
    return r.empty() ? std::string{} : "6to4 " + r;
  }
  return {};
}

}  // namespace

std::string non_public_reason(const asio::ip::address& address) {
  return address.is_v4() ? v4_reason(address.to_v4()) : v6_reason(address.to_v6());
}

std::string check_url_syntax(const std::optional<Url>& url, bool allow_insecure) {
  if (!url) return "not a valid http(s) URL";
  if (!url->tls() && !allow_insecure) return "only https endpoints are accepted";
  return {};
}

asio::awaitable<Resolved> resolve_checked(common::Resolver& resolver, const Url& url, bool allow_insecure) {
  Resolved out;
  auto answer = co_await resolver.resolve(url.host, std::to_string(url.port));
  const auto& ec = answer.error;
  const auto& results = answer.results;
  if (ec) {
    out.error = "cannot resolve " + url.host + ": " + ec.message();
    co_return out;
  }
  for (const auto& entry : results) {
    auto endpoint = entry.endpoint();
    if (!allow_insecure) {
      auto reason = non_public_reason(endpoint.address());
      if (!reason.empty()) {
        out.error = url.host + " resolves to " + endpoint.address().to_string() + ", a " + reason + " address";
        out.endpoints.clear();
        out.policy = true;
        co_return out;
      }
    }
    out.endpoints.push_back(endpoint);
  }
  if (out.endpoints.empty()) out.error = "no address for " + url.host;
  co_return out;
}

}  // namespace evp::push::delivery

namespace evp::push {

asio::awaitable<std::string> check_endpoint(common::Resolver& resolver, std::string_view url_text,
                                            bool allow_insecure) {
  auto url = delivery::parse_url(url_text);
  if (auto reason = delivery::check_url_syntax(url, allow_insecure); !reason.empty()) co_return reason;
  auto resolved = co_await delivery::resolve_checked(resolver, *url, allow_insecure);
  co_return resolved.error;
}

}  // namespace evp::push
