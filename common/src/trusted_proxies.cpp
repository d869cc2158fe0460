#include "common/trusted_proxies.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

namespace evp::common {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool prefix_match(const boost::asio::ip::address& a, const boost::asio::ip::address& net, unsigned prefix) {
  if (a.is_v4() != net.is_v4()) return false;
  std::array<unsigned char, 16> x{}, y{};
  std::size_t len = 0;
  if (a.is_v4()) {
    auto ab = a.to_v4().to_bytes(), nb = net.to_v4().to_bytes();
    std::copy(ab.begin(), ab.end(), x.begin());
    std::copy(nb.begin(), nb.end(), y.begin());
    len = 4;
  } else {
    auto ab = a.to_v6().to_bytes(), nb = net.to_v6().to_bytes();
    std::copy(ab.begin(), ab.end(), x.begin());
    std::copy(nb.begin(), nb.end(), y.begin());
    len = 16;
  }
  for (std::size_t i = 0; i < len && prefix > 0; ++i) {
    unsigned bits = prefix >= 8 ? 8 : prefix;
    auto mask = static_cast<unsigned char>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
    prefix -= bits;
  }
  return true;
}

// An IPv4 peer on a dual-stack socket shows up as ::ffff:a.b.c.d.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace

TrustedProxies TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    auto slash = item.find('/');
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(std::string(item.substr(0, slash)), ec);
    if (ec) throw std::invalid_argument("not an IP address or network: '" + std::string(item) + "'");
    address = unmapped(address);
    unsigned max = address.is_v4() ? 32 : 128, prefix = max;
    if (slash != std::string_view::npos) {
      auto bits = item.substr(slash + 1);
      auto [p, e] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (e != std::errc() || p != bits.data() + bits.size() || prefix > max)
        throw std::invalid_argument("bad prefix length in '" + std::string(item) + "'");
    }
    out.entries_.push_back({address, prefix});
  }
  return out;
}

bool TrustedProxies::trusted(const boost::asio::ip::address& address) const {
  auto a = unmapped(address);
  for (const auto& e : entries_)
    if (prefix_match(a, e.network, e.prefix)) return true;
  return false;
}

bool TrustedProxies::trusted(std::string_view address) const {
  if (entries_.empty()) return false;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(trim(address)), ec);
  return !ec && trusted(a);
}

std::string TrustedProxies::client_address(const std::string& peer, std::string_view forwarded_for) const {
  if (entries_.empty() || forwarded_for.empty() || !trusted(peer)) return peer;
  // Walk from the right: each hop appended the address it received from; the first one
  // that is not ours is the client.
  std::string candidate = peer;
  while (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    auto item = trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(item), ec);
    if (ec) return candidate;  // garbage: stop at the last address we could trust
    candidate = unmapped(a).to_string();
    if (!trusted(a)) return candidate;
  }
  return candidate;
}

}  // namespace evp::common
