#pragma once
/// Which peers are our own reverse proxies / load balancers, and the client address behind
/// them: the right-most X-Forwarded-For entry that is not itself a trusted proxy. Without a
/// configured proxy the TCP peer is the source (a client could write anything into
/// X-Forwarded-For).
#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace evp::common {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  /// Comma-separated addresses and CIDR networks ("10.0.0.1, 192.168.0.0/16, fd00::/8").
  /// Throws std::invalid_argument naming the bad entry.
  static TrustedProxies parse(std::string_view list);

  bool empty() const { return entries_.empty(); }
  bool trusted(const boost::asio::ip::address& address) const;
  bool trusted(std::string_view address) const;
  /// The source address of a request from `peer` (text form, without port) carrying
  /// `forwarded_for` (the X-Forwarded-For header, possibly empty).
  std::string client_address(const std::string& peer, std::string_view forwarded_for) const;

 private:
  struct Entry {
    boost::asio::ip::address network;
    unsigned prefix = 0;
  };
  std::vector<Entry> entries_;
};

}  // namespace evp::common
